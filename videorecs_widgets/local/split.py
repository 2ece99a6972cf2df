"""The offline-evaluation split of Amazon Personalize, shared by every recipe and the benchmark.

Personalize's documented protocol (``get_solution_metrics``):

1. A random 10% of the users are test users. Users are put in sorted id order and
   ``round(10% of the user count)`` of them (at least one) are drawn without replacement by a
   ``numpy.random.Generator`` seeded with ``seed``, so a seed always gives the same test users.
2. Each user's interactions are ordered by ``TIMESTAMP``; ties (MovieLens has many: a user
   rates several films in the same second) keep the order of the rows in the input frame, so
   the split is deterministic.
3. For a test user with ``n`` interactions the newest ``ceil(n / 10)`` (at least one, so the
   truth is never empty) are the truth and the oldest ``n - ceil(n / 10)`` are the input. A
   test user with a single interaction therefore has an empty input and is served as a cold
   user.
4. The training data is every interaction of the other users plus the test users' input.

The truth is a list of distinct item ids (a repeated interaction with the same item counts
once), oldest first.

:func:`last_item_split` is the variant the service's 2019 published numbers fit: the same
test users, but the truth is only each test user's single newest interaction. The benchmark
reports it; ``get_solution_metrics`` uses :func:`personalize_split`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

TEST_USER_FRACTION = 0.1
HOLDOUT_FRACTION = 0.1


@dataclass(frozen=True)
class Split:
    """One evaluation split.

    ``train`` has the columns of the input frame (row order: by user, then time); ``inputs`` and
    ``truth`` map each test user to item ids, oldest first; ``test_users`` is sorted.
    """

    train: pd.DataFrame
    test_users: list[str]
    inputs: dict[str, list[str]]
    truth: dict[str, list[str]]


def order_interactions(interactions: pd.DataFrame) -> pd.DataFrame:
    """Rows sorted by user id, then timestamp, ties kept in input row order (a stable sort)."""
    # Integer codes in sorted id order: sorting ints is far faster than sorting strings.
    users, _ = pd.factorize(interactions["USER_ID"].astype(str), sort=True)
    times = interactions["TIMESTAMP"].to_numpy()
    rows = np.arange(len(interactions))
    # np.lexsort sorts by the last key first; the row number makes ties explicit.
    order = np.lexsort((rows, times, users))
    return interactions.iloc[order].reset_index(drop=True)


def choose_test_users(
    user_ids: list[str], seed: int, fraction: float = TEST_USER_FRACTION
) -> list[str]:
    """``round(fraction * len(user_ids))`` (at least one) users, drawn by a seeded generator.

    ``user_ids`` are sorted first so the result depends on the set of users and the seed only.
    """
    ordered = sorted({str(u) for u in user_ids})
    if not ordered:
        return []
    count = max(1, int(np.floor(fraction * len(ordered) + 0.5)))
    rng = np.random.default_rng(seed)
    picked = rng.choice(len(ordered), size=count, replace=False)
    return sorted(ordered[i] for i in picked)


def _split(interactions: pd.DataFrame, seed: int, fraction: float, last_item_only: bool) -> Split:
    ordered = order_interactions(interactions)
    users = ordered["USER_ID"].astype(str).to_numpy()
    items = ordered["ITEM_ID"].astype(str).to_numpy()
    test_users = choose_test_users(list(pd.unique(users)), seed, fraction)
    is_test = np.isin(users, np.array(test_users, dtype=object))

    # Position of each row within its user's history and the size of that history.
    position = ordered.groupby(users, sort=False).cumcount().to_numpy()
    size = ordered.groupby(users, sort=False)["ITEM_ID"].transform("size").to_numpy()
    if last_item_only:
        n_truth = np.ones_like(size)
    else:
        n_truth = np.maximum(1, -(-size // int(round(1 / HOLDOUT_FRACTION))))  # ceil(n / 10)
    in_truth = is_test & (position >= size - n_truth)

    inputs: dict[str, list[str]] = {u: [] for u in test_users}
    truth: dict[str, list[str]] = {u: [] for u in test_users}
    for user, item, held in zip(users[is_test], items[is_test], in_truth[is_test], strict=True):
        if held:
            if item not in truth[user]:
                truth[user].append(item)
        else:
            inputs[user].append(item)
    train = ordered.loc[~in_truth].reset_index(drop=True)
    return Split(train=train, test_users=test_users, inputs=inputs, truth=truth)


def personalize_split(
    interactions: pd.DataFrame, seed: int = 0, test_fraction: float = TEST_USER_FRACTION
) -> Split:
    """The documented split: test users' newest 10% (rounded up, at least one) is the truth."""
    return _split(interactions, seed, test_fraction, last_item_only=False)


def last_item_split(
    interactions: pd.DataFrame, seed: int = 0, test_fraction: float = TEST_USER_FRACTION
) -> Split:
    """Same test users as :func:`personalize_split`; the truth is each one's newest interaction."""
    return _split(interactions, seed, test_fraction, last_item_only=True)
