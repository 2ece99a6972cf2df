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

from videorecs_widgets.errors import EngineError
from videorecs_widgets.local import metrics as metrics_module
from videorecs_widgets.local.model import ModelFileError, RecipeKindError, TrainedModel
from videorecs_widgets.local.similarity import (
    damp_popularity,
    history_cooccurrence,
    sequential_neighbours,
    top_k_rows,
)
from videorecs_widgets.local.split import personalize_split
from videorecs_widgets.local.vocab import Vocabulary

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

# The service's minimums for training a solution version.
MIN_INTERACTIONS = 1000
MIN_USERS = 25


class TrainingError(EngineError):
    """Training data or hyperparameters that a recipe cannot train on; the message says which."""


@dataclass(frozen=True)
class RecipeInfo:
    """One recipe as ``list_recipes`` / ``describe_recipe`` describe it, plus the engine's kind."""

    name: str
    arn: str
    recipe_type: str
    kind: str
    description: str


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
    "aws-user-personalization": _USER_PARAMS,
    "aws-user-personalization-v2": _USER_PARAMS,
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
            ok = param.check(value)
        except ValueError:
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


# -- input checks ----------------------------------------------------------------------------
def _check_interactions(interactions: pd.DataFrame) -> np.ndarray:
    """Refuse what the service refuses; returns TIMESTAMP as int64."""
    if not isinstance(interactions, pd.DataFrame):
        raise TrainingError(
            "Cannot train: interactions must be a pandas DataFrame, "
            f"not {type(interactions).__name__}."
        )
    missing = [c for c in ("USER_ID", "ITEM_ID", "TIMESTAMP") if c not in interactions.columns]
    if missing:
        raise TrainingError(
            f"Cannot train: the interactions have no column {missing[0]!r} "
            f"(columns found: {list(interactions.columns)!r})."
        )
    if len(interactions) < MIN_INTERACTIONS:
        raise TrainingError(
            f"Too few interactions: {len(interactions):,} found, "
            f"at least {MIN_INTERACTIONS:,} needed."
        )
    for column in ("USER_ID", "ITEM_ID", "TIMESTAMP"):
        bad = interactions[column].isna().to_numpy()
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise TrainingError(
                f"Cannot train: column {column!r} is empty (NaN) in {int(bad.sum()):,} row(s), "
                f"the first at row {row}."
            )
    try:
        return pd.to_numeric(interactions["TIMESTAMP"], errors="raise").astype("int64").to_numpy()
    except (ValueError, TypeError) as exc:
        raise TrainingError(
            f"Cannot train: column 'TIMESTAMP' must hold numbers ({exc})."
        ) from None


def _distinct_ids(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(code of each row, sorted distinct ids as str); codes index the distinct ids.

    Factorizing first means only the distinct values become strings, not every row: 10
    million rows with 100,000 users cost one hash pass.
    """
    codes, uniques = pd.factorize(column)
    names = np.asarray(pd.Index(uniques).astype(str), dtype=object)
    distinct, remap = np.unique(names, return_inverse=True)  # also merges 7 and "7"
    return remap.reshape(-1)[codes], distinct


@dataclass(frozen=True)
class _Encoded:
    """Interactions as indices, sorted by user, then time, ties in row order."""

    users: Vocabulary
    items: Vocabulary
    u: np.ndarray  # int64 user index per interaction
    i: np.ndarray  # int32 item index per interaction


def _encode(interactions: pd.DataFrame, items: pd.DataFrame | None) -> _Encoded:
    timestamps = _check_interactions(interactions)
    u, user_ids = _distinct_ids(interactions["USER_ID"])
    item_codes, item_ids = _distinct_ids(interactions["ITEM_ID"])
    catalogue = item_ids
    if items is not None and "ITEM_ID" in items.columns:
        extra = items["ITEM_ID"].dropna().astype(str).to_numpy(dtype=object)
        catalogue = np.unique(np.concatenate([item_ids, extra]))
    i = np.searchsorted(catalogue, item_ids)[item_codes].astype(np.int32)
    active = int((np.bincount(u) >= 2).sum())
    if active < MIN_USERS:
        raise TrainingError(
            f"Too few users: {active:,} users with at least 2 interactions found, "
            f"at least {MIN_USERS:,} needed."
        )
    order = np.lexsort((np.arange(len(u)), timestamps, u))
    return _Encoded(
        Vocabulary(user_ids), Vocabulary(catalogue), u[order].astype(np.int64), i[order]
    )


def _catalog(interactions: pd.DataFrame, items: pd.DataFrame | None) -> Vocabulary:
    ids = set(pd.unique(interactions["ITEM_ID"].astype(str)))
    if items is not None and "ITEM_ID" in items.columns:
        ids.update(items["ITEM_ID"].dropna().astype(str))
    return Vocabulary(sorted(ids))


def _genre_matrix(items: pd.DataFrame | None, vocab: Vocabulary) -> sp.csr_matrix | None:
    """Items x genres, 1 where an item has a genre (GENRES column, "|"-joined); None if absent."""
    if items is None or "ITEM_ID" not in items.columns:
        return None
    column = next((c for c in items.columns if c.upper() in ("GENRES", "GENRE")), None)
    if column is None:
        return None
    rows, names = [], []
    for item_id, genres in zip(items["ITEM_ID"].astype(str), items[column], strict=True):
        index = vocab.index(item_id)
        if index >= 0 and isinstance(genres, str):
            for genre in genres.split("|"):
                if genre:
                    rows.append(index)
                    names.append(genre)
    codes, _ = pd.factorize(pd.Series(names, dtype=object))
    matrix = sp.csr_matrix(
        (np.ones(len(rows), dtype=np.float32), (rows, codes)),
        shape=(len(vocab), int(codes.max()) + 1 if len(codes) else 1),
    )
    matrix.sum_duplicates()
    matrix.data[:] = 1.0
    return matrix


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

    ``items`` (ITEM_ID + metadata such as GENRES, "|"-joined) widens the catalogue and feeds
    aws-similar-items; ``users`` is accepted for the API's sake and not used by any model yet.
    Raises :class:`TrainingError` for bad input or hyperparameters.
    """
    info = _recipe(recipe_arn)
    params = parse_hyperparameters(recipe_arn, hyperparameters)
    encoded = _encode(interactions, items)
    _rng = np.random.default_rng(seed)  # the one generator; today's recipes draw nothing from it

    user_vocab, item_vocab, u, i = encoded.users, encoded.items, encoded.u, encoded.i
    indptr = np.zeros(len(user_vocab) + 1, dtype=np.int64)
    np.cumsum(np.bincount(u, minlength=len(user_vocab)), out=indptr[1:])
    popularity = np.bincount(i, minlength=len(item_vocab)).astype(np.float32)

    neighbours = None
    if info.kind in ("user", "ranking"):
        neighbours = _train_sequential(u, i, popularity, params)
        if not params["recency_mask"]:
            params["history_decay"] = 1.0
    elif info.kind == "related-items":
        neighbours = _train_related(
            u,
            i,
            len(user_vocab),
            len(item_vocab),
            popularity,
            params,
            _genre_matrix(items, item_vocab),
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
    """Each test user's top ``k`` from ``model``, never items of their input.

    user / popularity models: :meth:`TrainedModel.recommend`; ranking models: the whole
    catalogue ranked for the user; related-items models: items similar to the user's newest
    input item (popular items when the user has no input).
    """
    out: dict[str, list[str]] = {}
    catalogue = model.items.ids
    for user, history in inputs.items():
        seen = set(history)
        if model.kind in ("user", "popularity"):
            ranked = [item for item, _ in model.recommend(user, k, exclude=history)]
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
    timestamps = _check_interactions(interactions)
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
    catalog_size = len(_catalog(frame, items))
    return metrics_module.offline_metrics(recommendations, split.truth, catalog_size)
