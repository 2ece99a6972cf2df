"""Runtime latency of the embedded engine through real boto3 clients.

Builds the lab in a temporary workspace (ML-100k ratings above 3.6, user-personalization and
personalized-ranking campaigns), then times 1,000 ``get_recommendations`` (25 items) and 1,000
``get_personalized_ranking`` (25 items) calls for users drawn at random, each through the
boto3 client: parameter validation, serialization, the engine, response parsing.

Target (issue 3): median under 5 ms and p95 under 10 ms for both.

    python benchmarks/latency.py [--calls 1000] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from videorecs_widgets import movielens  # noqa: E402
from videorecs_widgets.clients import personalize_clients, wait_until_active  # noqa: E402

SCHEMA = {
    "type": "record", "name": "Interactions", "namespace": "com.amazonaws.personalize.schema",
    "fields": [{"name": "USER_ID", "type": "string"}, {"name": "ITEM_ID", "type": "string"},
               {"name": "TIMESTAMP", "type": "long"}],
    "version": "1.0",
}


def build_lab(workspace: Path, data_dir: str | None) -> tuple[object, dict[str, str], pd.DataFrame]:
    data = movielens.load(movielens.fetch(data_dir))
    ratings = data.ratings[data.ratings["rating"] > 3.6]
    frame = pd.DataFrame({"USER_ID": ratings["user_id"], "ITEM_ID": ratings["item_id"],
                          "TIMESTAMP": ratings["timestamp"] + 660_833_618})
    path = workspace / "DEMO-movie-lens-100k.csv"
    frame.to_csv(path, index=False)
    p, runtime = personalize_clients("local", workspace=workspace / "engine")
    schema = p.create_schema(name="bench", schema=json.dumps(SCHEMA))["schemaArn"]
    group = p.create_dataset_group(name="bench")["datasetGroupArn"]
    dataset = p.create_dataset(name="bench", schemaArn=schema, datasetGroupArn=group,
                               datasetType="Interactions")["datasetArn"]
    wait_until_active(p, p.create_dataset_import_job(
        jobName="bench", datasetArn=dataset,
        dataSource={"dataLocation": str(path)})["datasetImportJobArn"])
    campaigns = {}
    for recipe in ("aws-user-personalization", "aws-personalized-ranking"):
        solution = p.create_solution(name=recipe, datasetGroupArn=group,
                                     recipeArn=f"arn:aws:personalize:::recipe/{recipe}",
                                     )["solutionArn"]
        version = p.create_solution_version(solutionArn=solution)["solutionVersionArn"]
        wait_until_active(p, version)
        campaigns[recipe] = p.create_campaign(name=recipe,
                                              solutionVersionArn=version)["campaignArn"]
        wait_until_active(p, campaigns[recipe])
    return runtime, campaigns, frame


def timed(call, arguments: list[dict]) -> list[float]:
    for kwargs in arguments[:20]:  # warm up: model load, caches
        call(**kwargs)
    out = []
    for kwargs in arguments:
        start = time.perf_counter()
        call(**kwargs)
        out.append((time.perf_counter() - start) * 1000)
    return out


def report(name: str, millis: list[float]) -> str:
    values = np.array(millis)
    median, p95 = float(np.median(values)), float(np.percentile(values, 95))
    verdict = "ok" if median < 5 and p95 < 10 else "MISSES the target (median < 5, p95 < 10)"
    return (f"{name:<42} calls {len(values):>5}  median {median:6.2f} ms  p95 {p95:6.2f} ms  "
            f"max {values.max():6.2f} ms  mean {statistics.fmean(millis):6.2f} ms  {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--data-dir", default=None, help="folder holding ml-100k/ (default: "
                                                          "the project's data folder)")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        runtime, campaigns, frame = build_lab(Path(tmp), args.data_dir)
        print(f"lab built (import, training, campaigns) in {time.perf_counter() - started:.1f} s")
        users = rng.choice(frame["USER_ID"].unique(), size=args.calls)
        popular = list(frame["ITEM_ID"].value_counts().index[:200])
        recs = [{"campaignArn": campaigns["aws-user-personalization"], "userId": str(u),
                 "numResults": 25} for u in users]
        ranks = [{"campaignArn": campaigns["aws-personalized-ranking"], "userId": str(u),
                  "inputList": [str(i) for i in rng.choice(popular, 25, replace=False)]}
                 for u in users]
        print(report("get_recommendations (25 items)", timed(runtime.get_recommendations, recs)))
        print(report("get_personalized_ranking (25 items)",
                     timed(runtime.get_personalized_ranking, ranks)))


if __name__ == "__main__":
    main()
