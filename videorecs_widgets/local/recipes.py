"""The recipes the embedded engine trains, their hyperparameters, training and evaluation.

=============================  ======================  ===============  ==========================
recipe                         ``recipe_type``          kind             model
=============================  ======================  ===============  ==========================
aws-user-personalization(-v2)  USER_PERSONALIZATION    user             sequential item-kNN
aws-personalized-ranking(-v2)  PERSONALIZED_RANKING    ranking          the same, scoring a list
aws-sims, aws-similar-items    RELATED_ITEMS           related-items    co-occurrence (+ genres)
aws-popularity-count           USER_PERSONALIZATION    popularity       interaction counts
=============================  ======================  ===============  ==========================

The user model ("sequential item-kNN"): two items are neighbours when users interact with
them close together in time (within ``window`` steps of a history, a pair ``d`` steps apart
counting ``window_decay ** (d - 1)``, the later item weighted ``forward_weight`` times), damped
by popularity and cut to the ``neighbours`` best per item. A user's score for an item is the
sum of their history items' rows, the newest weighted 1 and each older one ``history_decay``
times the next (the recency weighting that lifts it above plain ALS / EASE, see benchmarks/).
Defaults, chosen on the lab data: window 20, window_decay 0.95, forward_weight 2,
history_decay 0.85, neighbours 400, popularity_damping 0.5 (pair counts divided by
``(pop_i * pop_j) ** 0.5``). The -v2 names share the v1 models.

Metadata (user and ranking recipes, when the dataset group has Items / Users data; see
:mod:`.metadata`): an item content prior (the user's recency-weighted genre / year profile,
``item_metadata_weight`` 0.1) and a demographic prior (naive Bayes over the Users fields,
``user_metadata_weight`` 0.1, ``demographic_smoothing`` 200 pseudo-users), both weighted
``10 / (10 + history length)`` so they matter for short histories and fade for long ones; a
user without history but with a Users row gets the demographic scores instead of the global
popularity. 0 turns either off. On the lab data they change the documented metrics by less
than the noise between split seeds and help users with no history (benchmarks/metadata.py).

SIMS: how many users interacted with both items (each user counts once), pairs met by fewer
than ``min_cointeraction_count`` (2) users dropped, divided by
``(pop_i * pop_j) ** popularity_discount_factor`` (0.5, i.e. cosine), top 200 per item.
aws-similar-items also blends in the genre Jaccard similarity (``metadata_weight`` 0.2) when
the items data set has a GENRES column.

Unknown ids: a user without training history gets the most popular items (among users with
the same demographics when the Users data has them; :meth:`TrainedModel.recommend_is_cold`);
an unknown or isolated item's similar items are the most popular items; a ranking puts items
the model never saw last, in input order, score 0.

Scores, as the service gives them: a user-personalization score is the item's share of the
user's scores over the whole catalogue (all of them sum to 1), a ranking score its share over
the input list; related-items and popularity answers carry no score (:attr:`RecipeInfo.scored`).
Normalising divides by one positive sum, so it never changes an order or a metric.

Models are deterministic: ``seed`` selects the evaluation split (see :mod:`.split`) and seeds
the one ``numpy.random.Generator`` any randomised step would draw from.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from videorecs_widgets.local import metrics as metrics_module
from videorecs_widgets.local.metadata import Demographics, ItemContent, check_frame
from videorecs_widgets.local.model import ModelFileError, RecipeKindError, TrainedModel
from videorecs_widgets.local.similarity import (
    damp_popularity,
    history_cooccurrence,
    sequential_neighbours,
    top_k_rows,
)
from videorecs_widgets.local.split import personalize_split
from videorecs_widgets.local.training_data import (
    TrainingError,
    catalog,
    check_interactions,
    encode,
    genre_matrix,
)

__all__ = [
    "RECIPES",
    "RECIPE_PREFIX",
    "ModelFileError",
    "RecipeInfo",
    "RecipeKindError",
    "TrainedModel",
    "TrainingError",
    "evaluate",
    "train",
]

RECIPE_PREFIX = "arn:aws:personalize:::recipe/"


@dataclass(frozen=True)
class RecipeInfo:
    """One recipe as ``list_recipes`` / ``describe_recipe`` describe it, plus the engine's kind."""

    name: str
    arn: str
    recipe_type: str
    kind: str
    description: str

    @property
    def scored(self) -> bool:
        """True when the service's answers carry a ``score``.

        User-Personalization and Personalized-Ranking score each item (relative scores that
        sum to 1, see :meth:`.TrainedModel.recommend` and :meth:`.TrainedModel.rank`); the
        docs' "How recommendation scoring works" gives SIMS, Similar-Items and
        Popularity-Count no score, so their item lists hold only item ids.
        """
        return self.kind in ("user", "ranking")


def _info(name: str, recipe_type: str, kind: str, description: str) -> RecipeInfo:
    return RecipeInfo(name, RECIPE_PREFIX + name, recipe_type, kind, description)


RECIPES: dict[str, RecipeInfo] = {
    r.arn: r
    for r in (
        _info(
            "aws-user-personalization",
            "USER_PERSONALIZATION",
            "user",
            "Recommends items for a user from their history, newest interactions weighted most.",
        ),
        _info(
            "aws-user-personalization-v2",
            "USER_PERSONALIZATION",
            "user",
            "Recommends items for a user from their history, newest interactions weighted most.",
        ),
        _info(
            "aws-personalized-ranking",
            "PERSONALIZED_RANKING",
            "ranking",
            "Ranks a given list of items for a user with the user-personalization model.",
        ),
        _info(
            "aws-personalized-ranking-v2",
            "PERSONALIZED_RANKING",
            "ranking",
            "Ranks a given list of items for a user with the user-personalization model.",
        ),
        _info(
            "aws-sims",
            "RELATED_ITEMS",
            "related-items",
            "Items that users interact with together (co-occurrence, damped for popularity).",
        ),
        _info(
            "aws-similar-items",
            "RELATED_ITEMS",
            "related-items",
            "Items interacted with together, blended with item metadata (genres) when given.",
        ),
        _info(
            "aws-popularity-count",
            "USER_PERSONALIZATION",
            "popularity",
            "The most-interacted items: the baseline to compare other recipes against.",
        ),
    )
}


# -- hyperparameters -------------------------------------------------------------------------
@dataclass(frozen=True)
class _Param:
    default: Any
    parse: Callable[[str], Any]
    check: Callable[[Any], bool]
    rule: str


def _bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered not in ("true", "false"):
        raise ValueError(text)
    return lowered == "true"


_USER_PARAMS: dict[str, _Param] = {
    "window": _Param(20, int, lambda v: 1 <= v <= 1000, "an integer from 1 to 1000"),
    "window_decay": _Param(0.95, float, lambda v: 0 < v <= 1, "a number in (0, 1]"),
    "forward_weight": _Param(2.0, float, lambda v: 0 <= v <= 100, "a number from 0 to 100"),
    "history_decay": _Param(0.85, float, lambda v: 0 < v <= 1, "a number in (0, 1]"),
    "neighbours": _Param(400, int, lambda v: 1 <= v <= 5000, "an integer from 1 to 5000"),
    "popularity_damping": _Param(0.5, float, lambda v: 0 <= v <= 1, "a number from 0 to 1"),
    "popularity_weight": _Param(0.0, float, lambda v: 0 <= v <= 10, "a number from 0 to 10"),
    # Personalize's own switch: false weighs every history item the same.
    "recency_mask": _Param(True, _bool, lambda v: True, "true or false"),
    # Metadata priors (see .metadata); 0 turns one off, giving the interactions-only model.
    "item_metadata_weight": _Param(0.1, float, lambda v: 0 <= v <= 10, "a number from 0 to 10"),
    "user_metadata_weight": _Param(0.1, float, lambda v: 0 <= v <= 10, "a number from 0 to 10"),
    "demographic_smoothing": _Param(
        200.0, float, lambda v: 0 < v <= 1e6, "a number above 0, at most 1000000"
    ),
}
# Recommendations leave out what the user already interacted with; false lets them back in
# (films to watch again). Ranking orders the list it is given, so it has no such switch.
_RECOMMEND_PARAMS: dict[str, _Param] = {
    **_USER_PARAMS,
    "exclude_interacted": _Param(True, _bool, lambda v: True, "true or false"),
}
_SIMS_PARAMS: dict[str, _Param] = {
    "popularity_discount_factor": _Param(0.5, float, lambda v: 0 <= v <= 1, "a number from 0 to 1"),
    "min_cointeraction_count": _Param(
        2, int, lambda v: 1 <= v <= 1000, "an integer from 1 to 1000"
    ),
    "neighbours": _Param(200, int, lambda v: 1 <= v <= 5000, "an integer from 1 to 5000"),
}
_SIMILAR_PARAMS: dict[str, _Param] = {
    **_SIMS_PARAMS,
    "metadata_weight": _Param(0.2, float, lambda v: 0 <= v <= 1, "a number from 0 to 1"),
}

_PARAMS_BY_RECIPE: dict[str, dict[str, _Param]] = {
    "aws-user-personalization": _RECOMMEND_PARAMS,
    "aws-user-personalization-v2": _RECOMMEND_PARAMS,
    "aws-personalized-ranking": _USER_PARAMS,
    "aws-personalized-ranking-v2": _USER_PARAMS,
    "aws-sims": _SIMS_PARAMS,
    "aws-similar-items": _SIMILAR_PARAMS,
    "aws-popularity-count": {},
}


def hyperparameter_defaults(recipe_arn: str) -> dict[str, Any]:
    """The defaults of a recipe's hyperparameters (names as ``algorithmHyperParameters`` takes)."""
    info = _recipe(recipe_arn)
    return {name: p.default for name, p in _PARAMS_BY_RECIPE[info.name].items()}


def parse_hyperparameters(
    recipe_arn: str, hyperparameters: Mapping[str, str] | None
) -> dict[str, Any]:
    """Defaults overridden by the given strings; unknown names or bad values raise TrainingError."""
    info = _recipe(recipe_arn)
    table = _PARAMS_BY_RECIPE[info.name]
    values = {name: p.default for name, p in table.items()}
    for name, raw in (hyperparameters or {}).items():
        if name not in table:
            known = ", ".join(sorted(table)) or "none"
            raise TrainingError(
                f"Cannot train recipe {info.name!r}: unknown hyperparameter {name!r} "
                f"(this recipe takes: {known})."
            )
        param = table[name]
        try:
            value = param.parse(str(raw))
            # float("nan") and float("inf") parse; neither is a usable weight.
            ok = bool(np.isfinite(value)) and param.check(value)
        except (ValueError, TypeError):
            ok = False
        if not ok:
            raise TrainingError(
                f"Cannot train recipe {info.name!r}: hyperparameter {name!r} is {raw!r}, "
                f"but it must be {param.rule}."
            )
        values[name] = value
    return values


def _recipe(recipe_arn: str) -> RecipeInfo:
    try:
        return RECIPES[recipe_arn]
    except KeyError:
        known = ", ".join(sorted(RECIPES))
        raise TrainingError(f"Unknown recipe {recipe_arn!r}; the engine has: {known}.") from None


# -- training --------------------------------------------------------------------------------
def train(
    recipe_arn: str,
    interactions: pd.DataFrame,
    *,
    items: pd.DataFrame | None = None,
    users: pd.DataFrame | None = None,
    hyperparameters: Mapping[str, str] | None = None,
    seed: int = 0,
) -> TrainedModel:
    """Train ``recipe_arn`` on the interactions (USER_ID, ITEM_ID, TIMESTAMP[, EVENT_*]).

    ``items`` (ITEM_ID + metadata such as YEAR and GENRES, "|"-joined) widens the catalogue,
    feeds aws-similar-items' genre blend and the user models' item content prior; ``users``
    (USER_ID + demographics such as AGE, GENDER, OCCUPATION) feeds the user models'
    demographic prior and their answer for users without history (see :mod:`.metadata` for
    how fields are read and what is ignored). Raises :class:`TrainingError` for bad input or
    hyperparameters.
    """
    info = _recipe(recipe_arn)
    params = parse_hyperparameters(recipe_arn, hyperparameters)
    if items is not None:
        items = check_frame(items, "ITEM_ID", "items")
    if users is not None:
        users = check_frame(users, "USER_ID", "users")
    encoded = encode(interactions, items)
    _rng = np.random.default_rng(seed)  # the one generator; today's recipes draw nothing from it

    user_vocab, item_vocab, u, i = encoded.users, encoded.items, encoded.u, encoded.i
    indptr = np.zeros(len(user_vocab) + 1, dtype=np.int64)
    np.cumsum(np.bincount(u, minlength=len(user_vocab)), out=indptr[1:])
    popularity = np.bincount(i, minlength=len(item_vocab)).astype(np.float32)

    neighbours = content = demographics = None
    if info.kind in ("user", "ranking"):
        neighbours = _train_sequential(u, i, popularity, params)
        if not params["recency_mask"]:
            params["history_decay"] = 1.0
        if items is not None and params["item_metadata_weight"] > 0:
            content = ItemContent.build(items, item_vocab)
        if users is not None and params["user_metadata_weight"] > 0:
            demographics = Demographics.build(
                users, user_vocab, indptr, i, len(item_vocab), params["demographic_smoothing"]
            )
    elif info.kind == "related-items":
        neighbours = _train_related(
            u,
            i,
            len(user_vocab),
            len(item_vocab),
            popularity,
            params,
            genre_matrix(items, item_vocab),
        )
    return TrainedModel(
        recipe_arn=recipe_arn,
        kind=info.kind,
        users=user_vocab,
        items=item_vocab,
        history_indptr=indptr,
        history_items=i,
        popularity=popularity,
        neighbours=neighbours,
        params=params,
        content=content,
        demographics=demographics,
    )


def _train_sequential(u, i, popularity, params):
    return sequential_neighbours(
        u,
        i,
        popularity,
        window=params["window"],
        window_decay=params["window_decay"],
        forward_weight=params["forward_weight"],
        damping=params["popularity_damping"],
        k=params["neighbours"],
    )


def _train_related(u, i, n_users, n_items, popularity, params, genres):
    c = history_cooccurrence(u, i, n_users, n_items)
    c.data[c.data < params["min_cointeraction_count"]] = 0
    c.eliminate_zeros()
    factor = params["popularity_discount_factor"]
    s = damp_popularity(c, popularity, factor, factor)
    weight = params.get("metadata_weight", 0.0)
    if genres is not None and weight > 0:
        s = _blend_genres(s, genres, weight, params["neighbours"])
    return top_k_rows(s, params["neighbours"])


def _blend_genres(s, genres: sp.csr_matrix, weight: float, k: int):
    """``(1 - w) * co-occurrence + w * genre Jaccard`` over each item's co-occurrence candidates.

    Only pairs that users interacted with together are re-scored (twice ``k`` per item), so the
    blend reorders neighbours by genre without making the matrix dense. The co-occurrence part
    is scaled so each item's best neighbour has 1.
    """
    s = top_k_rows(s, 2 * k)
    rows = np.repeat(np.arange(s.shape[0]), np.diff(s.indptr))
    top = np.zeros(s.shape[0], dtype=np.float32)
    np.maximum.at(top, rows, s.data)
    scaled = s.data / np.maximum(top[rows], 1e-12)
    shared = np.asarray(genres[rows].multiply(genres[s.indices]).sum(axis=1)).ravel()
    sizes = np.asarray(genres.sum(axis=1)).ravel()
    union = sizes[rows] + sizes[s.indices] - shared
    jaccard = np.divide(shared, union, out=np.zeros_like(shared, dtype=np.float64), where=union > 0)
    out = s.copy()
    out.data = ((1 - weight) * scaled + weight * jaccard).astype(np.float32)
    return out


# -- evaluation ------------------------------------------------------------------------------
def recommendations_for_test_users(
    model: TrainedModel, inputs: Mapping[str, list[str]], k: int = metrics_module.EVALUATION_LENGTH
) -> dict[str, list[str]]:
    """Each test user's top ``k`` from ``model``: what its campaign would answer for them.

    The documented protocol gives the solution version each test user's input (their oldest
    90%) and compares its recommendations with the newest 10%; it does not say that the input
    is taken out. So user / popularity models answer exactly as
    :meth:`TrainedModel.recommend` does at run time for that user (whose training history is
    their input): user-personalization leaves the input out (unless trained with
    ``exclude_interacted`` false), popularity-count gives every user the same popular items,
    seen or not. Ranking models: the whole catalogue ranked for the user, input left out (the
    user model's list). Related-items models: items similar to the user's newest input item
    (popular items when the user has no input), input left out.
    """
    out: dict[str, list[str]] = {}
    catalogue = model.items.ids
    for user, history in inputs.items():
        seen = set(history)
        if model.kind in ("user", "popularity"):
            ranked = [item for item, _ in model.recommend(user, k)]
        elif model.kind == "ranking":
            ranked = [item for item, _ in model.rank(user, catalogue) if item not in seen][:k]
        else:
            seed_item = history[-1] if history else ""
            ranked = [item for item, _ in model.similar_items(seed_item, k, exclude=history)]
        out[user] = ranked
    return out


def evaluate(
    recipe_arn: str,
    interactions: pd.DataFrame,
    *,
    items: pd.DataFrame | None = None,
    users: pd.DataFrame | None = None,
    hyperparameters: Mapping[str, str] | None = None,
    seed: int = 0,
) -> dict[str, float]:
    """The eight ``get_solution_metrics`` values by Personalize's documented protocol.

    Splits with :func:`.split.personalize_split` (test users drawn with ``seed``), trains on the
    training part and scores each test user's 25 recommendations against their truth with
    :func:`.metrics.offline_metrics`; coverage's denominator is the whole catalogue (every item
    of ``interactions`` and ``items``).
    """
    timestamps = check_interactions(interactions)
    frame = pd.DataFrame(
        {
            "USER_ID": interactions["USER_ID"].astype(str).to_numpy(),
            "ITEM_ID": interactions["ITEM_ID"].astype(str).to_numpy(),
            "TIMESTAMP": timestamps,
        }
    )
    split = personalize_split(frame, seed=seed)
    model = train(
        recipe_arn,
        split.train,
        items=items,
        users=users,
        hyperparameters=hyperparameters,
        seed=seed,
    )
    recommendations = recommendations_for_test_users(model, split.inputs)
    catalog_size = len(catalog(frame, items))
    return metrics_module.offline_metrics(recommendations, split.truth, catalog_size)
