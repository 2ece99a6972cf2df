"""A trained model of any recipe kind: what the runtime calls, and its file format.

One class serves every kind; what it holds depends on the kind:

* ``popularity`` / every kind: the item popularity order (the fallback for cold users and
  unknown items) and each training user's history, oldest first;
* ``user`` and ``ranking``: a sparse item-to-next-items matrix (top neighbours per item);
  a user's scores are the recency-weighted sum of the rows of the items in their history;
  when the dataset group had Items / Users data, also the item content and demographic
  priors of :mod:`.metadata` (see :meth:`TrainedModel._user_scores`);
* ``related-items``: a sparse item-to-item similarity matrix (top neighbours per item).

File format: one ``.npz`` (numbers only, loaded with ``allow_pickle=False``) whose ``meta``
entry is UTF-8 JSON (recipe, kind, ids, parameters). Saves are atomic: a temporary file in the
same folder, then a rename.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from videorecs_widgets.errors import EngineError
from videorecs_widgets.local.metadata import Demographics, ItemContent
from videorecs_widgets.local.vocab import Vocabulary

FORMAT_VERSION = 1

# Only the newest interactions of a history move a user's scores (their weight decays
# geometrically), so scoring reads at most this many: it bounds the per-call work.
MAX_SCORED_HISTORY = 200

# The metadata priors weigh ``weight * PRIOR_HISTORY / (PRIOR_HISTORY + n)`` for a user with
# ``n`` interactions: full weight for a short history, fading as the history says more.
PRIOR_HISTORY = 10.0


class ModelFileError(EngineError):
    """A model file is missing or damaged; the message names the file.

    ``reason`` is the message without the file ("it is damaged (BadZipFile: ...)"), for a
    caller that names the file its own way.
    """

    def __init__(self, message: str, reason: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason or message


class RecipeKindError(EngineError, ValueError):
    """A call that the model's recipe does not serve (for example similar items on a user model)."""


class TrainedModel:
    """A trained recipe; build one with :func:`.recipes.train` or :meth:`load`."""

    def __init__(
        self,
        *,
        recipe_arn: str,
        kind: str,
        users: Vocabulary,
        items: Vocabulary,
        history_indptr: np.ndarray,
        history_items: np.ndarray,
        popularity: np.ndarray,
        neighbours: sp.csr_matrix | None,
        params: Mapping[str, Any],
        content: ItemContent | None = None,
        demographics: Demographics | None = None,
    ) -> None:
        self.recipe_arn = recipe_arn
        self.kind = kind
        self.users = users
        self.items = items
        self.params = dict(params)
        self._history_indptr = np.asarray(history_indptr, dtype=np.int64)
        self._history_items = np.asarray(history_items, dtype=np.int32)
        self._popularity = np.asarray(popularity, dtype=np.float32)
        # Popular first; ties by index so the order never depends on the platform's sort.
        self._popular_order = np.lexsort((np.arange(len(items)), -self._popularity))
        top = float(self._popularity.max()) if len(self._popularity) else 1.0
        self._popular_score = self._popularity / (top or 1.0)
        self._neighbours = neighbours
        self.content = content
        self.demographics = demographics
        # The content term favours well-liked items: its share times sqrt(popularity).
        self._content_prior = np.sqrt(self._popular_score).astype(np.float64)

    # -- ids ---------------------------------------------------------------------------------
    def is_known_user(self, user_id: str) -> bool:
        """True when the user had interactions in the training data."""
        return user_id in self.users

    def is_known_item(self, item_id: str) -> bool:
        """True when the item is in the model's catalogue."""
        return item_id in self.items

    def _history(self, user: int) -> np.ndarray:
        if user < 0:
            return np.empty(0, dtype=np.int32)
        return self._history_items[self._history_indptr[user] : self._history_indptr[user + 1]]

    def seen_items(self, user_id: str) -> list[str]:
        """Items the user interacted with in the training data, oldest first, each once."""
        history = self._history(self.users.index(user_id))
        _, first = np.unique(history, return_index=True)
        return self.items.lookup(history[np.sort(first)])

    def recommend_is_cold(self, user_id: str) -> bool:
        """True when a user's recommendations are the popular items (no training history)."""
        return len(self._history(self.users.index(user_id))) == 0

    def similar_is_cold(self, item_id: str) -> bool:
        """True when an item's similar items are the popular items (item unknown or isolated)."""
        index = self.items.index(item_id)
        if index < 0 or self._neighbours is None:
            return True
        return self._neighbours.indptr[index + 1] == self._neighbours.indptr[index]

    # -- scoring -----------------------------------------------------------------------------
    def _require(self, call: str, kinds: tuple[str, ...]) -> None:
        if self.kind not in kinds:
            wanted = " or ".join(kinds)
            raise RecipeKindError(
                f"Cannot call {call} on a model of recipe {self.recipe_arn!r}: its kind is "
                f"{self.kind!r} and {call} needs a {wanted} model."
            )

    def _user_scores(self, user: int, user_id: str) -> np.ndarray:
        """Every item's score for a user: recency-weighted neighbours, popularity breaking ties.

        With metadata: plus ``item_metadata_weight * prior`` times the item content score and
        ``user_metadata_weight * prior`` times the demographic score (both at most 1, as the
        neighbour part is), ``prior = PRIOR_HISTORY / (PRIOR_HISTORY + history length)``. A
        user without history but with demographics gets the demographic scores instead of
        the global popularity.
        """
        full = self._history(user)
        history = full[-MAX_SCORED_HISTORY:]
        scores = np.zeros(len(self.items), dtype=np.float64)
        decay = float(self.params.get("history_decay", 1.0))
        weights = decay ** np.arange(len(history) - 1, -1, -1, dtype=np.float64)
        if len(history) and self._neighbours is not None:
            nb = self._neighbours
            starts, stops = nb.indptr[history], nb.indptr[history + 1]
            lengths = stops - starts
            if lengths.sum():
                take = np.repeat(stops - lengths.cumsum(), lengths) + np.arange(lengths.sum())
                scores = np.bincount(
                    nb.indices[take],
                    weights=nb.data[take] * np.repeat(weights, lengths),
                    minlength=len(self.items),
                )
                top = scores.max()
                if top > 0:
                    scores /= top
        prior = PRIOR_HISTORY / (PRIOR_HISTORY + len(full))
        item_weight = float(self.params.get("item_metadata_weight", 0.0))
        if self.content is not None and item_weight > 0 and len(history):
            content = self.content.scores(history, weights)
            scores += item_weight * prior * content * self._content_prior
        user_weight = float(self.params.get("user_metadata_weight", 0.0))
        if self.demographics is not None and user_weight > 0:
            demographic = self.demographics.scores(user_id)
            if demographic is not None:
                scores += demographic if not len(history) else user_weight * prior * demographic
        # Popularity breaks ties and fills the list when the neighbours run out.
        blend = float(self.params.get("popularity_weight", 0.0))
        return scores + max(blend, 1e-6) * self._popular_score

    def _top(
        self,
        scores: np.ndarray,
        num_results: int,
        banned: np.ndarray,
        exclude: Collection[str],
        allowed: Collection[str] | None,
    ) -> list[tuple[str, float]]:
        scores = scores.astype(np.float64, copy=True)
        mask = np.zeros(len(self.items), dtype=bool)
        mask[banned] = True
        if exclude:
            idx = self.items.indices(exclude)
            mask[idx[idx >= 0]] = True
        if allowed is not None:
            permitted = np.zeros(len(self.items), dtype=bool)
            idx = self.items.indices(allowed)
            permitted[idx[idx >= 0]] = True
            mask |= ~permitted
        scores[mask] = -np.inf
        n = min(max(int(num_results), 0), int((~mask).sum()))
        if n == 0:
            return []
        if n < len(scores):
            # The n-th best score; among items tied with it the lower indices win, so the
            # result never depends on how argpartition happens to split a tie.
            threshold = scores[np.argpartition(-scores, n - 1)[n - 1]]
            above = np.flatnonzero(scores > threshold)
            tied = np.flatnonzero(scores == threshold)[: n - len(above)]
            part = np.concatenate([above, tied])
        else:
            part = np.arange(len(scores))
        # Best first; equal scores by item index so results are deterministic.
        best = part[np.lexsort((part, -scores[part]))]
        return [(self.items.id(int(i)), float(scores[i])) for i in best]

    def recommend(
        self,
        user_id: str,
        num_results: int = 25,
        *,
        exclude: Collection[str] = (),
        allowed: Collection[str] | None = None,
    ) -> list[tuple[str, float]]:
        """Best items for a user, best first, as ``(item_id, score)``.

        Scores are relative over the whole catalogue, as the service's User-Personalization
        scores are: each item's share of the sum of every catalogue item's score (items left
        out of the answer included), so all of them together sum to 1 and the top one is
        small on a large catalogue. Never returns ``exclude``, nor the user's training
        history unless the model was trained with ``exclude_interacted`` false; ``allowed``
        (when given) restricts the candidates. A user without history gets the most popular
        items.

        A popularity model gives every user the same popular items, as the service's
        Popularity-Count does ("the same popular items for all users"): a user's history is
        not taken out, only ``exclude`` (a filter, such as one on the user's interactions) and
        ``allowed`` apply.
        """
        self._require("recommend", ("user", "popularity"))
        user = self.users.index(user_id)
        if self.kind == "popularity":
            scores = self._popular_score.astype(np.float64)
            banned = np.empty(0, dtype=np.int64)
        else:
            scores = self._user_scores(user, user_id)
            banned = self._history(user)
            if not self.params.get("exclude_interacted", True):
                banned = banned[:0]
        # One sum per call; the list is chosen on the raw scores, so normalising never
        # changes its order.
        total = float(scores.sum())
        scale = total if total > 0 else 1.0
        return [(item, score / scale)
                for item, score in self._top(scores, num_results, banned, exclude, allowed)]

    def similar_items(
        self,
        item_id: str,
        num_results: int = 25,
        *,
        exclude: Collection[str] = (),
        allowed: Collection[str] | None = None,
    ) -> list[tuple[str, float]]:
        """Items most like ``item_id`` (never itself), best first; popular ones if unknown.

        The scores only order the list (the best neighbour about 1): the service's
        related-items recipes return no score, and neither does the runtime.
        """
        self._require("similar_items", ("related-items",))
        index = self.items.index(item_id)
        scores = 1e-6 * self._popular_score.astype(np.float64)
        if index >= 0 and self._neighbours is not None:
            nb = self._neighbours
            lo, hi = nb.indptr[index], nb.indptr[index + 1]
            if hi > lo:
                values = nb.data[lo:hi].astype(np.float64)
                scores[nb.indices[lo:hi]] += values / max(float(values.max()), 1e-12)
        banned = np.array([index] if index >= 0 else [], dtype=np.int64)
        return self._top(scores, num_results, banned, exclude, allowed)

    def rank(self, user_id: str, item_ids: Sequence[str]) -> list[tuple[str, float]]:
        """``item_ids`` reordered for the user, best first; unknown items last in input order.

        Every input id appears exactly once (a repeated id keeps its first place); items the
        model never saw score 0.0. As the service's GetPersonalizedRanking scores, the others
        are relative over the list: each known item's share of the sum over the distinct
        known items given, so the scores sum to 1 (shared equally when all of them are 0).
        """
        self._require("rank", ("ranking", "user"))
        scores = self._user_scores(self.users.index(user_id), user_id)
        seen: set[str] = set()
        known: list[tuple[int, str, float]] = []
        unknown: list[tuple[str, float]] = []
        for position, item_id in enumerate(item_ids):
            if item_id in seen:
                continue
            seen.add(item_id)
            index = self.items.index(item_id)
            if index < 0:
                unknown.append((item_id, 0.0))
            else:
                known.append((position, item_id, float(scores[index])))
        known.sort(key=lambda entry: (-entry[2], entry[0]))
        total = sum(score for _, _, score in known)
        if total > 0:
            shares = [(item_id, score / total) for _, item_id, score in known]
        else:
            shares = [(item_id, 1.0 / len(known)) for _, item_id, _ in known]
        return shares + unknown

    # -- persistence -------------------------------------------------------------------------
    def save(self, path: Path) -> None:
        """Write the model to ``path`` atomically (a temporary file, then a rename)."""
        path = Path(path)
        meta = {
            "format": FORMAT_VERSION,
            "recipe_arn": self.recipe_arn,
            "kind": self.kind,
            "params": self.params,
            "users": self.users.ids,
            "items": self.items.ids,
        }
        if self.demographics is not None:
            meta["demographic_users"] = self.demographics.users.ids
        arrays: dict[str, np.ndarray] = {
            "meta": np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8),
            "history_indptr": self._history_indptr,
            "history_items": self._history_items,
            "popularity": self._popularity,
        }
        if self._neighbours is not None:
            arrays["nb_indptr"] = self._neighbours.indptr.astype(np.int64)
            arrays["nb_indices"] = self._neighbours.indices.astype(np.int32)
            arrays["nb_data"] = self._neighbours.data.astype(np.float32)
        if self.content is not None:
            arrays.update(self.content.arrays())
        if self.demographics is not None:
            arrays.update(self.demographics.arrays())
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                np.savez(handle, **arrays)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: Path) -> TrainedModel:
        """Read a model written by :meth:`save`; raises :class:`ModelFileError` naming the file."""
        path = Path(path)
        if not path.is_file():
            reason = "the file does not exist"
            raise ModelFileError(f"Cannot load model file {str(path)!r}: {reason}.", reason)
        try:
            # Our own handle, so a file np.load rejects is still closed.
            with path.open("rb") as handle, np.load(handle, allow_pickle=False) as data:
                meta = json.loads(bytes(data["meta"]).decode("utf-8"))
                arrays = {name: data[name] for name in data.files if name != "meta"}
            if meta.get("format") != FORMAT_VERSION:
                raise ValueError(f"format version {meta.get('format')!r} is not {FORMAT_VERSION}")
            users = Vocabulary(meta["users"])
            items = Vocabulary(meta["items"])
            neighbours = None
            if "nb_indptr" in arrays:
                neighbours = sp.csr_matrix(
                    (arrays["nb_data"], arrays["nb_indices"], arrays["nb_indptr"]),
                    shape=(len(items), len(items)),
                )
            indptr = arrays["history_indptr"]
            history = arrays["history_items"]
            popularity = arrays["popularity"]
            if (
                len(indptr) != len(users) + 1
                or indptr[-1] != len(history)
                or len(popularity) != len(items)
                or (len(history) and (history.min() < 0 or history.max() >= len(items)))
            ):
                raise ValueError("its arrays do not fit together")
            content = ItemContent.from_arrays(arrays, len(items))
            demographics = Demographics.from_arrays(arrays, meta.get("demographic_users"))
            if demographics is not None and demographics.log_lift.shape[1] != len(items):
                raise ValueError("its demographic arrays do not fit the catalogue")
            return cls(
                recipe_arn=meta["recipe_arn"],
                kind=meta["kind"],
                users=users,
                items=items,
                history_indptr=indptr,
                history_items=history,
                popularity=popularity,
                neighbours=neighbours,
                params=meta["params"],
                content=content,
                demographics=demographics,
            )
        except ModelFileError:
            raise
        except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile, EOFError) as exc:
            reason = f"it is damaged ({type(exc).__name__}: {exc})"
            message = f"Cannot load model file {str(path)!r}: {reason}."
            raise ModelFileError(message, reason) from exc
