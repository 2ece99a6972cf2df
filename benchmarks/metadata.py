"""Metadata benchmark: user-personalization with and without item metadata and demographics.

Run on demand, never from the tests::

    .venv/bin/python benchmarks/metadata.py              # 10 split seeds (0..9)
    .venv/bin/python benchmarks/metadata.py --seeds 10 --first-seed 10
    .venv/bin/python benchmarks/metadata.py --grid       # also a small grid of the weights

The data is the lab's (MovieLens 100k ratings above 3.6) with notebook 04's Items (YEAR,
GENRES) and Users (AGE, GENDER, OCCUPATION) data. Models: aws-user-personalization trained on
the interactions only, + Items, + Users, and + both, with default hyperparameters.

Three protocols, each on the same test users (the documented split of
:mod:`videorecs_widgets.local.split`, 10% of users, their newest 10% the truth):

* ``documented``: what ``get_solution_metrics`` reports (test users' oldest 90% as input);
* ``short history``: each test user keeps only their newest 3 input interactions, in the
  training data too (a user who has just signed up);
* ``cold``: test users have no interactions at all in training (only their Users row); the
  interactions-only model can only answer popular items.

Printed: mean of the metrics over the seeds, and for each metric the mean and standard error of
the per-seed difference from interactions-only, so a gain can be told from noise; then the
engine compute per ``recommend`` / ``rank`` call (no boto3) of each model trained on all the data.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from videorecs_widgets import movielens, personalize_data
from videorecs_widgets.local.metrics import offline_metrics
from videorecs_widgets.local.recipes import RECIPE_PREFIX, recommendations_for_test_users, train
from videorecs_widgets.local.split import Split, personalize_split

RECIPE = RECIPE_PREFIX + "aws-user-personalization"
SHOWN = {
    "precision_at_10": "p@10",
    "precision_at_25": "p@25",
    "normalized_discounted_cumulative_gain_at_10": "ndcg@10",
    "normalized_discounted_cumulative_gain_at_25": "ndcg@25",
    "mean_reciprocal_rank_at_25": "mrr@25",
    "coverage": "cov",
}
OFF = {"item_metadata_weight": "0", "user_metadata_weight": "0"}


def lab_data() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    data = movielens.load(movielens.fetch())
    return (
        personalize_data.interactions_frame(data.ratings),
        personalize_data.items_frame(data.movies),
        personalize_data.users_frame(data.users),
    )


def protocol(split: Split, keep: int | None) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """Training data and test inputs with each test user's input cut to its newest ``keep``."""
    if keep is None:
        return split.train, split.inputs
    train_frame = split.train
    is_test = train_frame["USER_ID"].isin(split.test_users)
    from_end = train_frame.groupby("USER_ID").cumcount(ascending=False)
    kept = train_frame.loc[~is_test | (from_end < keep)].reset_index(drop=True)
    inputs = {u: (h[-keep:] if keep else []) for u, h in split.inputs.items()}
    return kept, inputs


PROTOCOLS = {"documented": None, "short history (3)": 3, "cold": 0}


def run(seeds: list[int], variants: dict[str, dict], items, users, interactions) -> None:
    catalogue = len(set(interactions["ITEM_ID"]) | set(items["ITEM_ID"]))
    results: dict[tuple[str, str], list[dict[str, float]]] = {}
    for seed in seeds:
        split = personalize_split(interactions, seed=seed)
        for pname, keep in PROTOCOLS.items():
            train_frame, inputs = protocol(split, keep)
            for vname, options in variants.items():
                start = time.perf_counter()
                model = train(
                    RECIPE,
                    train_frame,
                    items=items if options["items"] else None,
                    users=users if options["users"] else None,
                    hyperparameters=options.get("hyper"),
                    seed=seed,
                )
                seconds = time.perf_counter() - start
                recs = recommendations_for_test_users(model, inputs)
                row = offline_metrics(recs, split.truth, catalogue)
                row["train_s"] = seconds
                results.setdefault((pname, vname), []).append(row)
        print(f"  seed {seed} done", flush=True)

    for pname in PROTOCOLS:
        base = pd.DataFrame(results[(pname, "interactions only")])
        print(f"\n{pname}: mean over {len(seeds)} seeds (diff: mean +- standard error)")
        lines = []
        for vname in variants:
            frame = pd.DataFrame(results[(pname, vname)])
            line = {"model": vname}
            for metric, short in SHOWN.items():
                line[short] = f"{frame[metric].mean():.4f}"
                if vname != "interactions only" and metric != "coverage":
                    diff = frame[metric] - base[metric]
                    se = diff.std(ddof=1) / np.sqrt(len(diff)) if len(diff) > 1 else 0.0
                    line[short] += f" ({diff.mean():+.4f}+-{se:.4f})"
            line["train s"] = f"{frame['train_s'].mean():.2f}"
            lines.append(line)
        print(pd.DataFrame(lines).set_index("model").to_string())


def call_times(interactions, items, users) -> None:
    """Median and p95 of 1,000 calls per model, users drawn with seed 0 (some without history)."""
    rng = np.random.default_rng(0)
    ids = sorted(set(users["USER_ID"]))
    picked = [ids[n] for n in rng.integers(0, len(ids), size=1000)]
    catalogue = sorted(set(interactions["ITEM_ID"]))
    lists = [[catalogue[n] for n in rng.integers(0, len(catalogue), size=25)] for _ in picked]
    print("\nEngine compute per call, trained on all the data (1,000 calls, no boto3):")
    for label, options in (
        ("interactions only", {}),
        ("+ items + users", {"items": items, "users": users}),
    ):
        model = train(RECIPE, interactions, **options)
        for call, run_one in (
            ("recommend (25)", lambda u, _items, m=model: m.recommend(u, 25)),
            ("rank (25 items)", lambda u, items_, m=model: m.rank(u, items_)),
        ):
            times = []
            for user, items_ in zip(picked, lists, strict=True):
                start = time.perf_counter()
                run_one(user, items_)
                times.append((time.perf_counter() - start) * 1000)
            print(
                f"  {label:18s} {call:16s} median {np.median(times):.3f} ms, "
                f"p95 {np.percentile(times, 95):.3f} ms"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10, help="number of split seeds (0..N-1)")
    parser.add_argument("--first-seed", type=int, default=0, help="first split seed")
    parser.add_argument("--grid", action="store_true", help="also try other metadata weights")
    args = parser.parse_args()
    interactions, items, users = lab_data()
    print(
        f"data: {len(interactions):,} interactions, {len(items):,} items rows, "
        f"{len(users):,} users rows; seeds {args.first_seed}..{args.first_seed + args.seeds - 1}"
    )
    variants: dict[str, dict] = {
        "interactions only": {"items": False, "users": False},
        "+ items": {"items": True, "users": False},
        "+ users": {"items": False, "users": True},
        "+ items + users": {"items": True, "users": True},
    }
    if args.grid:
        for w in ("0.05", "0.2", "0.4"):
            variants[f"+ items w={w}"] = {
                "items": True, "users": False, "hyper": {"item_metadata_weight": w}
            }
            variants[f"+ users w={w}"] = {
                "items": False, "users": True, "hyper": {"user_metadata_weight": w}
            }
        for m in ("10", "200"):
            variants[f"+ users smoothing={m}"] = {
                "items": False, "users": True, "hyper": {"demographic_smoothing": m}
            }
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    run(seeds, variants, items, users, interactions)
    call_times(interactions, items, users)


if __name__ == "__main__":
    main()
