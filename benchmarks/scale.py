"""Scale benchmark: user personalization on synthetic power-law data (1M and 10M interactions).

Run on demand, never from the tests::

    .venv/bin/python benchmarks/scale.py            # 1M and 10M interactions, 60,000 items
    .venv/bin/python benchmarks/scale.py --sizes 1000000

Each size trains in a fresh child process so its peak memory (resident set, including the
data frame it receives) is measured alone. Target: 10M interactions in under 2 minutes and
4 GB on 2 cores.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import platform
import resource
import time

import numpy as np
import pandas as pd

N_ITEMS = 60_000
MEAN_HISTORY = 100  # interactions per user on average, so 10M interactions -> 100,000 users
RECIPE = "arn:aws:personalize:::recipe/aws-user-personalization"


def synthetic_interactions(n_interactions: int, n_items: int = N_ITEMS, seed: int = 0):
    """Power-law item popularity (Zipf-like, exponent 1) and log-normal history lengths.

    Each user drifts through a neighbourhood of the popularity ranking so histories have some
    sequential structure, as real sessions do.
    """
    rng = np.random.default_rng(seed)
    n_users = max(1, n_interactions // MEAN_HISTORY)
    lengths = rng.lognormal(mean=0.0, sigma=1.0, size=n_users)
    lengths = np.maximum(2, np.round(lengths / lengths.sum() * n_interactions)).astype(np.int64)
    # Trim or pad the last users so the total is exact.
    surplus = lengths.sum() - n_interactions
    while surplus > 0:
        cut = min(surplus, lengths[-1] - 2)
        lengths[-1] -= cut
        surplus -= cut
        if surplus > 0:
            lengths = lengths[:-1]
            surplus = lengths.sum() - n_interactions
    if surplus < 0:
        lengths[0] -= surplus
    users = np.repeat(np.arange(len(lengths)), lengths)
    weights = 1.0 / (np.arange(n_items) + 10.0)
    base = rng.choice(n_items, size=len(users), p=weights / weights.sum())
    # Half the interactions stay near the user's previous item (a "session" drift).
    drift = rng.random(len(users)) < 0.5
    shifted = np.roll(base, 1) + rng.integers(-20, 21, size=len(users))
    items = np.where(drift, np.clip(shifted, 0, n_items - 1), base)
    start = rng.integers(880_000_000, 890_000_000, size=len(lengths))
    position = np.arange(len(users)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    timestamps = np.repeat(start, lengths) + position * 60
    # Object columns pointing at one string per distinct id, as a CSV reader's would.
    user_names = np.array([f"u{n}" for n in range(len(lengths))], dtype=object)
    item_names = np.array([f"i{n}" for n in range(n_items)], dtype=object)
    return pd.DataFrame(
        {"USER_ID": user_names[users], "ITEM_ID": item_names[items], "TIMESTAMP": timestamps}
    )


def _peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2  # KiB on Linux


def _run(n_interactions: int, queue) -> None:
    from videorecs_widgets.local.recipes import train

    t0 = time.perf_counter()
    frame = synthetic_interactions(n_interactions)
    made = time.perf_counter() - t0
    rss_data = _peak_rss_gb()
    t0 = time.perf_counter()
    model = train(RECIPE, frame)
    seconds = time.perf_counter() - t0
    users = frame["USER_ID"].iloc[:: max(1, len(frame) // 1000)].tolist()[:1000]
    t0 = time.perf_counter()
    for user in users:
        model.recommend(user, 25)
    per_call = (time.perf_counter() - t0) / len(users) * 1000
    queue.put(
        {
            "interactions": len(frame),
            "users": frame["USER_ID"].nunique(),
            "items": N_ITEMS,
            "data_seconds": made,
            "train_seconds": seconds,
            "peak_gb": _peak_rss_gb(),
            "data_gb": rss_data,
            "recommend_ms": per_call,
            "neighbour_entries": int(model._neighbours.nnz),
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {mp.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"recipe: {RECIPE.rsplit('/', 1)[1]}, {N_ITEMS:,} items, power-law popularity")
    print(
        f"{'interactions':>12} {'users':>8} {'train s':>8} {'peak GB':>8} {'data GB':>8} "
        f"{'rec ms':>7} {'neighbours':>11}"
    )
    ctx = mp.get_context("spawn")
    for size in args.sizes:
        queue = ctx.Queue()
        child = ctx.Process(target=_run, args=(size, queue))
        child.start()
        result = queue.get()
        child.join()
        print(
            f"{result['interactions']:>12,} {result['users']:>8,} {result['train_seconds']:>8.1f} "
            f"{result['peak_gb']:>8.2f} {result['data_gb']:>8.2f} {result['recommend_ms']:>7.3f} "
            f"{result['neighbour_entries']:>11,}",
            flush=True,
        )


if __name__ == "__main__":
    main()
