"""Create-or-reuse helpers for the lab's Personalize resources.

Each ``ensure_*`` function looks for a resource with the given name first and returns its ARN;
only when there is none does it create one. Re-running a lab notebook therefore reuses what
already exists instead of failing on ``ResourceAlreadyExistsException``, and creates what is
missing. They take an ordinary ``personalize`` boto3 client, so they work the same against the
embedded engine and against AWS.

:func:`delete_dataset_group_resources` is the clean-up: it deletes, in the order the service
requires, everything under a dataset group (campaigns, filters, solutions, datasets) and then the
group itself.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timezone
from typing import Any

from botocore.exceptions import ClientError

from videorecs_widgets.clients import wait_until_active

log = logging.getLogger(__name__)

Progress = Callable[[str, str, float], None]


def _paginate(client: Any, operation: str, key: str, **kwargs: Any) -> Iterator[dict]:
    for page in client.get_paginator(operation).paginate(**kwargs):
        yield from page.get(key, [])


def _find(client: Any, operation: str, key: str, name_field: str, name: str,
          arn_field: str, **kwargs: Any) -> str | None:
    for summary in _paginate(client, operation, key, **kwargs):
        if summary.get(name_field) == name:
            return summary[arn_field]
    return None


def _wait(client: Any, arn: str, wait: bool, progress: Progress | None,
          timeout: float) -> str:
    if wait:
        wait_until_active(client, arn, timeout=timeout, progress=progress)
    return arn


def ensure_schema(personalize: Any, name: str, schema: Mapping[str, Any] | str,
                  domain: str | None = None) -> str:
    """The ARN of the schema called ``name``, created from ``schema`` (Avro) if absent."""
    arn = _find(personalize, "list_schemas", "schemas", "name", name, "schemaArn")
    if arn:
        return arn
    body = schema if isinstance(schema, str) else json.dumps(schema)
    kwargs: dict[str, Any] = {"name": name, "schema": body}
    if domain:
        kwargs["domain"] = domain
    return personalize.create_schema(**kwargs)["schemaArn"]


def ensure_dataset_group(personalize: Any, name: str, *, domain: str | None = None,
                         wait: bool = True, progress: Progress | None = None,
                         timeout: float = 900) -> str:
    """The ARN of the dataset group called ``name``, created (and waited on) if absent."""
    arn = _find(personalize, "list_dataset_groups", "datasetGroups", "name", name,
                "datasetGroupArn")
    if not arn:
        kwargs: dict[str, Any] = {"name": name}
        if domain:
            kwargs["domain"] = domain
        arn = personalize.create_dataset_group(**kwargs)["datasetGroupArn"]
    return _wait(personalize, arn, wait, progress, timeout)


def ensure_dataset(personalize: Any, dataset_group_arn: str, dataset_type: str,
                   schema_arn: str, name: str, *, wait: bool = True,
                   progress: Progress | None = None, timeout: float = 900) -> str:
    """The ARN of the group's dataset of ``dataset_type`` (Interactions, Items, Users)."""
    arn = None
    for summary in _paginate(personalize, "list_datasets", "datasets",
                             datasetGroupArn=dataset_group_arn):
        if summary.get("datasetType", "").upper() == dataset_type.upper():
            arn = summary["datasetArn"]
            break
    if not arn:
        arn = personalize.create_dataset(
            name=name, schemaArn=schema_arn, datasetGroupArn=dataset_group_arn,
            datasetType=dataset_type,
        )["datasetArn"]
    return _wait(personalize, arn, wait, progress, timeout)


def ensure_import_job(personalize: Any, dataset_arn: str, job_name: str, data_location: str,
                      *, role_arn: str | None = None, wait: bool = True,
                      progress: Progress | None = None, timeout: float = 3600) -> str:
    """The ARN of an import job that filled the dataset: an ACTIVE or running one created since
    the dataset was is reused; otherwise a job is created. A failed job is not retried under
    its name.

    Dataset ARNs come from the group's name and the dataset type, so a dataset deleted and made
    again (a clean-up, then a re-run) has the ARN of the old one; a job older than the dataset
    imported into that old one, and reusing it would leave the new dataset empty. When the job
    name is still taken by such an old job, the new job's name ends with the dataset's creation
    time.
    """
    usable = [j for j in _paginate(personalize, "list_dataset_import_jobs", "datasetImportJobs",
                                   datasetArn=dataset_arn)
              if j.get("status") in ("ACTIVE", "CREATE PENDING", "CREATE IN_PROGRESS")]
    if usable:  # only then is the dataset's age needed
        created = _dataset_created(personalize, dataset_arn)
        since = [j for j in usable if j.get("creationDateTime", _EPOCH) >= created]
        if since:
            newest = max(since, key=lambda j: j.get("creationDateTime", _EPOCH))
            return _wait(personalize, newest["datasetImportJobArn"], wait, progress, timeout)
    kwargs: dict[str, Any] = {
        "jobName": job_name, "datasetArn": dataset_arn,
        "dataSource": {"dataLocation": data_location},
    }
    if role_arn:
        kwargs["roleArn"] = role_arn
    try:
        arn = personalize.create_dataset_import_job(**kwargs)["datasetImportJobArn"]
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ResourceAlreadyExistsException":
            raise
        stamp = int(_dataset_created(personalize, dataset_arn).timestamp())
        kwargs["jobName"] = f"{job_name[:52]}-{stamp}"  # names are at most 63 characters
        arn = personalize.create_dataset_import_job(**kwargs)["datasetImportJobArn"]
    return _wait(personalize, arn, wait, progress, timeout)


_EPOCH = datetime.fromtimestamp(0, timezone.utc)


def _dataset_created(personalize: Any, dataset_arn: str) -> datetime:
    dataset = personalize.describe_dataset(datasetArn=dataset_arn)["dataset"]
    return dataset.get("creationDateTime", _EPOCH)


def ensure_solution(personalize: Any, dataset_group_arn: str, name: str, recipe_arn: str,
                    *, solution_config: Mapping[str, Any] | None = None,
                    event_type: str | None = None) -> str:
    """The ARN of the group's solution called ``name`` (auto training off, as the lab wants)."""
    arn = _find(personalize, "list_solutions", "solutions", "name", name, "solutionArn",
                datasetGroupArn=dataset_group_arn)
    if arn:
        return arn
    kwargs: dict[str, Any] = {
        "name": name, "datasetGroupArn": dataset_group_arn, "recipeArn": recipe_arn,
        "performAutoTraining": False,
    }
    if solution_config:
        kwargs["solutionConfig"] = dict(solution_config)
    if event_type:
        kwargs["eventType"] = event_type
    return personalize.create_solution(**kwargs)["solutionArn"]


def ensure_solution_version(personalize: Any, solution_arn: str, *, wait: bool = True,
                            progress: Progress | None = None, timeout: float = 7200) -> str:
    """The newest ACTIVE (or still training) version of the solution, or a new one."""
    versions = list(_paginate(personalize, "list_solution_versions", "solutionVersions",
                              solutionArn=solution_arn))
    usable = [v for v in versions
              if v.get("status") in ("ACTIVE", "CREATE PENDING", "CREATE IN_PROGRESS")]
    if usable:
        newest = max(usable, key=lambda v: v["creationDateTime"])
        arn = newest["solutionVersionArn"]
    else:
        arn = personalize.create_solution_version(solutionArn=solution_arn)["solutionVersionArn"]
    return _wait(personalize, arn, wait, progress, timeout)


def ensure_campaign(personalize: Any, name: str, solution_version_arn: str, *,
                    min_provisioned_tps: int = 1, wait: bool = True,
                    progress: Progress | None = None, timeout: float = 3600) -> str:
    """The ARN of the campaign called ``name`` on the version's solution, created if absent."""
    solution_arn = personalize.describe_solution_version(
        solutionVersionArn=solution_version_arn)["solutionVersion"]["solutionArn"]
    arn = _find(personalize, "list_campaigns", "campaigns", "name", name, "campaignArn",
                solutionArn=solution_arn)
    if not arn:
        arn = personalize.create_campaign(
            name=name, solutionVersionArn=solution_version_arn,
            minProvisionedTPS=min_provisioned_tps,
        )["campaignArn"]
    return _wait(personalize, arn, wait, progress, timeout)


def ensure_filter(personalize: Any, dataset_group_arn: str, name: str, expression: str, *,
                  wait: bool = True, progress: Progress | None = None,
                  timeout: float = 900) -> str:
    """The ARN of the group's filter called ``name``, created from ``expression`` if absent."""
    arn = _find(personalize, "list_filters", "Filters", "name", name, "filterArn",
                datasetGroupArn=dataset_group_arn)
    if not arn:
        arn = personalize.create_filter(
            name=name, datasetGroupArn=dataset_group_arn, filterExpression=expression,
        )["filterArn"]
    return _wait(personalize, arn, wait, progress, timeout)


def _delete_quietly(call: Callable[..., Any], **kwargs: Any) -> None:
    try:
        call(**kwargs)
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ResourceNotFoundException":
            raise


def _wait_gone(describe: Callable[..., Any], poll: float, timeout: float, **kwargs: Any) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            describe(**kwargs)
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ResourceNotFoundException":
                return
            raise
        time.sleep(poll)
    raise TimeoutError(f"{kwargs} was still there after {timeout:.0f} s of deleting.")


def delete_dataset_group_resources(personalize: Any, dataset_group_arn: str, *,
                                   poll: float = 0.2, timeout: float = 1800) -> list[str]:
    """Delete everything under a dataset group, then the group; returns the deleted ARNs.

    Recommenders (of a domain dataset group) and campaigns first (the service bills them by
    the hour while they are ACTIVE), then filters, solutions, datasets and the group, waiting
    for each kind to go before the next, as the service refuses to delete what is still in use.
    Event trackers are not deleted: the lab makes none (the group's deletion names any left).
    """
    deleted: list[str] = []
    try:
        group = personalize.describe_dataset_group(
            datasetGroupArn=dataset_group_arn)["datasetGroup"]
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ResourceNotFoundException":
            raise
        log.info("Dataset group %s does not exist: nothing to delete", dataset_group_arn)
        return deleted
    if group.get("domain"):  # only domain dataset groups (VIDEO_ON_DEMAND ...) have recommenders
        recommenders = [r["recommenderArn"] for r in _paginate(
            personalize, "list_recommenders", "recommenders", datasetGroupArn=dataset_group_arn)]
        for arn in recommenders:
            _delete_quietly(personalize.delete_recommender, recommenderArn=arn)
        for arn in recommenders:
            _wait_gone(personalize.describe_recommender, poll, timeout, recommenderArn=arn)
        deleted += recommenders
    solutions = list(_paginate(personalize, "list_solutions", "solutions",
                               datasetGroupArn=dataset_group_arn))
    campaigns = [c["campaignArn"] for s in solutions
                 for c in _paginate(personalize, "list_campaigns", "campaigns",
                                    solutionArn=s["solutionArn"])]
    for arn in campaigns:
        _delete_quietly(personalize.delete_campaign, campaignArn=arn)
    for arn in campaigns:
        _wait_gone(personalize.describe_campaign, poll, timeout, campaignArn=arn)
    deleted += campaigns
    filters = [f["filterArn"] for f in _paginate(personalize, "list_filters", "Filters",
                                                 datasetGroupArn=dataset_group_arn)]
    for arn in filters:
        _delete_quietly(personalize.delete_filter, filterArn=arn)
    deleted += filters
    for s in solutions:
        _delete_quietly(personalize.delete_solution, solutionArn=s["solutionArn"])
    for s in solutions:
        _wait_gone(personalize.describe_solution, poll, timeout, solutionArn=s["solutionArn"])
    deleted += [s["solutionArn"] for s in solutions]
    datasets = [d["datasetArn"] for d in _paginate(personalize, "list_datasets", "datasets",
                                                   datasetGroupArn=dataset_group_arn)]
    for arn in datasets:
        _delete_quietly(personalize.delete_dataset, datasetArn=arn)
    for arn in datasets:
        _wait_gone(personalize.describe_dataset, poll, timeout, datasetArn=arn)
    deleted += datasets
    _delete_quietly(personalize.delete_dataset_group, datasetGroupArn=dataset_group_arn)
    _wait_gone(personalize.describe_dataset_group, poll, timeout,
               datasetGroupArn=dataset_group_arn)
    deleted.append(dataset_group_arn)
    log.info("Deleted %d resources under %s", len(deleted), dataset_group_arn)
    return deleted
