"""Item metadata and user demographics as priors for the user-personalization models.

Both are built at training time from the dataset group's Items / Users data and blended into a
user's collaborative scores at call time (see :meth:`.model.TrainedModel`):

* **Item content** (:class:`ItemContent`): each item becomes a set of *features*, one per value
  of each metadata field. A text field is categorical (``"Action|Comedy"`` is both genres, as
  Personalize's categorical fields are); a numeric field (such as YEAR) is cut into at most
  :data:`NUMERIC_BANDS` equal-frequency bands over the items that have a value. A user's
  profile is, per field, the share of each value in their recent history, weighted by recency
  as the collaborative part is; an item's content score is the mean over fields of the profile
  share of its values (an item with two genres counts each at half), times the square root of
  its normalised popularity, so the term favours well-liked items in the user's genres and
  decades rather than obscure ones.
* **Demographics** (:class:`Demographics`): each user's values of the Users fields (numeric ones
  such as AGE cut into bands the same way, so an "age band"). The score of an item for a set of
  values is a naive-Bayes estimate: ``P(i) * prod_v P(i | v) / P(i)`` where ``P(i)`` is the
  share of training users who interacted with ``i`` and ``P(i | v)`` the share among users with
  value ``v``, smoothed towards ``P(i)`` with ``smoothing`` pseudo-users. A user without
  history gets these scores instead of the global popularity (popular *among people like
  them*); a user with history gets them as a small prior.

What is ignored, by rule: rows whose id is empty (NaN), empty values (that user or item simply
has no value for the field), values met on fewer than :data:`MIN_VALUE_ROWS` rows (they cannot
generalise), all but the :data:`MAX_FIELD_VALUES` most frequent values of a field, non-finite
numbers, and the ``CREATION_TIMESTAMP`` column. A frame with no usable field gives no features,
so the model is the interactions-only model. A frame that is not a DataFrame or has no id
column is refused with a :class:`~.training_data.TrainingError`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from videorecs_widgets.local.training_data import TrainingError
from videorecs_widgets.local.vocab import Vocabulary

#: Numeric fields are cut into at most this many equal-frequency bands.
NUMERIC_BANDS = 5
#: A value met on fewer rows than this is dropped.
MIN_VALUE_ROWS = 2
#: At most this many values per field are kept (the most frequent): a field such as a zip
#: code would otherwise make the demographic table (values x items) as large as the catalogue
#: times the user count.
MAX_FIELD_VALUES = 200
_SKIPPED_COLUMNS = frozenset({"CREATION_TIMESTAMP"})


def check_frame(frame: object, id_column: str, dataset: str) -> pd.DataFrame:
    """``frame`` if it is a DataFrame with ``id_column``; otherwise a TrainingError naming it."""
    if not isinstance(frame, pd.DataFrame):
        raise TrainingError(
            f"Cannot train: the {dataset} data must be a pandas DataFrame, "
            f"not {type(frame).__name__}."
        )
    if id_column not in frame.columns:
        raise TrainingError(
            f"Cannot train: the {dataset} data has no column {id_column!r} "
            f"(columns found: {list(frame.columns)!r})."
        )
    return frame


def _field_values(column: pd.Series) -> list[list[str]]:
    """Each row's values of one field: categorical split on "|", numeric as a band label."""
    if pd.api.types.is_bool_dtype(column) or not pd.api.types.is_numeric_dtype(column):
        return [
            [v for v in str(value).split("|") if v] if not _missing(value) else []
            for value in column
        ]
    numbers = pd.to_numeric(column, errors="coerce").astype("float64")
    numbers = numbers.where(np.isfinite(numbers))
    if numbers.nunique() < 2:
        return [[] for _ in range(len(column))]  # one value (or none) tells no row apart
    # Ranks make the bands equal-frequency even when many rows share a value.
    bands = pd.qcut(numbers.rank(method="dense"), NUMERIC_BANDS, labels=False, duplicates="drop")
    lows = numbers.groupby(bands).min()
    highs = numbers.groupby(bands).max()
    labels = {
        b: f"{lows[b]:g}" if lows[b] == highs[b] else f"{lows[b]:g}-{highs[b]:g}"
        for b in lows.index
    }
    return [[labels[b]] if not pd.isna(b) else [] for b in bands]


def _missing(value: object) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # lists and other containers are not "missing"
        return False


@dataclass(frozen=True)
class Features:
    """Rows (vocabulary indices) x features, 1 where a row has the value; one field per column."""

    matrix: sp.csr_matrix
    field: np.ndarray  # int32 field number of each feature column
    names: list[str]  # "FIELD=value" of each feature column


def one_hot(frame: pd.DataFrame, id_column: str, vocab: Vocabulary) -> Features:
    """The metadata of the rows of ``frame`` whose id ``vocab`` holds, as one-hot features.

    Later rows for the same id add their values (Personalize keeps one record per id; the lab's
    files have one row per id).
    """
    frame = frame.loc[frame[id_column].notna()]
    rows_of = vocab.indices(frame[id_column].astype(str).to_numpy(dtype=object))
    keep = rows_of >= 0
    rows, cols, names, fields = [], [], [], []
    fields_used = 0
    for column in frame.columns:
        if column == id_column or str(column).upper() in _SKIPPED_COLUMNS:
            continue
        per_row = _field_values(frame[column])
        pairs = [(r, v) for r, ok, vs in zip(rows_of, keep, per_row, strict=True) if ok for v in vs]
        if not pairs:
            continue
        counts = pd.Series([v for _, v in pairs]).value_counts()
        # Most frequent first, ties by value, so the cut never depends on row order.
        counts = counts[counts >= MIN_VALUE_ROWS]
        ranked = sorted(counts.index, key=lambda value: (-counts[value], value))
        kept = sorted(ranked[:MAX_FIELD_VALUES])
        if not kept:
            continue
        code = {value: len(names) + n for n, value in enumerate(kept)}
        names.extend(f"{column}={value}" for value in kept)
        fields.extend([fields_used] * len(kept))
        fields_used += 1
        for r, v in pairs:
            if v in code:
                rows.append(r)
                cols.append(code[v])
    matrix = sp.csr_matrix(
        (np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(vocab), len(names))
    )
    matrix.sum_duplicates()
    matrix.data[:] = 1.0
    return Features(matrix, np.asarray(fields, dtype=np.int32), names)


# -- item content ----------------------------------------------------------------------------
class ItemContent:
    """Per-field normalised item features and the per-call content score (see the module doc)."""

    def __init__(self, features: sp.csr_matrix, field: np.ndarray) -> None:
        self.features = features.tocsr().astype(np.float32)
        self.field = np.asarray(field, dtype=np.int32)
        self.n_fields = int(self.field.max()) + 1 if len(self.field) else 0

    @classmethod
    def build(cls, items: pd.DataFrame, vocab: Vocabulary) -> ItemContent | None:
        """Content of the catalogue ``vocab``; None when ``items`` has no usable field."""
        found = one_hot(items, "ITEM_ID", vocab)
        if not found.names:
            return None
        m = found.matrix.tocsr()
        # Each field of a row sums to 1: a film with two genres counts each at one half.
        row_of = np.repeat(np.arange(m.shape[0]), np.diff(m.indptr))
        key = row_of.astype(np.int64) * (len(found.names) + 1) + found.field[m.indices]
        _, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
        m.data = (1.0 / counts[inverse]).astype(np.float32)
        return cls(m, found.field)

    def scores(self, history: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Each item's mean share, over fields, of the user's recency-weighted profile."""
        f = self.features
        starts, stops = f.indptr[history], f.indptr[history + 1]
        lengths = stops - starts
        total = int(lengths.sum())
        if not total or not self.n_fields:
            return np.zeros(f.shape[0], dtype=np.float64)
        take = np.repeat(stops - lengths.cumsum(), lengths) + np.arange(total)
        profile = np.bincount(
            f.indices[take],
            weights=f.data[take] * np.repeat(weights, lengths),
            minlength=f.shape[1],
        )
        per_field = np.bincount(self.field, weights=profile, minlength=self.n_fields)
        total_of = per_field[self.field]
        profile = np.divide(profile, total_of, out=np.zeros_like(profile), where=total_of > 0)
        return (f @ profile) / self.n_fields

    def arrays(self) -> dict[str, np.ndarray]:
        return {
            "ic_indptr": self.features.indptr.astype(np.int64),
            "ic_indices": self.features.indices.astype(np.int32),
            "ic_data": self.features.data.astype(np.float32),
            "ic_field": self.field,
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], n_items: int) -> ItemContent | None:
        if "ic_indptr" not in arrays:
            return None
        field = arrays["ic_field"]
        features = sp.csr_matrix(
            (arrays["ic_data"], arrays["ic_indices"], arrays["ic_indptr"]),
            shape=(n_items, len(field)),
        )
        return cls(features, field)


# -- demographics ----------------------------------------------------------------------------
class Demographics:
    """Users' field values and each value's log-lift of every item (see the module doc)."""

    def __init__(
        self,
        users: Vocabulary,
        values_indptr: np.ndarray,
        values: np.ndarray,
        log_base: np.ndarray,
        log_lift: np.ndarray,
    ) -> None:
        self.users = users
        self.values_indptr = np.asarray(values_indptr, dtype=np.int64)
        self.values = np.asarray(values, dtype=np.int32)
        self.log_base = np.asarray(log_base, dtype=np.float64)
        self.log_lift = np.asarray(log_lift, dtype=np.float32)
        if (
            len(self.values_indptr) != len(users) + 1
            or self.values_indptr[-1] != len(self.values)
            or self.log_lift.ndim != 2
            or self.log_lift.shape[1] != len(self.log_base)
            or (len(self.values) and self.values.max() >= self.log_lift.shape[0])
        ):
            raise ValueError("the demographic arrays do not fit together")

    @classmethod
    def build(
        cls,
        users: pd.DataFrame,
        train_users: Vocabulary,
        history_indptr: np.ndarray,
        history_items: np.ndarray,
        n_items: int,
        smoothing: float,
    ) -> Demographics | None:
        """From the Users data and the training histories; None when no field is usable."""
        ids = users["USER_ID"].dropna().astype(str)
        vocab = Vocabulary(sorted(set(ids)))
        found = one_hot(users, "USER_ID", vocab)
        if not found.names:
            return None
        values = found.matrix.tocsr()
        # Training users x items, 1 where the user interacted with the item at least once.
        row_of = np.repeat(np.arange(len(train_users)), np.diff(history_indptr))
        x = sp.csr_matrix(
            (np.ones(len(history_items), dtype=np.float32), (row_of, history_items)),
            shape=(len(train_users), n_items),
        )
        x.sum_duplicates()
        x.data[:] = 1.0
        demo_of = vocab.indices(train_users.ids)
        known = demo_of >= 0
        v = values[demo_of[known]]  # training users with demographics x values
        counts = np.asarray((v.T @ x[known]).todense(), dtype=np.float64)  # values x items
        per_value = np.asarray(v.sum(axis=0), dtype=np.float64).ravel()
        base = np.asarray(x.sum(axis=0), dtype=np.float64).ravel() / max(len(train_users), 1)
        # P(i | v) smoothed towards P(i) with `smoothing` pseudo-users; lift = P(i | v) / P(i).
        conditional = (counts + smoothing * base) / (per_value[:, None] + smoothing)
        seen = base > 0
        log_lift = np.zeros_like(conditional)
        log_lift[:, seen] = np.log(conditional[:, seen]) - np.log(base[seen])
        log_base = np.full(n_items, -np.inf)
        log_base[seen] = np.log(base[seen])
        return cls(vocab, values.indptr, values.indices, log_base, log_lift.astype(np.float32))

    def scores(self, user_id: str) -> np.ndarray | None:
        """Every item's naive-Bayes score for the user's values, best 1; None if no values."""
        index = self.users.index(user_id)
        if index < 0:
            return None
        own = self.values[self.values_indptr[index] : self.values_indptr[index + 1]]
        if not len(own):
            return None
        log = self.log_base + self.log_lift[own].sum(axis=0, dtype=np.float64)
        top = log.max()
        if not np.isfinite(top):
            return None
        return np.exp(log - top)

    def arrays(self) -> dict[str, np.ndarray]:
        return {
            "dm_indptr": self.values_indptr,
            "dm_values": self.values,
            "dm_log_base": self.log_base,
            "dm_log_lift": self.log_lift,
        }

    @classmethod
    def from_arrays(
        cls, arrays: dict[str, np.ndarray], user_ids: list[str] | None
    ) -> Demographics | None:
        if "dm_indptr" not in arrays or user_ids is None:
            return None
        return cls(
            Vocabulary(user_ids),
            arrays["dm_indptr"],
            arrays["dm_values"],
            arrays["dm_log_base"],
            arrays["dm_log_lift"],
        )
