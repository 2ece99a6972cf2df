"""Personalize's evaluation split on small frames whose answer is worked out by hand."""

from __future__ import annotations

import pandas as pd

from videorecs_widgets.local.split import (
    choose_test_users,
    last_item_split,
    order_interactions,
    personalize_split,
)


def _frame(n_users: int = 20, per_user: int = 12) -> pd.DataFrame:
    rows = []
    for u in range(n_users):
        for k in range(per_user):
            # Every pair of interactions shares a timestamp: ties must keep row order.
            rows.append((f"u{u:02d}", f"i{(u + k) % 30}", 1000 + k // 2))
    return pd.DataFrame(rows, columns=["USER_ID", "ITEM_ID", "TIMESTAMP"])


def test_order_interactions_breaks_timestamp_ties_by_row_order():
    frame = pd.DataFrame(
        {
            "USER_ID": ["b", "a", "a", "a"],
            "ITEM_ID": ["x", "2", "1", "0"],
            "TIMESTAMP": [5, 9, 7, 9],
        }
    )
    ordered = order_interactions(frame)
    assert list(ordered["USER_ID"]) == ["a", "a", "a", "b"]
    # a: "1" at 7, then "2" and "0" both at 9 in their row order
    assert list(ordered["ITEM_ID"]) == ["1", "2", "0", "x"]


def test_choose_test_users_takes_a_rounded_tenth_reproducibly():
    users = [f"u{n}" for n in range(942)]
    first = choose_test_users(users, seed=3)
    assert len(first) == 94  # round(94.2)
    assert first == choose_test_users(list(reversed(users)), seed=3)  # input order irrelevant
    assert first != choose_test_users(users, seed=4)
    assert choose_test_users(["a", "b"], seed=0) in (["a"], ["b"])  # at least one


def test_personalize_split_holds_out_newest_tenth_rounded_up():
    frame = _frame()
    split = personalize_split(frame, seed=0)
    assert len(split.test_users) == 2  # 10% of 20
    for user in split.test_users:
        # 12 interactions: ceil(12 / 10) = 2 truth items, the newest (ties in row order)
        offset = int(user[1:])
        items = [f"i{(offset + k) % 30}" for k in range(12)]
        assert split.truth[user] == items[10:]
        assert split.inputs[user] == items[:10]
    # training: everything but the truth rows
    assert len(split.train) == len(frame) - 2 * 2
    held = {(u, i) for u in split.test_users for i in split.truth[u]}
    assert not any(
        (u, i) in held for u, i in zip(split.train.USER_ID, split.train.ITEM_ID, strict=True)
    )


def test_personalize_split_keeps_one_truth_item_for_tiny_histories():
    frame = pd.DataFrame(
        {"USER_ID": ["a"] * 3 + ["b"], "ITEM_ID": ["1", "2", "3", "9"], "TIMESTAMP": [1, 2, 3, 4]}
    )
    split = personalize_split(frame, seed=0, test_fraction=1.0)
    assert split.test_users == ["a", "b"]
    assert split.truth == {"a": ["3"], "b": ["9"]}  # ceil(3/10) = 1, ceil(1/10) = 1
    assert split.inputs == {"a": ["1", "2"], "b": []}
    assert list(split.train.ITEM_ID) == ["1", "2"]


def test_personalize_split_truth_for_twenty_interactions_is_two():
    frame = pd.DataFrame(
        {"USER_ID": ["a"] * 21, "ITEM_ID": [str(n) for n in range(21)], "TIMESTAMP": range(21)}
    )
    split = personalize_split(frame, seed=0, test_fraction=1.0)
    assert split.truth["a"] == ["18", "19", "20"]  # ceil(21 / 10) = 3


def test_split_is_deterministic_under_a_seed():
    frame = _frame()
    one, two = personalize_split(frame, seed=7), personalize_split(frame, seed=7)
    assert one.test_users == two.test_users
    assert one.truth == two.truth
    pd.testing.assert_frame_equal(one.train, two.train)


def test_last_item_split_holds_out_only_the_newest():
    frame = _frame()
    split = last_item_split(frame, seed=0)
    assert split.test_users == personalize_split(frame, seed=0).test_users
    for user in split.test_users:
        offset = int(user[1:])
        assert split.truth[user] == [f"i{(offset + 11) % 30}"]
        assert len(split.inputs[user]) == 11
