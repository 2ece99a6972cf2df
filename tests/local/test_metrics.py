"""Offline metrics on tiny cases computed by hand (the arithmetic is written next to each)."""

from __future__ import annotations

import math

import pytest

from videorecs_widgets.local.metrics import (
    METRIC_NAMES,
    coverage,
    last_item_metrics,
    last_item_ndcg_at_k,
    ndcg_at_k,
    offline_metrics,
    precision_at_k,
    reciprocal_rank_at_k,
)

RECOMMENDED = ["a", "b", "c", "d", "e"]


def test_precision_divides_hits_by_k_even_when_truth_is_shorter():
    # top 5 = a b c d e; truth {b, e, z}: hits b, e -> 2 / 5
    assert precision_at_k(RECOMMENDED, {"b", "e", "z"}, 5) == pytest.approx(0.4)
    # top 2 = a b -> 1 hit / 2
    assert precision_at_k(RECOMMENDED, {"b", "e", "z"}, 2) == pytest.approx(0.5)
    # one item of truth, found at position 1: 1 / 10, never more
    assert precision_at_k(RECOMMENDED, {"a"}, 10) == pytest.approx(0.1)


def test_reciprocal_rank_is_one_over_first_hit_within_k():
    assert reciprocal_rank_at_k(RECOMMENDED, {"c", "e"}, 25) == pytest.approx(1 / 3)
    assert reciprocal_rank_at_k(RECOMMENDED, {"e"}, 4) == 0.0  # e is at 5, outside the top 4
    assert reciprocal_rank_at_k(RECOMMENDED, {"z"}, 25) == 0.0


def test_ndcg_uses_one_over_log2_of_one_plus_position():
    # truth {b, d}: DCG = 1/log2(3) + 1/log2(5) = 0.63093 + 0.43068 = 1.06161
    # IDCG (2 relevant) = 1/log2(2) + 1/log2(3) = 1 + 0.63093 = 1.63093 -> 0.65092
    expected = (1 / math.log2(3) + 1 / math.log2(5)) / (1 + 1 / math.log2(3))
    assert ndcg_at_k(RECOMMENDED, {"b", "d"}, 5) == pytest.approx(expected)
    assert expected == pytest.approx(0.650921, abs=1e-6)
    # at k=3 only b counts: (1/log2(3)) / (1 + 1/log2(3)) = 0.63093 / 1.63093 = 0.38685
    assert ndcg_at_k(RECOMMENDED, {"b", "d"}, 3) == pytest.approx(0.386853, abs=1e-6)


def test_ndcg_ideal_list_has_min_of_truth_and_k_positions():
    # 3 relevant, k = 2: IDCG = 1 + 1/log2(3); list a b both relevant -> 1.0
    assert ndcg_at_k(RECOMMENDED, {"a", "b", "c"}, 2) == pytest.approx(1.0)
    # a perfect list scores 1
    assert ndcg_at_k(["x", "y"], {"x", "y"}, 10) == pytest.approx(1.0)


def test_empty_lists_score_zero():
    assert precision_at_k([], {"a"}, 5) == 0.0
    assert reciprocal_rank_at_k([], {"a"}, 25) == 0.0
    assert ndcg_at_k([], {"a"}, 5) == 0.0
    assert ndcg_at_k(["a"], set(), 5) == 0.0


def test_last_item_ndcg_weights_are_one_one_then_log():
    assert last_item_ndcg_at_k(["t", "x"], "t", 5) == 1.0  # position 1 -> 1
    assert last_item_ndcg_at_k(["x", "t"], "t", 5) == 1.0  # position 2 -> 1/log2(2) = 1
    assert last_item_ndcg_at_k(["x", "y", "t"], "t", 5) == pytest.approx(1 / math.log2(3))
    assert last_item_ndcg_at_k(["x", "y", "t"], "t", 2) == 0.0


def test_coverage_counts_distinct_items_over_catalogue():
    # distinct {a, b, c, d} = 4 of a 10-item catalogue
    assert coverage([["a", "b"], ["b", "c", "d"]], 10) == pytest.approx(0.4)
    assert coverage([], 10) == 0.0
    assert coverage([["a"]], 0) == 0.0


def test_offline_metrics_average_over_users():
    recs = {"u1": ["a", "b", "c", "d", "e"], "u2": ["c", "a"]}
    truth = {"u1": ["a"], "u2": ["b", "a"], "u3": ["a"]}  # u3 got no list -> scores 0
    result = offline_metrics(recs, truth, catalog_size=8)
    assert list(result) == list(METRIC_NAMES)
    # precision@5: u1 1/5, u2 1/5 (a), u3 0 -> (0.2 + 0.2 + 0) / 3
    assert result["precision_at_5"] == pytest.approx(0.4 / 3)
    # MRR: u1 1/1, u2 1/2, u3 0 -> 1.5 / 3 = 0.5
    assert result["mean_reciprocal_rank_at_25"] == pytest.approx(0.5)
    # NDCG@5: u1 1; u2 (1/log2(3)) / (1 + 1/log2(3)) = 0.386853; u3 0
    assert result["normalized_discounted_cumulative_gain_at_5"] == pytest.approx(
        (1 + 0.386853) / 3, abs=1e-6
    )
    # coverage: {a, b, c, d, e} = 5 / 8
    assert result["coverage"] == pytest.approx(5 / 8)


def test_offline_metrics_cut_lists_at_25():
    recs = {"u": [f"i{n}" for n in range(40)]}
    result = offline_metrics(recs, {"u": ["i30"]}, catalog_size=40)
    assert result["mean_reciprocal_rank_at_25"] == 0.0  # i30 is at position 31
    assert result["coverage"] == pytest.approx(25 / 40)


def test_offline_metrics_refuse_no_test_users():
    with pytest.raises(ValueError, match="no test users"):
        offline_metrics({}, {}, 10)


def test_last_item_metrics_use_the_newest_truth_item():
    result = last_item_metrics({"u1": ["x", "t"], "u2": ["y"]}, {"u1": ["t"], "u2": ["z"]})
    assert result == {
        "last_item_ndcg_at_5": pytest.approx(0.5),
        "last_item_ndcg_at_10": pytest.approx(0.5),
        "last_item_ndcg_at_25": pytest.approx(0.5),
    }
