"""The create-or-reuse helpers and the clean-up of videorecs_widgets.provision on the embedded
engine: build, clean up, build again, as notebook 01 does with CLEAN_UP=True and a re-run."""

from __future__ import annotations

import pandas as pd

from videorecs_widgets.clients import personalize_clients
from videorecs_widgets.local.backend import backend_for
from videorecs_widgets.local.store import resolve_workspace
from videorecs_widgets.provision import (
    delete_dataset_group_resources,
    ensure_campaign,
    ensure_dataset,
    ensure_dataset_group,
    ensure_filter,
    ensure_import_job,
    ensure_schema,
    ensure_solution,
    ensure_solution_version,
)

SCHEMA = {
    "type": "record", "name": "Interactions", "namespace": "com.amazonaws.personalize.schema",
    "fields": [{"name": "USER_ID", "type": "string"}, {"name": "ITEM_ID", "type": "string"},
               {"name": "TIMESTAMP", "type": "long"}],
    "version": "1.0",
}


def _interactions(path) -> str:
    """40 users each walk through 30 of 50 items: 1,200 interactions, enough to train."""
    rows = [(f"u{u}", f"i{(3 * u + k) % 50}", 1_600_000_000 + 100 * u + k)
            for u in range(40) for k in range(30)]
    pd.DataFrame(rows, columns=["USER_ID", "ITEM_ID", "TIMESTAMP"]).to_csv(path, index=False)
    return str(path)


def _build(p, data: str) -> dict[str, str]:
    schema = ensure_schema(p, "lab-schema", SCHEMA)
    group = ensure_dataset_group(p, "lab")
    dataset = ensure_dataset(p, group, "Interactions", schema, "lab-interactions")
    job = ensure_import_job(p, dataset, "lab-import", data)
    solution = ensure_solution(p, group, "lab-popularity",
                               "arn:aws:personalize:::recipe/aws-popularity-count")
    version = ensure_solution_version(p, solution)
    campaign = ensure_campaign(p, "lab-popularity", version)
    ensure_filter(p, group, "lab-unwatched",
                  'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("*")')
    return {"group": group, "dataset": dataset, "job": job, "version": version,
            "campaign": campaign}


def test_delete_dataset_group_resources__rebuild_imports_again(tmp_path):
    clients = personalize_clients("local", workspace=tmp_path / "ws")
    p = clients.personalize
    data = _interactions(tmp_path / "interactions.csv")
    first = _build(p, data)
    deleted = delete_dataset_group_resources(p, first["group"], poll=0.01)
    assert deleted[-1] == first["group"] and first["dataset"] in deleted
    assert p.list_dataset_import_jobs()["datasetImportJobs"] == []

    second = _build(p, data)  # the same names, so the same ARNs

    assert second["dataset"] == first["dataset"]
    job = p.describe_dataset_import_job(datasetImportJobArn=second["job"])["datasetImportJob"]
    dataset = p.describe_dataset(datasetArn=second["dataset"])["dataset"]
    assert job["status"] == "ACTIVE"
    assert job["creationDateTime"] >= dataset["creationDateTime"]
    version = p.describe_solution_version(
        solutionVersionArn=second["version"])["solutionVersion"]
    assert version["status"] == "ACTIVE"
    assert second["version"] != first["version"]
    items = clients.runtime.get_recommendations(campaignArn=second["campaign"], userId="u1",
                                                numResults=5)["itemList"]
    assert len(items) == 5
    backend_for(resolve_workspace(tmp_path / "ws")).wait_for_background_work(60)


def test_ensure_import_job__reuses_a_job_newer_than_the_dataset(tmp_path):
    p = personalize_clients("local", workspace=tmp_path / "ws").personalize
    data = _interactions(tmp_path / "interactions.csv")
    schema = ensure_schema(p, "lab-schema", SCHEMA)
    group = ensure_dataset_group(p, "lab")
    dataset = ensure_dataset(p, group, "Interactions", schema, "lab-interactions")
    job = ensure_import_job(p, dataset, "lab-import", data)
    assert ensure_import_job(p, dataset, "lab-import", data) == job
    assert len(p.list_dataset_import_jobs(datasetArn=dataset)["datasetImportJobs"]) == 1
