"""Training input: checks the service would make, and interactions encoded as indices.

:func:`encode` refuses what Personalize refuses (missing columns, empty ids, fewer than 1,000
interactions or 25 users with two interactions) with a :class:`TrainingError` that shows the
counts, then turns the frame into integer indices sorted by user, then time (ties in row order),
with a :class:`~.vocab.Vocabulary` for users and one for the catalogue (every item of the
interactions plus every item of the items data set).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from videorecs_widgets.errors import EngineError
from videorecs_widgets.local.vocab import Vocabulary

# The service's minimums for training a solution version.
MIN_INTERACTIONS = 1000
MIN_USERS = 25


class TrainingError(EngineError):
    """Training data or hyperparameters that a recipe cannot train on; the message says which."""


def check_interactions(interactions: pd.DataFrame) -> np.ndarray:
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
class Encoded:
    """Interactions as indices, sorted by user, then time, ties in row order."""

    users: Vocabulary
    items: Vocabulary
    u: np.ndarray  # int64 user index per interaction
    i: np.ndarray  # int32 item index per interaction


def encode(interactions: pd.DataFrame, items: pd.DataFrame | None) -> Encoded:
    timestamps = check_interactions(interactions)
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
    return Encoded(Vocabulary(user_ids), Vocabulary(catalogue), u[order].astype(np.int64), i[order])


def catalog(interactions: pd.DataFrame, items: pd.DataFrame | None) -> Vocabulary:
    ids = set(pd.unique(interactions["ITEM_ID"].astype(str)))
    if items is not None and "ITEM_ID" in items.columns:
        ids.update(items["ITEM_ID"].dropna().astype(str))
    return Vocabulary(sorted(ids))


def genre_matrix(items: pd.DataFrame | None, vocab: Vocabulary) -> sp.csr_matrix | None:
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
