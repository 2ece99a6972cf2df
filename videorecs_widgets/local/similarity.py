"""Sparse item-item matrices built from users' histories: the shared math of the recipes.

Everything here works on integer indices (see :mod:`.vocab`) and ``scipy.sparse`` CSR
matrices. The sequential matrix is built one block of items at a time and each block is cut
to its top neighbours at once, so a 60,000-item catalogue with 10 million interactions never
holds all its item pairs in memory.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

# Pair entries generated per block of source items: bounds the temporary arrays (~0.5 GB).
_BLOCK_PAIRS = 30_000_000


def _block_bounds(popularity: np.ndarray, pairs_per_item: int) -> list[tuple[int, int]]:
    """Consecutive item ranges whose items make at most about ``_BLOCK_PAIRS`` pairs each."""
    load = np.cumsum(popularity.astype(np.int64) * pairs_per_item)
    bounds, start = [], 0
    n = len(popularity)
    while start < n:
        base = load[start - 1] if start else 0
        stop = int(np.searchsorted(load, base + _BLOCK_PAIRS, side="right"))
        stop = min(n, max(stop, start + 1))
        bounds.append((start, stop))
        start = stop
    return bounds


def sequential_neighbours(
    users: np.ndarray,
    items: np.ndarray,
    popularity: np.ndarray,
    *,
    window: int,
    window_decay: float,
    forward_weight: float,
    damping: float,
    k: int,
) -> sp.csr_matrix:
    """Items that follow (or precede) each item closely in users' histories.

    ``users`` and ``items`` are index arrays sorted by user, then time. For every pair of one
    user's interactions ``d`` steps apart (``1 <= d <= window``) the earlier item's row gets
    ``forward_weight * window_decay ** (d - 1)`` at the later item, and the later item's row
    gets ``window_decay ** (d - 1)`` at the earlier one. Sums are divided by
    ``(pop[i] * pop[j]) ** damping`` (``pop`` = interaction count + 1) and each row keeps its
    ``k`` largest entries. Returns an ``n_items x n_items`` float32 CSR matrix, no diagonal.
    """
    n_items = len(popularity)
    n = len(items)
    users = np.asarray(users)
    items = np.asarray(items, dtype=np.int32)
    pop = popularity.astype(np.float64) + 1.0
    # Interaction positions grouped by item, so a block of items reads its own positions only.
    by_item = np.argsort(items, kind="stable")
    item_start = np.zeros(n_items + 1, dtype=np.int64)
    np.cumsum(np.bincount(items, minlength=n_items), out=item_start[1:])
    # Steps to the user's first and last interaction from each position: a pair d steps away
    # stays inside the user's history when d is at most that, with no lookup of the user.
    first = np.flatnonzero(np.r_[True, users[1:] != users[:-1]])
    sizes = np.diff(np.r_[first, n])
    before = np.arange(n) - np.repeat(first, sizes)
    after = np.repeat(sizes, sizes) - 1 - before

    blocks = []
    for lo, hi in _block_bounds(popularity, 2 * window):
        positions = by_item[item_start[lo] : item_start[hi]]
        room = {1: after[positions], -1: before[positions]}
        own = items[positions] - lo
        rows, cols, vals = [], [], []
        for d in range(1, window + 1):
            weight = window_decay ** (d - 1)
            for sign, scale in ((1, forward_weight), (-1, 1.0)):
                ok = room[sign] >= d
                count = int(ok.sum())
                if not count:
                    continue
                rows.append(own[ok])
                cols.append(items[positions[ok] + sign * d])
                vals.append(np.full(count, weight * scale, dtype=np.float32))
        if rows:
            block = sp.csr_matrix(
                (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                shape=(hi - lo, n_items),
                dtype=np.float32,
            )
            block.sum_duplicates()
        else:
            block = sp.csr_matrix((hi - lo, n_items), dtype=np.float32)
        # Drop the diagonal (an item next to itself in a history says nothing).
        row_of = np.repeat(np.arange(lo, hi), np.diff(block.indptr))
        block.data[block.indices == row_of] = 0
        block.data *= (pop[row_of] * pop[block.indices]) ** -damping
        block.eliminate_zeros()
        blocks.append(top_k_rows(block, k))
    if not blocks:
        return sp.csr_matrix((n_items, n_items), dtype=np.float32)
    return sp.vstack(blocks, format="csr", dtype=np.float32)


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


def top_k_positions(values: np.ndarray, k: int) -> np.ndarray:
    """Positions of the ``k`` largest values, ascending; among equal values the lower positions."""
    if len(values) <= k:
        return np.arange(len(values))
    threshold = values[np.argpartition(-values, k - 1)[k - 1]]
    above = np.flatnonzero(values > threshold)
    tied = np.flatnonzero(values == threshold)[: k - len(above)]
    return np.sort(np.concatenate([above, tied]))


def top_k_rows(m: sp.csr_matrix, k: int) -> sp.csr_matrix:
    """Each row cut to its ``k`` largest entries (ties: lower column); column order is kept."""
    m = m.tocsr()
    m.sum_duplicates()
    counts = np.diff(m.indptr)
    keep = np.ones(m.nnz, dtype=bool)
    # Only rows longer than k need work; a Python loop over them is cheap next to the pairs.
    for row in np.flatnonzero(counts > k):
        lo, hi = m.indptr[row], m.indptr[row + 1]
        keep[lo:hi] = False
        keep[lo + top_k_positions(m.data[lo:hi], k)] = True
    new_counts = np.minimum(counts, k)
    indptr = np.zeros(m.shape[0] + 1, dtype=np.int64)
    np.cumsum(new_counts, out=indptr[1:])
    return sp.csr_matrix((m.data[keep].astype(np.float32), m.indices[keep], indptr), shape=m.shape)
