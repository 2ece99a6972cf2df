"""Personalize's offline metrics, on plain lists of item ids.

Every per-user metric takes ``recommended`` (item ids, best first) and ``truth`` (the user's
held-out item ids, see :mod:`videorecs_widgets.local.split`) and scores one user; the
solution's figure is the plain mean over the test users (each user counts once, whatever the
length of their truth). An empty recommendation list scores 0 on every per-user metric. Only
the first ``k`` recommendations count; a list shorter than ``k`` is scored as if padded with
misses.

These follow the definitions in Personalize's documentation ("Evaluating a solution version");
``get_solution_metrics`` reports :func:`offline_metrics` on :func:`~.split.personalize_split`.
:func:`last_item_ndcg_at_k` is the variant that the service's 2019 published numbers fit; only the
benchmark uses it.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence

METRIC_NAMES: tuple[str, ...] = (
    "coverage",
    "mean_reciprocal_rank_at_25",
    "normalized_discounted_cumulative_gain_at_5",
    "normalized_discounted_cumulative_gain_at_10",
    "normalized_discounted_cumulative_gain_at_25",
    "precision_at_5",
    "precision_at_10",
    "precision_at_25",
)

#: How many recommendations each test user gets when a solution is evaluated.
EVALUATION_LENGTH = 25


def precision_at_k(recommended: Sequence[str], truth: Collection[str], k: int) -> float:
    """``hits in the top k / k``.

    The denominator is always ``k``, even when the truth holds fewer than ``k`` items (so a
    user with one held-out item scores at most ``1/k``), as Personalize defines it.
    """
    relevant = set(truth)
    hits = sum(1 for item in recommended[:k] if item in relevant)
    return hits / k


def reciprocal_rank_at_k(recommended: Sequence[str], truth: Collection[str], k: int) -> float:
    """``1 / rank`` of the first relevant item among the top ``k`` (rank 1 is the best), else 0."""
    relevant = set(truth)
    for rank, item in enumerate(recommended[:k], start=1):
        if item in relevant:
            return 1.0 / rank
    return 0.0


def _position_weight(position: int) -> float:
    """The documented NDCG weight of a hit at 1-based ``position``: ``1 / log2(1 + position)``."""
    return 1.0 / math.log2(1 + position)


def ndcg_at_k(recommended: Sequence[str], truth: Collection[str], k: int) -> float:
    """``DCG@k / IDCG@k`` with position weight ``1 / log2(1 + position)``.

    ``DCG@k`` adds the weight of every top-``k`` position that holds a relevant item.
    ``IDCG@k`` is the DCG of a perfect list: the weights of positions ``1 .. min(len(truth), k)``
    (when the truth is shorter than ``k`` a perfect list puts all of it first). Empty truth
    scores 0.
    """
    relevant = set(truth)
    if not relevant:
        return 0.0
    dcg = sum(
        _position_weight(p) for p, item in enumerate(recommended[:k], start=1) if item in relevant
    )
    idcg = sum(_position_weight(p) for p in range(1, min(len(relevant), k) + 1))
    return dcg / idcg


def last_item_ndcg_at_k(recommended: Sequence[str], truth_item: str, k: int) -> float:
    """NDCG for a single held-out item with weights ``[1, 1, 1/log2(3), 1/log2(4), ...]``.

    That is ``1 / log2(max(2, position))`` for the held-out item's position in the top ``k``
    (0 when it is not there); with one relevant item the ideal DCG is 1. These are the weights
    that the numbers Personalize published in 2019 fit; used by the benchmark only.
    """
    for position, item in enumerate(recommended[:k], start=1):
        if item == truth_item:
            return 1.0 / math.log2(max(2, position))
    return 0.0


def coverage(recommendation_lists: Iterable[Sequence[str]], catalog_size: int) -> float:
    """Distinct items found in any of the lists (each cut at 25) / ``catalog_size``.

    The denominator is the number of distinct items in the catalogue the solution was trained
    on: every item of the interactions data plus every item of the items data set, when one
    is given. An empty catalogue scores 0.
    """
    if catalog_size <= 0:
        return 0.0
    seen: set[str] = set()
    for recommended in recommendation_lists:
        seen.update(recommended[:EVALUATION_LENGTH])
    return len(seen) / catalog_size


def offline_metrics(
    recommendations: Mapping[str, Sequence[str]],
    truth: Mapping[str, Collection[str]],
    catalog_size: int,
) -> dict[str, float]:
    """The eight ``get_solution_metrics`` values, each the mean over the users in ``truth``.

    ``recommendations`` maps each test user to their list (a user missing from it counts as an
    empty list, scoring 0). Keys are :data:`METRIC_NAMES`, in that order.
    """
    users = list(truth)
    if not users:
        raise ValueError("Cannot compute offline metrics: there are no test users.")
    lists = [list(recommendations.get(u, ()))[:EVALUATION_LENGTH] for u in users]
    n = len(users)

    def mean(metric, k: int) -> float:
        return sum(metric(rec, truth[u], k) for u, rec in zip(users, lists, strict=True)) / n

    return {
        "coverage": coverage(lists, catalog_size),
        "mean_reciprocal_rank_at_25": mean(reciprocal_rank_at_k, 25),
        "normalized_discounted_cumulative_gain_at_5": mean(ndcg_at_k, 5),
        "normalized_discounted_cumulative_gain_at_10": mean(ndcg_at_k, 10),
        "normalized_discounted_cumulative_gain_at_25": mean(ndcg_at_k, 25),
        "precision_at_5": mean(precision_at_k, 5),
        "precision_at_10": mean(precision_at_k, 10),
        "precision_at_25": mean(precision_at_k, 25),
    }


def last_item_metrics(
    recommendations: Mapping[str, Sequence[str]], truth: Mapping[str, Sequence[str]]
) -> dict[str, float]:
    """Mean last-item NDCG@5/10/25 (the 2019 weights), for a split from ``last_item_split``."""
    users = list(truth)
    if not users:
        raise ValueError("Cannot compute offline metrics: there are no test users.")
    out = {}
    for k in (5, 10, 25):
        total = 0.0
        for u in users:
            rec = list(recommendations.get(u, ()))
            total += last_item_ndcg_at_k(rec, truth[u][-1], k)
        out[f"last_item_ndcg_at_{k}"] = total / len(users)
    return out
