"""A small two-way map between external string ids and the integer indices the math uses.

Unknown ids have one explicit rule: :meth:`Vocabulary.index` returns ``-1`` for them (and
:meth:`Vocabulary.indices` puts ``-1`` in their place), so callers decide what unknown means
(a cold user gets popular items, an unseen item goes to the end of a ranking). Nothing here
ever raises for an unknown id.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

UNKNOWN = -1


class Vocabulary:
    """Ids in a fixed order; the index of an id is its position in that order."""

    __slots__ = ("_ids", "_index", "_pandas_index")

    def __init__(self, ids: Iterable[str]) -> None:
        self._ids: list[str] = [str(i) for i in ids]
        self._index: dict[str, int] = {}
        for position, ident in enumerate(self._ids):
            if ident in self._index:
                raise ValueError(f"Vocabulary ids must be unique; {ident!r} appears twice.")
            self._index[ident] = position
        self._pandas_index: pd.Index | None = None  # built on first bulk lookup

    @classmethod
    def from_values(cls, values: Iterable[object]) -> Vocabulary:
        """Distinct values as strings, sorted, so the same data always gives the same indices."""
        if not isinstance(values, (list, tuple, np.ndarray, pd.Series, pd.Index)):
            values = list(values)
        distinct = pd.unique(pd.Series(values, dtype=object))
        return cls(sorted({str(v) for v in distinct}))

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, ident: object) -> bool:
        return ident in self._index

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Vocabulary) and self._ids == other._ids

    def __hash__(self) -> int:
        return hash(tuple(self._ids))

    def __repr__(self) -> str:
        return f"Vocabulary({len(self._ids)} ids)"

    @property
    def ids(self) -> list[str]:
        """The ids in index order (a copy)."""
        return list(self._ids)

    def index(self, ident: str) -> int:
        """Index of ``ident``, or ``-1`` (``UNKNOWN``) when the vocabulary does not hold it."""
        return self._index.get(ident, UNKNOWN)

    def indices(self, idents: Iterable[object]) -> np.ndarray:
        """Indices (int64) of many ids; unknown ids become ``-1``."""
        if self._pandas_index is None:
            self._pandas_index = pd.Index(self._ids, dtype=object)
        if not isinstance(idents, (list, tuple, np.ndarray, pd.Series, pd.Index)):
            idents = list(idents)  # sets, generators, dict views
        values = pd.Series(idents, dtype=object)
        if len(values) and pd.api.types.infer_dtype(values, skipna=False) != "string":
            values = values.astype(str)
        # A hash lookup in C: millions of ids per second, -1 for ids not held.
        return self._pandas_index.get_indexer(values.to_numpy()).astype(np.int64)

    def id(self, index: int) -> str:
        """The id at ``index``; raises ``IndexError`` for an index outside the vocabulary."""
        if not 0 <= index < len(self._ids):
            raise IndexError(f"Index {index!r} is outside the vocabulary of {len(self._ids)} ids.")
        return self._ids[index]

    def lookup(self, indices: Sequence[int] | np.ndarray) -> list[str]:
        """Ids of many indices (all must be valid)."""
        ids = self._ids
        return [ids[int(i)] for i in indices]
