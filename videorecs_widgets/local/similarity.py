"""Sparse item-item matrices built from users' histories: the shared math of the recipes.

Everything here works on integer indices (see :mod:`.vocab`) and ``scipy.sparse`` CSR
matrices, in chunks, so a 60,000-item catalogue with 10 million interactions fits in a few GB.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

# Interactions handled per chunk when pairs are generated: bounds the temporary arrays.
_CHUNK_ROWS = 1_000_000
# Stored entries handled per block when rows are cut to their top k.
_TOPK_BLOCK_NNZ = 8_000_000


def sequential_cooccurrence(
    users: np.ndarray,
    items: np.ndarray,
    n_items: int,
    *,
    window: int,
    window_decay: float,
    forward_weight: float = 1.0,
) -> sp.csr_matrix:
    """Counts of item ``j`` appearing within ``window`` steps of item ``i`` in one user's history.

    ``users`` and ``items`` are index arrays sorted by user, then time. A pair ``d`` steps apart
    adds ``window_decay ** (d - 1)``; the later item of the pair gets ``forward_weight`` times
    that (``C[i, j]`` for ``j`` after ``i``), the earlier one the plain weight. Returns an
    ``n_items x n_items`` float32 CSR matrix with an empty diagonal.
    """
    total: sp.csr_matrix | None = None
    n = len(items)
    start = 0
    while start < n:
        stop = min(n, start + _CHUNK_ROWS)
        # Extend the chunk to a user boundary so no pair is split across chunks.
        while stop < n and users[stop] == users[stop - 1]:
            stop += 1
        u, i = users[start:stop], items[start:stop]
        rows, cols, vals = [], [], []
        for d in range(1, min(window, len(i) - 1) + 1):
            same = u[d:] == u[:-d]
            if not same.any():
                break
            earlier, later = i[:-d][same], i[d:][same]
            weight = np.float32(window_decay ** (d - 1))
            rows += [earlier, later]
            cols += [later, earlier]
            vals += [
                np.full(len(earlier), weight * forward_weight, dtype=np.float32),
                np.full(len(earlier), weight, dtype=np.float32),
            ]
        if rows:
            part = sp.csr_matrix(
                (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                shape=(n_items, n_items),
                dtype=np.float32,
            )
            total = part if total is None else total + part
        start = stop
    if total is None:
        total = sp.csr_matrix((n_items, n_items), dtype=np.float32)
    total.setdiag(0)
    total.eliminate_zeros()
    return total


def history_cooccurrence(
    users: np.ndarray, items: np.ndarray, n_users: int, n_items: int
) -> sp.csr_matrix:
    """How many users interacted with both ``i`` and ``j`` (each user counts once per pair)."""
    x = sp.csr_matrix(
        (np.ones(len(items), dtype=np.float32), (users, items)), shape=(n_users, n_items)
    )
    x.sum_duplicates()
    x.data[:] = 1.0
    c = (x.T @ x).tocsr()
    c.setdiag(0)
    c.eliminate_zeros()
    return c.astype(np.float32)


def damp_popularity(
    c: sp.csr_matrix, popularity: np.ndarray, row_power: float, col_power: float
) -> sp.csr_matrix:
    """``C[i, j] / (pop[i] ** row_power * pop[j] ** col_power)`` (``pop`` at least 1)."""
    pop = np.maximum(popularity.astype(np.float64), 1.0)
    out = c.tocsr(copy=True).astype(np.float32)
    row_of = np.repeat(np.arange(out.shape[0]), np.diff(out.indptr))
    scale = pop[row_of] ** -row_power * pop[out.indices] ** -col_power
    out.data = (out.data * scale).astype(np.float32)
    return out


def top_k_rows(m: sp.csr_matrix, k: int) -> sp.csr_matrix:
    """The ``k`` largest entries of each row (ties: lower column first), each row best first.

    The result's column indices within each row are in descending value order, so a row's
    neighbours can be read straight from ``indices[indptr[r]:indptr[r + 1]]``.
    """
    m = m.tocsr()
    m.sum_duplicates()
    n_rows = m.shape[0]
    counts = np.diff(m.indptr)
    keep_counts = np.minimum(counts, k)
    new_indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(keep_counts, out=new_indptr[1:])
    new_indices = np.empty(new_indptr[-1], dtype=np.int32)
    new_data = np.empty(new_indptr[-1], dtype=np.float32)
    row = 0
    while row < n_rows:
        # A block of whole rows holding at most _TOPK_BLOCK_NNZ entries (at least one row).
        end = int(np.searchsorted(m.indptr, m.indptr[row] + _TOPK_BLOCK_NNZ, side="right")) - 1
        end = max(end, row + 1)
        lo, hi = m.indptr[row], m.indptr[end]
        data = m.data[lo:hi]
        cols = m.indices[lo:hi]
        row_of = np.repeat(np.arange(row, end), counts[row:end])
        order = np.lexsort((cols, -data, row_of))
        rank = np.arange(hi - lo) - np.repeat(m.indptr[row:end] - lo, counts[row:end])
        chosen = order[rank < np.repeat(keep_counts[row:end], counts[row:end])]
        # `order` is grouped by row, so the kept entries are already in output order.
        dest = slice(new_indptr[row], new_indptr[end])
        new_indices[dest] = cols[chosen]
        new_data[dest] = data[chosen]
        row = end
    return sp.csr_matrix((new_data, new_indices, new_indptr), shape=m.shape)
