"""Vocabulary: ids to indices and back, and the rule for unknown ids (-1, never an error)."""

from __future__ import annotations

import numpy as np
import pytest

from videorecs_widgets.local.vocab import UNKNOWN, Vocabulary


def test_vocabulary_indices_follow_the_given_order():
    vocab = Vocabulary(["b", "a", "c"])
    assert vocab.index("b") == 0
    assert vocab.index("c") == 2
    assert vocab.ids == ["b", "a", "c"]
    assert vocab.lookup([2, 0]) == ["c", "b"]
    assert vocab.id(1) == "a"
    assert len(vocab) == 3


def test_vocabulary_from_values_sorts_distinct_strings():
    vocab = Vocabulary.from_values([10, "2", 10, "1"])
    assert vocab.ids == ["1", "10", "2"]


def test_vocabulary_unknown_ids_map_to_minus_one():
    vocab = Vocabulary(["x", "y"])
    assert vocab.index("z") == UNKNOWN == -1
    assert "z" not in vocab
    assert "x" in vocab
    np.testing.assert_array_equal(vocab.indices(["y", "z", "x"]), [1, -1, 0])


def test_vocabulary_rejects_duplicates_and_bad_indices():
    with pytest.raises(ValueError, match="'a' appears twice"):
        Vocabulary(["a", "b", "a"])
    with pytest.raises(IndexError, match="Index 5 is outside the vocabulary of 2 ids"):
        Vocabulary(["a", "b"]).id(5)


def test_vocabulary_equality_is_by_ids_in_order():
    assert Vocabulary(["a", "b"]) == Vocabulary(["a", "b"])
    assert Vocabulary(["a", "b"]) != Vocabulary(["b", "a"])


def test_vocabulary_bulk_lookup_takes_any_collection():
    vocab = Vocabulary(["1", "2", "3"])
    assert sorted(vocab.indices({"3", "1", "9"}).tolist()) == [-1, 0, 2]
    np.testing.assert_array_equal(vocab.indices(i for i in (2, 3)), [1, 2])  # ints as strings
    np.testing.assert_array_equal(vocab.indices(np.array(["3", "1"])), [2, 0])
    assert vocab.indices([]).tolist() == []
    assert Vocabulary.from_values({"b", "a"}).ids == ["a", "b"]
