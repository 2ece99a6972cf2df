"""Control-plane operations of the embedded engine through real boto3 clients, on small data."""

from __future__ import annotations

import csv
import json
import os
import subprocess

import boto3
import pandas as pd
import pytest
from botocore.exceptions import ClientError, ParamValidationError
from moto import mock_aws

from videorecs_widgets.clients import personalize_clients, wait_until_active
from videorecs_widgets.errors import InvalidParameterError, ResourceFailedError
from videorecs_widgets.local.backend import backend_for
from videorecs_widgets.local.store import atomic_write_bytes, resolve_workspace

ARN = "arn:aws:personalize:local:000000000000:"
RECIPE = "arn:aws:personalize:::recipe/"
SCHEMA = json.dumps({
    "type": "record", "name": "Interactions", "namespace": "com.amazonaws.personalize.schema",
    "fields": [{"name": "USER_ID", "type": "string"}, {"name": "ITEM_ID", "type": "string"},
               {"name": "TIMESTAMP", "type": "long"}],
    "version": "1.0",
})


def interactions(n_users: int = 60, per_user: int = 20) -> pd.DataFrame:
    """Users each walk through 20 of 40 items in time order: enough to train (1,200 rows)."""
    rows = [(f"u{u}", f"i{(u + k) % 40}", 1_600_000_000 + 100 * u + k)
            for u in range(n_users) for k in range(per_user)]
    return pd.DataFrame(rows, columns=["USER_ID", "ITEM_ID", "TIMESTAMP"])


@pytest.fixture
def clients(tmp_path):
    pair = personalize_clients("local", workspace=tmp_path / "ws")
    yield pair
    backend_for(resolve_workspace(tmp_path / "ws")).wait_for_background_work(60)


@pytest.fixture
def p(clients):
    return clients.personalize


def _error(excinfo) -> tuple[str, str]:
    return excinfo.value.response["Error"]["Code"], excinfo.value.response["Error"]["Message"]


def _group_with_dataset(p, name: str = "g") -> tuple[str, str, str]:
    schema = p.create_schema(name=f"{name}-schema", schema=SCHEMA)["schemaArn"]
    group = p.create_dataset_group(name=name)["datasetGroupArn"]
    dataset = p.create_dataset(name=f"{name}-interactions", schemaArn=schema,
                               datasetGroupArn=group, datasetType="INTERACTIONS")["datasetArn"]
    return schema, group, dataset


def _import(p, dataset: str, location: str, name: str = "job") -> str:
    return p.create_dataset_import_job(jobName=name, datasetArn=dataset,
                                       dataSource={"dataLocation": location},
                                       )["datasetImportJobArn"]


def _trained(p, tmp_path, recipe: str = "aws-popularity-count") -> dict[str, str]:
    schema, group, dataset = _group_with_dataset(p)
    path = tmp_path / "interactions.csv"
    interactions().to_csv(path, index=False)
    wait_until_active(p, _import(p, dataset, str(path)))
    solution = p.create_solution(name="s", datasetGroupArn=group,
                                 recipeArn=RECIPE + recipe)["solutionArn"]
    version = p.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    wait_until_active(p, version)
    return {"schema": schema, "group": group, "dataset": dataset, "solution": solution,
            "version": version}


# -- dataset groups -------------------------------------------------------------------------------


def test_create_dataset_group__active_with_local_arn(p):
    arn = p.create_dataset_group(name="lab")["datasetGroupArn"]
    assert arn == ARN + "dataset-group/lab"
    group = wait_until_active(p, arn)
    assert group["name"] == "lab" and group["status"] == "ACTIVE"
    assert group["creationDateTime"] <= group["lastUpdatedDateTime"]


def test_create_dataset_group__duplicate_name(p):
    p.create_dataset_group(name="lab")
    with pytest.raises(ClientError) as excinfo:
        p.create_dataset_group(name="lab")
    assert _error(excinfo) == ("ResourceAlreadyExistsException",
                               f"Resource Arn {ARN}dataset-group/lab already exists.")


def test_create_dataset_group__missing_name_is_botocore_validation(p):
    with pytest.raises(ParamValidationError, match="Missing required parameter.*name"):
        p.create_dataset_group()


def test_describe_dataset_group__unknown_arn(p):
    with pytest.raises(ClientError) as excinfo:
        p.describe_dataset_group(datasetGroupArn=ARN + "dataset-group/nope")
    assert _error(excinfo) == ("ResourceNotFoundException",
                               f"Resource Arn {ARN}dataset-group/nope does not exist.")
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_list_dataset_groups__pages(p):
    for name in ("a", "b", "c"):
        p.create_dataset_group(name=name)
    first = p.list_dataset_groups(maxResults=2)
    assert [g["name"] for g in first["datasetGroups"]] == ["a", "b"]
    second = p.list_dataset_groups(maxResults=2, nextToken=first["nextToken"])
    assert [g["name"] for g in second["datasetGroups"]] == ["c"]
    assert "nextToken" not in second
    pages = p.get_paginator("list_dataset_groups").paginate(PaginationConfig={"PageSize": 1})
    assert [g["name"] for page in pages for g in page["datasetGroups"]] == ["a", "b", "c"]
    with pytest.raises(ClientError) as excinfo:
        p.list_dataset_groups(nextToken="garbage")
    assert _error(excinfo) == ("InvalidNextTokenException",
                               "The next token 'garbage' is not valid.")


def test_list_filters__deleting_while_paging_skips_nothing(p):
    _, group, _ = _group_with_dataset(p)
    for n in range(6):
        p.create_filter(name=f"f{n}", datasetGroupArn=group,
                        filterExpression='EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("*")')
    seen, token = [], None
    while True:
        page = p.list_filters(datasetGroupArn=group, maxResults=2,
                              **({"nextToken": token} if token else {}))
        for summary in page["Filters"]:
            seen.append(summary["name"])
            p.delete_filter(filterArn=summary["filterArn"])
        token = page.get("nextToken")
        if not token:
            break
    assert seen == ["f0", "f1", "f2", "f3", "f4", "f5"]
    assert p.list_filters(datasetGroupArn=group)["Filters"] == []


def test_list_dataset_groups__created_while_paging_listed_once(p):
    for name in ("a", "b", "c"):
        p.create_dataset_group(name=name)
    first = p.list_dataset_groups(maxResults=2)
    p.create_dataset_group(name="d")
    second = p.list_dataset_groups(maxResults=2, nextToken=first["nextToken"])
    assert [g["name"] for g in first["datasetGroups"] + second["datasetGroups"]] == [
        "a", "b", "c", "d"]


@pytest.mark.parametrize("token", ["2", "0", "vrw1.e30.0000000000000000"])
def test_list_dataset_groups__foreign_token(p, token):
    for name in ("a", "b", "c"):
        p.create_dataset_group(name=name)
    with pytest.raises(ClientError) as excinfo:
        p.list_dataset_groups(nextToken=token)
    assert _error(excinfo) == ("InvalidNextTokenException",
                               f"The next token {token!r} is not valid.")


def test_list_schemas__token_of_another_listing(p):
    for name in ("a", "b", "c"):
        p.create_dataset_group(name=name)
        p.create_schema(name=name, schema=SCHEMA)
    token = p.list_dataset_groups(maxResults=1)["nextToken"]
    with pytest.raises(ClientError) as excinfo:
        p.list_schemas(nextToken=token)
    assert _error(excinfo) == ("InvalidNextTokenException",
                               f"The next token {token!r} is not valid.")


def test_delete_dataset_group__in_use_by_dataset(p):
    schema, group, dataset = _group_with_dataset(p)
    with pytest.raises(ClientError) as excinfo:
        p.delete_dataset_group(datasetGroupArn=group)
    assert _error(excinfo) == (
        "ResourceInUseException",
        f"Resource Arn {group} is in use: delete its datasets first ({dataset}).")
    p.delete_dataset(datasetArn=dataset)
    p.delete_dataset_group(datasetGroupArn=group)
    p.delete_schema(schemaArn=schema)
    assert p.list_dataset_groups()["datasetGroups"] == []
    assert p.list_schemas()["schemas"] == []


# -- schemas and datasets ---------------------------------------------------------------------


def test_create_schema__not_json(p):
    with pytest.raises(ClientError) as excinfo:
        p.create_schema(name="bad", schema="{not json")
    code, message = _error(excinfo)
    assert code == "InvalidInputException" and message.startswith("The schema is not valid JSON")


def test_create_schema__unknown_field_type(p):
    schema = json.dumps({"type": "record", "name": "X",
                         "fields": [{"name": "USER_ID", "type": "uuid"}]})
    with pytest.raises(ClientError) as excinfo:
        p.create_schema(name="bad", schema=schema)
    assert _error(excinfo)[1].startswith("Schema field 'USER_ID' has type 'uuid'; use one of")


def test_describe_schema__round_trip(p):
    arn = p.create_schema(name="s", schema=SCHEMA)["schemaArn"]
    schema = p.describe_schema(schemaArn=arn)["schema"]
    assert schema["schemaArn"] == ARN + "schema/s"
    assert json.loads(schema["schema"]) == json.loads(SCHEMA)
    assert "status" not in schema


def test_delete_schema__in_use(p):
    schema, _, dataset = _group_with_dataset(p)
    with pytest.raises(ClientError) as excinfo:
        p.delete_schema(schemaArn=schema)
    assert _error(excinfo) == ("ResourceInUseException",
                               f"Resource Arn {schema} is in use by the dataset(s) {dataset}.")


def test_create_dataset__schema_lacks_timestamp(p):
    schema = p.create_schema(name="no-ts", schema=json.dumps({
        "type": "record", "name": "I", "fields": [{"name": "USER_ID", "type": "string"},
                                                  {"name": "ITEM_ID", "type": "string"}]}))
    group = p.create_dataset_group(name="g")["datasetGroupArn"]
    with pytest.raises(ClientError) as excinfo:
        p.create_dataset(name="d", schemaArn=schema["schemaArn"], datasetGroupArn=group,
                         datasetType="Interactions")
    assert _error(excinfo) == (
        "InvalidInputException",
        "The schema does not fit a INTERACTIONS dataset: it lacks the required field(s) "
        "TIMESTAMP.")


def test_create_dataset__second_interactions_dataset(p):
    schema, group, dataset = _group_with_dataset(p)
    with pytest.raises(ClientError) as excinfo:
        p.create_dataset(name="again", schemaArn=schema, datasetGroupArn=group,
                         datasetType="Interactions")
    assert _error(excinfo) == ("ResourceAlreadyExistsException",
                               f"Resource Arn {dataset} already exists.")


# -- import jobs ------------------------------------------------------------------------------


def test_create_dataset_import_job__file_uri(p, tmp_path):
    _, _, dataset = _group_with_dataset(p)
    path = tmp_path / "in.csv"
    interactions().to_csv(path, index=False)
    job = wait_until_active(p, _import(p, dataset, path.as_uri()))
    assert job["status"] == "ACTIVE" and job["importMode"] == "FULL"
    assert job["dataSource"]["dataLocation"] == path.as_uri()
    jobs = p.list_dataset_import_jobs(datasetArn=dataset)["datasetImportJobs"]
    assert [j["jobName"] for j in jobs] == ["job"]


def test_create_dataset_import_job__column_not_in_schema(p, tmp_path):
    _, _, dataset = _group_with_dataset(p)
    path = tmp_path / "in.csv"
    interactions().assign(RATING=5).to_csv(path, index=False)
    with pytest.raises(ResourceFailedError) as excinfo:
        wait_until_active(p, _import(p, dataset, str(path)))
    job = p.describe_dataset_import_job(
        datasetImportJobArn=ARN + "dataset-import-job/job")["datasetImportJob"]
    assert job["status"] == "CREATE FAILED"
    assert job["failureReason"] == (
        f"Data at {str(path)!r} has the column 'RATING', which is not in the schema "
        "(fields: USER_ID, ITEM_ID, TIMESTAMP).")
    assert job["failureReason"] in str(excinfo.value)


def test_create_dataset_import_job__bad_timestamp(p, tmp_path):
    _, _, dataset = _group_with_dataset(p)
    frame = interactions().astype({"TIMESTAMP": str})
    frame.loc[6, "TIMESTAMP"] = "yesterday"
    path = tmp_path / "in.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(ResourceFailedError, match="column 'TIMESTAMP', row 8: 'yesterday' is "
                                                  "not a long"):
        wait_until_active(p, _import(p, dataset, str(path)))


def test_create_dataset_import_job__missing_file(p, tmp_path):
    _, _, dataset = _group_with_dataset(p)
    with pytest.raises(ResourceFailedError, match="Reading data location .*nothing.csv' failed"):
        wait_until_active(p, _import(p, dataset, str(tmp_path / "nothing.csv")))


def _failed_import(p, tmp_path, data: bytes) -> tuple[str, dict]:
    _, _, dataset = _group_with_dataset(p)
    path = tmp_path / "in.csv"
    path.write_bytes(data)
    with pytest.raises(ResourceFailedError) as excinfo:
        wait_until_active(p, _import(p, dataset, str(path)))
    job = p.describe_dataset_import_job(
        datasetImportJobArn=ARN + "dataset-import-job/job")["datasetImportJob"]
    assert job["status"] == "CREATE FAILED"
    assert job["failureReason"] in str(excinfo.value)
    return str(path), job


def test_create_dataset_import_job__byte_order_mark_on_header(p, tmp_path):
    data = interactions().to_csv(index=False).encode("utf-8-sig")  # as Excel's "CSV UTF-8"
    path, job = _failed_import(p, tmp_path, data)
    assert job["failureReason"] == (
        f"Data at {path!r} would be refused by Amazon Personalize: header, line 1: column "
        "'\\ufeffUSER_ID' starts with a UTF-8 byte-order mark (\\ufeff), so Personalize does "
        "not see USER_ID; save the file as UTF-8 without BOM.")


def test_create_dataset_import_job__quoted_header(p, tmp_path):
    data = b'"USER_ID","ITEM_ID","TIMESTAMP"\n' + interactions().to_csv(
        index=False, header=False).encode()
    path, job = _failed_import(p, tmp_path, data)
    assert job["failureReason"] == (
        f"Data at {path!r} would be refused by Amazon Personalize: header, line 1: "
        "\"USER_ID\", \"ITEM_ID\", \"TIMESTAMP\" are in quotation marks; the first row must "
        "hold the column names without quotation marks (write the header unquoted, e.g. "
        "USER_ID,ITEM_ID,TIMESTAMP).")


def test_create_dataset_import_job__quoted_values_accepted(p, tmp_path):
    _, _, dataset = _group_with_dataset(p)
    path = tmp_path / "in.csv"
    interactions().to_csv(path, index=False, quoting=csv.QUOTE_NONNUMERIC, header=False)
    path.write_text("USER_ID,ITEM_ID,TIMESTAMP\n" + path.read_text())
    assert wait_until_active(p, _import(p, dataset, str(path)))["status"] == "ACTIVE"


def test_create_dataset_import_job__millisecond_timestamps(p, tmp_path):
    frame = interactions()
    frame["TIMESTAMP"] *= 1000
    path, job = _failed_import(p, tmp_path, frame.to_csv(index=False).encode())
    assert job["failureReason"] == (
        f"Data at {path!r} would be refused by Amazon Personalize: TIMESTAMP, data row 1 "
        "(line 2): '1600000000000', data row 2 (line 3): '1600000001000', data row 3 (line 4): "
        "'1600000002000' and 1,197 more row(s): looks like milliseconds (above 1e11); "
        "Personalize wants epoch seconds, so divide by 1000.")


def test_create_dataset_import_job__header_case_is_not_significant(p, tmp_path):
    # Personalize imports a `user_id` header (see importer.check_interactions); so does the engine.
    _, group, dataset = _group_with_dataset(p)
    path = tmp_path / "in.csv"
    interactions().rename(columns=str.lower).to_csv(path, index=False)
    assert wait_until_active(p, _import(p, dataset, str(path)))["status"] == "ACTIVE"
    assert p.describe_dataset(datasetArn=dataset)["dataset"]["status"] == "ACTIVE"


def test_create_dataset_import_job__users_file_with_byte_order_mark(p, tmp_path):
    schema = p.create_schema(name="users-schema", schema=json.dumps({
        "type": "record", "name": "Users", "namespace": "com.amazonaws.personalize.schema",
        "fields": [{"name": "USER_ID", "type": "string"},
                   {"name": "AGE", "type": "int"}], "version": "1.0"}))["schemaArn"]
    group = p.create_dataset_group(name="g")["datasetGroupArn"]
    dataset = p.create_dataset(name="users", schemaArn=schema, datasetGroupArn=group,
                               datasetType="USERS")["datasetArn"]
    path = tmp_path / "users.csv"
    path.write_bytes(b"\xef\xbb\xbfUSER_ID,AGE\n1,24\n2,53\n")
    with pytest.raises(ResourceFailedError) as excinfo:
        wait_until_active(p, _import(p, dataset, str(path)))
    assert str(excinfo.value).endswith(
        f"Data at {str(path)!r} would be refused by Amazon Personalize: header, line 1: column "
        "'\\ufeffUSER_ID' starts with a UTF-8 byte-order mark (\\ufeff), so Personalize does "
        "not see USER_ID; save the file as UTF-8 without BOM.")


def test_create_dataset_import_job__s3_inside_mock_aws(tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="lab-bucket")
        s3.put_object(Bucket="lab-bucket", Key="data/interactions.csv",
                      Body=interactions().to_csv(index=False).encode())
        p = personalize_clients("local", workspace=tmp_path / "ws").personalize
        _, _, dataset = _group_with_dataset(p)
        job = wait_until_active(p, _import(p, dataset, "s3://lab-bucket/data/interactions.csv"))
        assert job["status"] == "ACTIVE"
        described = p.describe_dataset(datasetArn=dataset)["dataset"]
        assert described["status"] == "ACTIVE"
        with pytest.raises(ResourceFailedError, match="from S3 failed.*NoSuchKey"):
            wait_until_active(p, _import(p, dataset, "s3://lab-bucket/missing.csv", "job2"))


# -- solutions and versions -------------------------------------------------------------------


def test_create_solution__unknown_recipe(p):
    _, group, _ = _group_with_dataset(p)
    with pytest.raises(ClientError) as excinfo:
        p.create_solution(name="s", datasetGroupArn=group, recipeArn=RECIPE + "aws-hrnn")
    code, message = _error(excinfo)
    assert code == "InvalidInputException"
    assert message.startswith(f"Recipe '{RECIPE}aws-hrnn' is not available in the embedded "
                              f"engine; available: {RECIPE}aws-personalized-ranking, ")


def test_create_solution__hpo_refused(p):
    _, group, _ = _group_with_dataset(p)
    with pytest.raises(ClientError) as excinfo:
        p.create_solution(name="s", datasetGroupArn=group, performHPO=True,
                          recipeArn=RECIPE + "aws-sims")
    assert _error(excinfo)[1].startswith("performHPO is not handled by the embedded engine")


def test_create_solution__auto_training_accepted_not_performed(p):
    _, group, _ = _group_with_dataset(p)
    arn = p.create_solution(name="s", datasetGroupArn=group, performAutoTraining=True,
                            recipeArn=RECIPE + "aws-sims",
                            solutionConfig={"algorithmHyperParameters": {"neighbours": "50"}},
                            )["solutionArn"]
    solution = p.describe_solution(solutionArn=arn)["solution"]
    assert solution["performAutoTraining"] is False
    assert solution["solutionConfig"] == {"algorithmHyperParameters": {"neighbours": "50"}}
    assert p.list_solution_versions(solutionArn=arn)["solutionVersions"] == []


def test_create_solution__unknown_hyperparameter(p):
    _, group, _ = _group_with_dataset(p)
    with pytest.raises(ClientError) as excinfo:
        p.create_solution(name="s", datasetGroupArn=group, recipeArn=RECIPE + "aws-sims",
                          solutionConfig={"algorithmHyperParameters": {"bogus": "1",
                                                                       "neighbours": "50"}})
    assert _error(excinfo) == (
        "InvalidInputException",
        "solutionConfig.algorithmHyperParameters: 'bogus' is not a hyperparameter of the recipe "
        "'aws-sims'; it takes: min_cointeraction_count, neighbours, popularity_discount_factor.")
    assert p.list_solutions()["solutions"] == []


def test_create_solution__hyperparameters_of_a_recipe_without_any(p):
    _, group, _ = _group_with_dataset(p)
    with pytest.raises(ClientError) as excinfo:
        p.create_solution(name="s", datasetGroupArn=group,
                          recipeArn=RECIPE + "aws-popularity-count",
                          solutionConfig={"algorithmHyperParameters": {"b": "1", "a": "2"}})
    assert _error(excinfo) == (
        "InvalidInputException",
        "solutionConfig.algorithmHyperParameters: 'a', 'b' are not hyperparameters of the "
        "recipe 'aws-popularity-count'; it takes: none.")


def test_create_solution__hyperparameter_out_of_range(p):
    _, group, _ = _group_with_dataset(p)
    with pytest.raises(ClientError) as excinfo:
        p.create_solution(name="s", datasetGroupArn=group,
                          recipeArn=RECIPE + "aws-user-personalization",
                          solutionConfig={"algorithmHyperParameters": {"history_decay": "1.5"}})
    code, message = _error(excinfo)
    assert code == "InvalidInputException"
    assert message.startswith("solutionConfig.algorithmHyperParameters: Cannot train recipe "
                              "'aws-user-personalization': hyperparameter 'history_decay' is "
                              "'1.5', but it must be ")


def test_create_solution_version__too_few_interactions(p, tmp_path):
    _, group, dataset = _group_with_dataset(p)
    path = tmp_path / "few.csv"
    interactions(n_users=10, per_user=12).to_csv(path, index=False)
    wait_until_active(p, _import(p, dataset, str(path)))
    solution = p.create_solution(name="s", datasetGroupArn=group,
                                 recipeArn=RECIPE + "aws-user-personalization")["solutionArn"]
    version = p.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    with pytest.raises(ResourceFailedError):
        wait_until_active(p, version)
    described = p.describe_solution_version(solutionVersionArn=version)["solutionVersion"]
    assert described["status"] == "CREATE FAILED"
    assert described["failureReason"] == (
        "There are not enough interactions to train: 120 interactions and 10 users with at "
        "least 2 interactions; training needs at least 1000 interactions and 25 such users.")
    with pytest.raises(ClientError) as excinfo:
        p.get_solution_metrics(solutionVersionArn=version)
    assert _error(excinfo)[0] == "ResourceInUseException"
    with pytest.raises(ClientError) as excinfo:
        p.create_campaign(name="c", solutionVersionArn=version)
    assert _error(excinfo)[0] == "InvalidInputException"
    assert "a campaign needs an ACTIVE one" in _error(excinfo)[1]


def test_create_solution_version__no_data(p):
    _, group, _ = _group_with_dataset(p)
    solution = p.create_solution(name="s", datasetGroupArn=group,
                                 recipeArn=RECIPE + "aws-sims")["solutionArn"]
    version = p.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    with pytest.raises(ResourceFailedError, match=f"The dataset group {group} has no imported "
                                                  "interactions"):
        wait_until_active(p, version)


def test_get_solution_metrics__small_data(p, tmp_path):
    arns = _trained(p, tmp_path, "aws-user-personalization")
    metrics = p.get_solution_metrics(solutionVersionArn=arns["version"])["metrics"]
    assert len(metrics) == 8 and all(0 <= v <= 1 for v in metrics.values())
    versions = p.list_solution_versions(solutionArn=arns["solution"])["solutionVersions"]
    assert [v["solutionVersionArn"] for v in versions] == [arns["version"]]


def test_delete_solution__in_use_by_campaign(p, tmp_path):
    arns = _trained(p, tmp_path)
    campaign = p.create_campaign(name="c", solutionVersionArn=arns["version"])["campaignArn"]
    wait_until_active(p, campaign)
    with pytest.raises(ClientError) as excinfo:
        p.delete_solution(solutionArn=arns["solution"])
    assert _error(excinfo) == (
        "ResourceInUseException",
        f"Resource Arn {arns['solution']} is in use by the campaign {campaign}; delete the "
        "campaign first.")
    p.delete_campaign(campaignArn=campaign)
    p.delete_solution(solutionArn=arns["solution"])
    with pytest.raises(ClientError) as excinfo:
        p.describe_solution_version(solutionVersionArn=arns["version"])
    assert _error(excinfo)[0] == "ResourceNotFoundException"


def test_create_campaign__duplicate_name(p, tmp_path):
    arns = _trained(p, tmp_path)
    first = p.create_campaign(name="c", solutionVersionArn=arns["version"])["campaignArn"]
    with pytest.raises(ClientError) as excinfo:
        p.create_campaign(name="c", solutionVersionArn=arns["version"])
    assert _error(excinfo) == ("ResourceAlreadyExistsException",
                               f"Resource Arn {first} already exists.")


# -- deletes the service refuses ----------------------------------------------------------------

NOW = 1_700_000_000.0


def _entry(arn: str, name: str, status: str = "ACTIVE", **fields) -> dict:
    return {"name": name, "arn": arn, "created": NOW, "updated": NOW, "status": status,
            **fields}


def _settings(group: str, recipe: str = "aws-sims") -> dict:
    """A stored solution version's settings (the solution's when training began)."""
    return {"recipe_arn": RECIPE + recipe, "dataset_group_arn": group}


def _state_workspace(tmp_path, resources: dict) -> object:
    """A personalize client on a workspace holding ``resources`` (kind -> list of entries)."""
    workspace = tmp_path / "ws"
    workspace.mkdir()
    state = {"version": 1, "resources": {
        kind: {e["arn"]: e for e in entries} for kind, entries in resources.items()}}
    (workspace / "state.json").write_text(json.dumps(state))
    return personalize_clients("local", workspace=workspace).personalize


def _training_group(status: str) -> dict:
    group, solution = ARN + "dataset-group/g", ARN + "solution/s"
    return {
        "dataset-group": [_entry(group, "g")],
        "schema": [_entry(ARN + "schema/sc", "sc", schema=SCHEMA)],
        "dataset": [_entry(ARN + "dataset/g/INTERACTIONS", "d", dataset_group_arn=group,
                           dataset_type="INTERACTIONS", schema_arn=ARN + "schema/sc")],
        "solution": [_entry(solution, "s", recipe_arn=RECIPE + "aws-sims",
                            dataset_group_arn=group)],
        # worker_pid is this process: the version is really still training.
        "solution-version": [_entry(solution + "/0000abcd", "0000abcd", status,
                                    worker_pid=os.getpid(), solution_arn=solution,
                                    settings=_settings(group))],
    }


@pytest.mark.parametrize("status", ["CREATE PENDING", "CREATE IN_PROGRESS"])
def test_delete_dataset__solution_version_training(tmp_path, status):
    p = _state_workspace(tmp_path, _training_group(status))
    dataset = ARN + "dataset/g/INTERACTIONS"
    with pytest.raises(ClientError) as excinfo:
        p.delete_dataset(datasetArn=dataset)
    assert _error(excinfo) == (
        "ResourceInUseException",
        f"Resource Arn {dataset} is in use by the solution version {ARN}solution/s/0000abcd, "
        f"which is {status}; delete the dataset once it has finished.")
    assert p.describe_dataset(datasetArn=dataset)["dataset"]["status"] == "ACTIVE"


def _updating_to(group: str, version: str, status: str = "UPDATE IN_PROGRESS") -> dict:
    """A campaign serving a version of another group's solution while an update deploys
    ``version`` (a state an earlier engine could leave: it allowed versions of any solution).
    worker_pid is this process: the update is really still running."""
    other_group, other = ARN + "dataset-group/x", ARN + "solution/sx"
    update = {"solution_version_arn": version, "min_provisioned_tps": 1,
              "campaign_config": None, "status": "CREATE IN_PROGRESS", "failure_reason": None,
              "created": NOW, "updated": NOW, "from_status": "ACTIVE", "from_reason": None}
    return {
        "dataset-group": [_entry(group, "g"), _entry(other_group, "x")],
        "schema": [_entry(ARN + "schema/sc", "sc", schema=SCHEMA)],
        "dataset": [_entry(ARN + "dataset/g/INTERACTIONS", "d", dataset_group_arn=group,
                           dataset_type="INTERACTIONS", schema_arn=ARN + "schema/sc")],
        "solution": [_entry(ARN + "solution/s", "s", recipe_arn=RECIPE + "aws-sims",
                            dataset_group_arn=group),
                     _entry(other, "sx", recipe_arn=RECIPE + "aws-sims",
                            dataset_group_arn=other_group)],
        "solution-version": [_entry(version, version.rsplit("/", 1)[-1],
                                    solution_arn=ARN + "solution/s", settings=_settings(group)),
                             _entry(other + "/1", "1", solution_arn=other,
                                    settings=_settings(other_group))],
        "campaign": [_entry(ARN + "campaign/c", "c", status, worker_pid=os.getpid(),
                            solution_version_arn=other + "/1", latest_update=update)],
    }


def test_delete_solution__target_of_a_campaign_update(tmp_path):
    version = ARN + "solution/s/2"
    p = _state_workspace(tmp_path, _updating_to(ARN + "dataset-group/g", version))
    with pytest.raises(ClientError) as excinfo:
        p.delete_solution(solutionArn=ARN + "solution/s")
    assert _error(excinfo) == (
        "ResourceInUseException",
        f"Resource Arn {ARN}solution/s is in use by the campaign {ARN}campaign/c, which is "
        f"being updated to its solution version {version}; delete the campaign first.")
    assert p.describe_solution_version(
        solutionVersionArn=version)["solutionVersion"]["status"] == "ACTIVE"


@pytest.mark.parametrize("status", ["UPDATE PENDING", "UPDATE IN_PROGRESS"])
def test_delete_dataset__target_of_a_campaign_update(tmp_path, status):
    p = _state_workspace(tmp_path, _updating_to(ARN + "dataset-group/g", ARN + "solution/s/2",
                                                status))
    dataset = ARN + "dataset/g/INTERACTIONS"
    with pytest.raises(ClientError) as excinfo:
        p.delete_dataset(datasetArn=dataset)
    assert _error(excinfo) == (
        "ResourceInUseException",
        f"Resource Arn {dataset} is in use by the campaign {ARN}campaign/c ({status}), which "
        f"is being updated to the solution version {ARN}solution/s/2; delete the campaign "
        "first.")
    assert p.describe_dataset(datasetArn=dataset)["dataset"]["status"] == "ACTIVE"


@pytest.mark.parametrize("status", ["CREATE PENDING", "CREATE IN_PROGRESS"])
def test_delete_campaign__while_creating(tmp_path, status):
    campaign = ARN + "campaign/c"
    p = _state_workspace(tmp_path, {"campaign": [_entry(
        campaign, "c", status, worker_pid=os.getpid(),
        solution_version_arn=ARN + "solution/s/0000abcd")]})
    with pytest.raises(ClientError) as excinfo:
        p.delete_campaign(campaignArn=campaign)
    assert _error(excinfo) == (
        "ResourceInUseException",
        f"Resource Arn {campaign} is in use: the campaign is {status}; delete it once it is "
        "ACTIVE or CREATE FAILED.")
    assert p.describe_campaign(campaignArn=campaign)["campaign"]["status"] == status


def test_delete_dataset__filters_first(p):
    _, group, dataset = _group_with_dataset(p)
    arn = p.create_filter(name="f", datasetGroupArn=group,
                          filterExpression='EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("*")',
                          )["filterArn"]
    with pytest.raises(ClientError) as excinfo:
        p.delete_dataset(datasetArn=dataset)
    assert _error(excinfo) == (
        "ResourceInUseException",
        f"Resource Arn {dataset} is in use: delete all filters of the dataset group before "
        f"deleting any dataset ({arn}).")
    p.delete_filter(filterArn=arn)
    p.delete_dataset(datasetArn=dataset)


def test_delete_dataset__campaign_active(p, tmp_path):
    arns = _trained(p, tmp_path)
    campaign = p.create_campaign(name="c", solutionVersionArn=arns["version"])["campaignArn"]
    wait_until_active(p, campaign)
    with pytest.raises(ClientError) as excinfo:
        p.delete_dataset(datasetArn=arns["dataset"])
    assert _error(excinfo) == (
        "ResourceInUseException",
        f"Resource Arn {arns['dataset']} is in use by the campaign {campaign} (ACTIVE); delete "
        "the campaign first.")


def test_delete_dataset__its_import_jobs_go_with_it(p, tmp_path):
    schema, group, dataset = _group_with_dataset(p)
    path = tmp_path / "in.csv"
    interactions().to_csv(path, index=False)
    job = wait_until_active(p, _import(p, dataset, str(path)))["datasetImportJobArn"]
    p.delete_dataset(datasetArn=dataset)
    assert p.list_dataset_import_jobs()["datasetImportJobs"] == []
    with pytest.raises(ClientError) as excinfo:
        p.describe_dataset_import_job(datasetImportJobArn=job)
    assert _error(excinfo)[0] == "ResourceNotFoundException"
    # The same ARN again: a new, empty dataset, and the job's name is free for its import.
    again = p.create_dataset(name="again", schemaArn=schema, datasetGroupArn=group,
                             datasetType="INTERACTIONS")["datasetArn"]
    assert again == dataset
    assert p.list_dataset_import_jobs(datasetArn=again)["datasetImportJobs"] == []
    assert wait_until_active(p, _import(p, again, str(path)))["datasetArn"] == again


def test_delete_dataset_group__filters_go_with_it(p):
    group = p.create_dataset_group(name="g")["datasetGroupArn"]
    p.create_filter(name="f", datasetGroupArn=group,
                    filterExpression='EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("*")')
    p.delete_dataset_group(datasetGroupArn=group)
    assert p.list_filters()["Filters"] == []
    assert p.list_dataset_groups()["datasetGroups"] == []


# -- campaign updates, settings and tags ----------------------------------------------------------


def _retrained(p, tmp_path, arns: dict[str, str]) -> str:
    """A second version of the popularity solution, trained after i39 became the favourite
    (of everyone but u1, who is asked)."""
    extra = pd.DataFrame([(f"u{u}", "i39", 1_700_000_000 + u) for u in range(2, 60)],
                         columns=["USER_ID", "ITEM_ID", "TIMESTAMP"])
    path = tmp_path / "more.csv"
    extra.to_csv(path, index=False)
    job = p.create_dataset_import_job(jobName="more", datasetArn=arns["dataset"],
                                      dataSource={"dataLocation": str(path)},
                                      importMode="INCREMENTAL")["datasetImportJobArn"]
    wait_until_active(p, job)
    version = p.create_solution_version(solutionArn=arns["solution"])["solutionVersionArn"]
    wait_until_active(p, version)
    return version


def _top(runtime, campaign: str) -> str:
    return runtime.get_recommendations(campaignArn=campaign, userId="u1")["itemList"][0]["itemId"]


def test_update_campaign__deploys_retrained_version(clients, tmp_path, monkeypatch):
    p, runtime = clients.personalize, clients.runtime
    arns = _trained(p, tmp_path)
    campaign = p.create_campaign(name="c", solutionVersionArn=arns["version"],
                                 tags=[{"tagKey": "lab", "tagValue": "01"}])["campaignArn"]
    wait_until_active(p, campaign)
    before = _top(runtime, campaign)
    retrained = _retrained(p, tmp_path, arns)
    backend = backend_for(resolve_workspace(tmp_path / "ws"))
    held = []  # the update's background work, run below once its pending state is checked
    monkeypatch.setattr(backend, "_start", lambda work, arn: held.append((work, arn)))

    assert p.update_campaign(campaignArn=campaign, solutionVersionArn=retrained,
                             minProvisionedTPS=2)["campaignArn"] == campaign

    pending = p.describe_campaign(campaignArn=campaign)["campaign"]
    assert pending["status"] == "UPDATE PENDING"
    assert pending["solutionVersionArn"] == arns["version"]  # still serving the old one
    assert pending["latestCampaignUpdate"]["status"] == "CREATE PENDING"
    assert pending["latestCampaignUpdate"]["solutionVersionArn"] == retrained
    assert _top(runtime, campaign) == before
    with pytest.raises(ClientError) as excinfo:
        p.update_campaign(campaignArn=campaign, minProvisionedTPS=3)
    assert _error(excinfo) == (
        "ResourceInUseException",
        f"Resource Arn {campaign} is in use: the campaign is UPDATE PENDING; update it once it "
        "is ACTIVE or CREATE FAILED.")
    with pytest.raises(ClientError) as excinfo:
        p.delete_campaign(campaignArn=campaign)
    assert _error(excinfo)[0] == "ResourceInUseException"

    (work, arn), = held
    work(arn)
    done = wait_until_active(p, campaign)
    assert done["solutionVersionArn"] == retrained and done["minProvisionedTPS"] == 2
    assert done["latestCampaignUpdate"]["status"] == "ACTIVE"
    assert before != "i39" and _top(runtime, campaign) == "i39"
    assert p.list_tags_for_resource(resourceArn=campaign)["tags"] == [
        {"tagKey": "lab", "tagValue": "01"}]


def test_update_campaign__version_of_another_solution(p, tmp_path):
    arns = _trained(p, tmp_path)
    campaign = p.create_campaign(name="c", solutionVersionArn=arns["version"])["campaignArn"]
    wait_until_active(p, campaign)
    sims = p.create_solution(name="sims", datasetGroupArn=arns["group"],
                             recipeArn=RECIPE + "aws-sims")["solutionArn"]
    other = p.create_solution_version(solutionArn=sims)["solutionVersionArn"]
    wait_until_active(p, other)
    with pytest.raises(ClientError) as excinfo:
        p.update_campaign(campaignArn=campaign, solutionVersionArn=other)
    assert _error(excinfo) == (
        "InvalidInputException",
        f"Solution version {other} is a version of the solution {sims} (recipe 'aws-sims', "
        f"RELATED_ITEMS), not of the campaign's solution {arns['solution']} (recipe "
        "'aws-popularity-count', USER_PERSONALIZATION): update_campaign deploys a retrained "
        "version of the campaign's own solution. Create another campaign for this one.")
    described = p.describe_campaign(campaignArn=campaign)["campaign"]
    assert described["status"] == "ACTIVE" and "latestCampaignUpdate" not in described
    assert described["solutionVersionArn"] == arns["version"]


def test_update_campaign__while_creating(tmp_path):
    campaign = ARN + "campaign/c"
    p = _state_workspace(tmp_path, {"campaign": [_entry(
        campaign, "c", "CREATE IN_PROGRESS", worker_pid=os.getpid(),
        solution_version_arn=ARN + "solution/s/0000abcd")]})
    with pytest.raises(ClientError) as excinfo:
        p.update_campaign(campaignArn=campaign, minProvisionedTPS=2)
    assert _error(excinfo) == (
        "ResourceInUseException",
        f"Resource Arn {campaign} is in use: the campaign is CREATE IN_PROGRESS; update it once "
        "it is ACTIVE or CREATE FAILED.")


def test_update_campaign__model_file_missing_keeps_serving(clients, tmp_path):
    p, runtime = clients.personalize, clients.runtime
    arns = _trained(p, tmp_path)
    campaign = p.create_campaign(name="c", solutionVersionArn=arns["version"])["campaignArn"]
    wait_until_active(p, campaign)
    retrained = _retrained(p, tmp_path, arns)
    store = backend_for(resolve_workspace(tmp_path / "ws")).store
    store.model_path(retrained).unlink()
    p.update_campaign(campaignArn=campaign, solutionVersionArn=retrained)
    backend_for(resolve_workspace(tmp_path / "ws")).wait_for_background_work(60)
    described = p.describe_campaign(campaignArn=campaign)["campaign"]
    assert described["status"] == "ACTIVE" and "failureReason" not in described
    assert described["solutionVersionArn"] == arns["version"]
    update = described["latestCampaignUpdate"]
    assert update["status"] == "CREATE FAILED"
    assert update["failureReason"].startswith(
        f"The model file of solution version {retrained} is missing")
    assert _top(runtime, campaign) != "i39"


def test_update_campaign__left_in_progress_by_ended_process(tmp_path):
    ended = subprocess.Popen(["true"])
    ended.wait()
    campaign = ARN + "campaign/c"
    update = {"solution_version_arn": ARN + "solution/s/2", "min_provisioned_tps": 1,
              "campaign_config": None, "status": "CREATE IN_PROGRESS", "failure_reason": None,
              "created": NOW, "updated": NOW, "from_status": "ACTIVE", "from_reason": None}
    p = _state_workspace(tmp_path, {"campaign": [_entry(
        campaign, "c", "UPDATE IN_PROGRESS", worker_pid=ended.pid,
        solution_version_arn=ARN + "solution/s/1", latest_update=update)]})
    described = p.describe_campaign(campaignArn=campaign)["campaign"]
    assert described["status"] == "ACTIVE"
    assert described["solutionVersionArn"] == ARN + "solution/s/1"
    assert described["latestCampaignUpdate"]["status"] == "CREATE FAILED"
    assert described["latestCampaignUpdate"]["failureReason"] == (
        f"The process (pid {ended.pid}) that was updating this campaign ended before it "
        "finished; update it again.")


@pytest.mark.parametrize(("config", "what"), [
    ({"itemExplorationConfig": {"explorationWeight": "0.9"}},
     "campaignConfig.itemExplorationConfig (explorationWeight, explorationItemAgeCutOff)"),
    ({"enableMetadataWithRecommendations": True},
     "campaignConfig.enableMetadataWithRecommendations"),
    ({"rankingInfluence": {"POPULARITY": 0.5}}, "campaignConfig.rankingInfluence"),
])
def test_create_campaign__setting_not_supported(p, tmp_path, config, what):
    arns = _trained(p, tmp_path)
    with pytest.raises(ClientError) as excinfo:
        p.create_campaign(name="c", solutionVersionArn=arns["version"], campaignConfig=config)
    assert _error(excinfo) == (
        "InvalidInputException",
        f"{what} is not supported by the embedded engine: its models would answer exactly as "
        "without it. Leave it out.")
    assert p.list_campaigns()["campaigns"] == []


def test_create_campaign__sync_with_latest_solution_version(p, tmp_path):
    arns = _trained(p, tmp_path)
    with pytest.raises(ClientError) as excinfo:
        p.create_campaign(name="c", solutionVersionArn=arns["solution"] + "/$LATEST",
                          campaignConfig={"syncWithLatestSolutionVersion": True})
    assert _error(excinfo) == (
        "InvalidInputException",
        "Automatic campaign updates (syncWithLatestSolutionVersion, with a solutionVersionArn "
        "of the form SOLUTION_ARN/$LATEST) are not supported by the embedded engine: give the "
        "ARN of an ACTIVE solution version, and call update_campaign with the new one after "
        "training again.")


def test_create_campaign__settings_that_change_nothing_accepted(p, tmp_path):
    arns = _trained(p, tmp_path)
    config = {"enableMetadataWithRecommendations": False,
              "syncWithLatestSolutionVersion": False}
    campaign = p.create_campaign(name="c", solutionVersionArn=arns["version"],
                                 campaignConfig=config)["campaignArn"]
    assert wait_until_active(p, campaign)["campaignConfig"] == config


def test_tag_resource__add_replace_remove(p):
    group = p.create_dataset_group(name="g", tags=[{"tagKey": "lab", "tagValue": "01"},
                                                   {"tagKey": "owner", "tagValue": "ana"}],
                                   )["datasetGroupArn"]
    p.tag_resource(resourceArn=group, tags=[{"tagKey": "owner", "tagValue": "ben"},
                                            {"tagKey": "stage", "tagValue": "test"}])
    p.untag_resource(resourceArn=group, tagKeys=["lab", "never-set"])
    assert p.list_tags_for_resource(resourceArn=group)["tags"] == [
        {"tagKey": "owner", "tagValue": "ben"}, {"tagKey": "stage", "tagValue": "test"}]
    with pytest.raises(ClientError) as excinfo:
        p.tag_resource(resourceArn=group, tags=[{"tagKey": f"k{n}", "tagValue": "v"}
                                                for n in range(49)])
    assert _error(excinfo) == (
        "TooManyTagsException",
        f"Resource Arn {group} would have 51 tags; a resource can have at most 50.")
    with pytest.raises(ClientError) as excinfo:
        p.list_tags_for_resource(resourceArn=ARN + "filter/nope")
    assert _error(excinfo) == ("ResourceNotFoundException",
                               f"Resource Arn {ARN}filter/nope does not exist.")


@pytest.mark.parametrize(("tag", "message"), [
    ({"tagKey": "aws:owner", "tagValue": "ana"},
     "Tag key 'aws:owner' starts with 'aws:', a prefix reserved for the tags AWS applies "
     "itself; choose another key."),
    ({"tagKey": "AWS:Owner", "tagValue": "ana"},
     "Tag key 'AWS:Owner' starts with 'aws:', a prefix reserved for the tags AWS applies "
     "itself; choose another key."),
    ({"tagKey": "owner", "tagValue": "aws:ana"},
     "Tag value 'aws:ana' (of the tag key 'owner') starts with 'aws:', a prefix reserved for "
     "the tags AWS applies itself; choose another value."),
])
def test_tag_resource__reserved_aws_prefix(p, tag, message):
    group = p.create_dataset_group(name="g", tags=[{"tagKey": "lab", "tagValue": "01"}],
                                   )["datasetGroupArn"]
    with pytest.raises(ClientError) as excinfo:
        p.tag_resource(resourceArn=group, tags=[{"tagKey": "stage", "tagValue": "test"}, tag])
    assert _error(excinfo) == ("InvalidInputException", message)
    with pytest.raises(ClientError) as excinfo:
        p.create_dataset_group(name="h", tags=[tag])
    assert _error(excinfo) == ("InvalidInputException", message)
    assert [g["name"] for g in p.list_dataset_groups()["datasetGroups"]] == ["g"]
    assert p.list_tags_for_resource(resourceArn=group)["tags"] == [
        {"tagKey": "lab", "tagValue": "01"}]


def test_untag_resource__reserved_aws_prefix(p):
    group = p.create_dataset_group(name="g")["datasetGroupArn"]
    with pytest.raises(ClientError) as excinfo:
        p.untag_resource(resourceArn=group, tagKeys=["lab", "aws:cloudformation:stack-name"])
    assert _error(excinfo) == (
        "InvalidInputException",
        "Tag key 'aws:cloudformation:stack-name' starts with 'aws:', a prefix reserved for the "
        "tags AWS applies itself, which cannot be removed.")


# -- recipes ------------------------------------------------------------------------------------


def test_list_recipes__lab_recipes(p):
    names = {r["name"] for r in p.list_recipes()["recipes"]}
    assert names == {"aws-user-personalization", "aws-user-personalization-v2",
                     "aws-personalized-ranking", "aws-personalized-ranking-v2", "aws-sims",
                     "aws-similar-items", "aws-popularity-count"}


def test_describe_recipe__sims(p):
    recipe = p.describe_recipe(recipeArn=RECIPE + "aws-sims")["recipe"]
    assert recipe["recipeType"] == "RELATED_ITEMS"
    assert recipe["algorithmArn"] == "arn:aws:personalize:::algorithm/aws-sims"
    with pytest.raises(ClientError) as excinfo:
        p.describe_recipe(recipeArn=RECIPE + "aws-hrnn")
    assert _error(excinfo) == ("ResourceNotFoundException",
                               f"Resource Arn {RECIPE}aws-hrnn does not exist.")


# -- unhandled operations and persistence -------------------------------------------------------


def test_create_recommender__not_handled(p):
    with pytest.raises(ClientError) as excinfo:
        p.create_recommender(name="r", datasetGroupArn=ARN + "dataset-group/g",
                             recipeArn="arn:aws:personalize:::recipe/aws-vod-top-picks")
    assert _error(excinfo) == ("InvalidInputException",
                               "The operation CreateRecommender is not handled by the embedded "
                               "engine.")


def test_describe_campaign__left_in_progress_by_ended_process(tmp_path):
    workspace = tmp_path / "ws"
    workspace.mkdir()
    ended = subprocess.Popen(["true"])
    ended.wait()
    now = 1_700_000_000.0
    state = {"version": 1, "resources": {"campaign": {ARN + "campaign/c": {
        "name": "c", "arn": ARN + "campaign/c", "created": now, "updated": now,
        "status": "CREATE IN_PROGRESS", "worker_pid": ended.pid,
        "solution_version_arn": ARN + "solution/s/1"}}}}
    (workspace / "state.json").write_text(json.dumps(state))
    p = personalize_clients("local", workspace=workspace).personalize
    campaign = p.describe_campaign(campaignArn=ARN + "campaign/c")["campaign"]
    assert campaign["status"] == "CREATE FAILED"
    assert campaign["failureReason"] == (
        f"The process (pid {ended.pid}) that was creating this resource ended before it "
        "finished; delete it and create it again.")


def _unreadable(workspace, problem: str) -> str:
    return (f"The engine state {str(workspace / 'state.json')!r} cannot be read: {problem}. The "
            "engine leaves the file as it is; move it away to start an empty workspace (its "
            "resources are then forgotten), or repair it.")


def _workspace_with_groups(tmp_path, count: int = 5):
    """A workspace whose state.json holds ``count`` dataset groups (made by the engine)."""
    workspace = tmp_path / "ws"
    p = personalize_clients("local", workspace=workspace).personalize
    for n in range(count):
        p.create_dataset_group(name=f"g{n}")
    return workspace, json.loads((workspace / "state.json").read_text())


def _replace_state(workspace, state) -> None:
    """Another writer's state.json (renamed into place, so the engine sees a new file)."""
    atomic_write_bytes(workspace / "state.json", json.dumps(state).encode())


def _refused_every_time(workspace, problem: str) -> None:
    before = (workspace / "state.json").read_bytes()
    p = personalize_clients("local", workspace=workspace).personalize
    calls = [p.list_campaigns, p.list_dataset_groups, lambda: p.create_dataset_group(name="x")]
    for call in calls + calls:
        with pytest.raises(ClientError) as excinfo:
            call()
        assert _error(excinfo) == ("StateFileException", _unreadable(workspace, problem))
        assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert (workspace / "state.json").read_bytes() == before


def test_list_campaigns__state_file_of_another_version(tmp_path):
    workspace, state = _workspace_with_groups(tmp_path)
    state["version"] = 2
    _replace_state(workspace, state)
    _refused_every_time(workspace,
                        "it has version 2, and this library reads version 1")


def test_list_campaigns__state_entry_with_unknown_field(tmp_path):
    workspace, state = _workspace_with_groups(tmp_path)
    state["resources"]["dataset-group"][ARN + "dataset-group/g3"]["colour"] = "blue"
    _replace_state(workspace, state)
    _refused_every_time(workspace,
                        f"the dataset-group '{ARN}dataset-group/g3' has the unknown field(s) "
                        "colour")


def test_list_campaigns__state_entry_without_name(tmp_path):
    workspace, state = _workspace_with_groups(tmp_path)
    del state["resources"]["dataset-group"][ARN + "dataset-group/g1"]["name"]
    _replace_state(workspace, state)
    _refused_every_time(workspace,
                        f"the dataset-group '{ARN}dataset-group/g1' cannot be read "
                        "(DatasetGroup.__init__() missing 1 required positional argument: "
                        "'name')")


def test_list_campaigns__state_of_unknown_kind(tmp_path):
    workspace, state = _workspace_with_groups(tmp_path)
    state["resources"]["recommender"] = {}
    _replace_state(workspace, state)
    _refused_every_time(workspace,
                        "it has resources of the unknown kind 'recommender' (known: campaign, "
                        "dataset, dataset-group, dataset-import-job, filter, schema, solution, "
                        "solution-version)")


def test_describe_dataset_group__damaged_state_file(tmp_path):
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "state.json").write_text("{half a file")
    p = personalize_clients("local", workspace=workspace).personalize
    for _ in range(2):
        with pytest.raises(ClientError) as excinfo:
            p.list_dataset_groups()
        code, message = _error(excinfo)
        assert code == "StateFileException"
        assert message.startswith(f"The engine state {str(workspace / 'state.json')!r} cannot "
                                  "be read: it is not valid JSON (")
    assert (workspace / "state.json").read_text() == "{half a file"


def test_create_dataset_group__state_file_repaired(tmp_path):
    workspace, state = _workspace_with_groups(tmp_path, 3)
    good = (workspace / "state.json").read_text()
    _replace_state(workspace, dict(state, version=2))
    p = personalize_clients("local", workspace=workspace).personalize
    with pytest.raises(ClientError):
        p.create_dataset_group(name="x")
    atomic_write_bytes(workspace / "state.json", good.encode())
    p.create_dataset_group(name="x")
    assert [g["name"] for g in p.list_dataset_groups()["datasetGroups"]] == ["g0", "g1", "g2", "x"]


def _unusable(path, why: str) -> str:
    return (f"The embedded engine's workspace {str(path)!r} cannot be used: {why}. The engine "
            "keeps its state there and must be able to write to it; pass workspace= (or set "
            "$VIDEORECS_WORKSPACE) to a folder you can write to.")


def test_personalize_clients__workspace_under_a_file(tmp_path):
    (tmp_path / "file").write_text("not a folder")
    workspace = tmp_path / "file" / "sub"
    with pytest.raises(InvalidParameterError) as excinfo:
        personalize_clients("local", workspace=workspace)
    assert str(excinfo.value) == _unusable(workspace, "a part of that path is a file, not a folder")


def test_personalize_clients__workspace_is_a_file(tmp_path):
    (tmp_path / "ws").write_text("not a folder")
    with pytest.raises(InvalidParameterError) as excinfo:
        personalize_clients("local", workspace=tmp_path / "ws")
    assert str(excinfo.value) == _unusable(tmp_path / "ws", "it is a file, not a folder")


def test_personalize_clients__lock_file_cannot_be_opened(tmp_path):
    # Root ignores file modes, so an unopenable lock stands in for a read-only folder.
    (tmp_path / "ws" / ".lock").mkdir(parents=True)
    with pytest.raises(InvalidParameterError) as excinfo:
        personalize_clients("local", workspace=tmp_path / "ws")
    assert str(excinfo.value) == _unusable(
        tmp_path / "ws", f"Is a directory ({str(tmp_path / 'ws' / '.lock')!r})")


def test_create_dataset_group__workspace_unwritable_after_clients_made(tmp_path):
    (tmp_path / "ws").mkdir()  # an existing workspace: making the clients takes its .lock
    p = personalize_clients("local", workspace=tmp_path / "ws").personalize
    (tmp_path / "ws" / ".lock").unlink()
    (tmp_path / "ws" / ".lock").mkdir()
    with pytest.raises(InvalidParameterError) as excinfo:
        p.create_dataset_group(name="g")
    assert str(excinfo.value) == _unusable(
        tmp_path / "ws", f"Is a directory ({str(tmp_path / 'ws' / '.lock')!r})")
    assert not (tmp_path / "ws" / "state.json").exists()


def test_personalize_clients__missing_workspace_is_made_by_the_first_write(tmp_path):
    p = personalize_clients("local", workspace=tmp_path / "ws").personalize
    assert p.list_dataset_groups()["datasetGroups"] == []
    assert not (tmp_path / "ws").exists()  # reading leaves no folder behind
    p.create_dataset_group(name="g")
    assert sorted(f.name for f in (tmp_path / "ws").iterdir()) == [".lock", "state.json"]


def test_create_dataset_group__workspace_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("VIDEORECS_WORKSPACE", str(tmp_path / "from-env"))
    personalize_clients("local").personalize.create_dataset_group(name="env")
    state = json.loads((tmp_path / "from-env" / "state.json").read_text())
    assert list(state["resources"]["dataset-group"]) == [ARN + "dataset-group/env"]
    assert os.environ["VIDEORECS_WORKSPACE"] == str(tmp_path / "from-env")


def test_create_solution_version__event_type_subset_too_small(p, tmp_path):
    schema = p.create_schema(name="events", schema=json.dumps({
        "type": "record", "name": "Interactions",
        "fields": [{"name": "USER_ID", "type": "string"}, {"name": "ITEM_ID", "type": "string"},
                   {"name": "TIMESTAMP", "type": "long"}, {"name": "EVENT_TYPE", "type": "string"}],
    }))["schemaArn"]
    group = p.create_dataset_group(name="g")["datasetGroupArn"]
    dataset = p.create_dataset(name="d", schemaArn=schema, datasetGroupArn=group,
                               datasetType="Interactions")["datasetArn"]
    frame = interactions()
    frame["EVENT_TYPE"] = ["watch" if k % 10 == 0 else "click" for k in range(len(frame))]
    path = tmp_path / "events.csv"
    frame.to_csv(path, index=False)
    wait_until_active(p, _import(p, dataset, str(path)))
    watch = p.create_solution(name="watch", datasetGroupArn=group, eventType="watch",
                              recipeArn=RECIPE + "aws-popularity-count")["solutionArn"]
    every = p.create_solution(name="every", datasetGroupArn=group,
                              recipeArn=RECIPE + "aws-popularity-count")["solutionArn"]
    failed = p.create_solution_version(solutionArn=watch)["solutionVersionArn"]
    trained = p.create_solution_version(solutionArn=every)["solutionVersionArn"]
    with pytest.raises(ResourceFailedError, match=(
            "There are not enough interactions of event type 'watch' to train: 120 "
            "interactions and 60 users with at least 2 interactions")):
        wait_until_active(p, failed)
    every_version = wait_until_active(p, trained)  # all 1,200 interactions are enough
    assert every_version["status"] == "ACTIVE" and "eventType" not in every_version
    described = p.describe_solution_version(solutionVersionArn=failed)["solutionVersion"]
    assert described["eventType"] == "watch"


def test_create_solution_version__limit_exceeded(tmp_path):
    workspace = tmp_path / "ws"
    workspace.mkdir()
    now = 1_700_000_000.0
    solution = ARN + "solution/s"
    versions = {f"{solution}/{n:08d}": {
        "name": f"{n:08d}", "arn": f"{solution}/{n:08d}", "created": now, "updated": now,
        "status": "CREATE IN_PROGRESS", "worker_pid": os.getpid(), "solution_arn": solution,
        "settings": _settings(ARN + "dataset-group/g"),
    } for n in range(20)}
    state = {"version": 1, "resources": {
        "dataset-group": {ARN + "dataset-group/g": {
            "name": "g", "arn": ARN + "dataset-group/g", "created": now, "updated": now,
            "status": "ACTIVE"}},
        "solution": {solution: {
            "name": "s", "arn": solution, "created": now, "updated": now, "status": "ACTIVE",
            "recipe_arn": RECIPE + "aws-sims", "dataset_group_arn": ARN + "dataset-group/g"}},
        "solution-version": versions}}
    (workspace / "state.json").write_text(json.dumps(state))
    p = personalize_clients("local", workspace=workspace).personalize
    with pytest.raises(ClientError) as excinfo:
        p.create_solution_version(solutionArn=solution)
    assert _error(excinfo) == (
        "LimitExceededException",
        "20 solution versions are already training; the limit is 20. Wait for one to finish.")


def test_create_dataset_import_job__incremental_appends(p, tmp_path):
    _, group, dataset = _group_with_dataset(p)
    frame = interactions()
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    frame.iloc[:600].to_csv(first, index=False)
    frame.iloc[600:].to_csv(second, index=False)
    wait_until_active(p, _import(p, dataset, str(first)))
    solution = p.create_solution(name="s", datasetGroupArn=group,
                                 recipeArn=RECIPE + "aws-popularity-count")["solutionArn"]
    # 600 interactions are too few to train; the incremental import brings the other 600.
    with pytest.raises(ResourceFailedError, match="600 interactions"):
        wait_until_active(p, p.create_solution_version(solutionArn=solution)["solutionVersionArn"])
    job = p.create_dataset_import_job(jobName="more", datasetArn=dataset,
                                      dataSource={"dataLocation": str(second)},
                                      importMode="INCREMENTAL")["datasetImportJobArn"]
    assert wait_until_active(p, job)["importMode"] == "INCREMENTAL"
    version = p.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    assert wait_until_active(p, version)["status"] == "ACTIVE"
    listed = p.list_solution_versions(solutionArn=solution)["solutionVersions"]
    assert [v["status"] for v in listed] == ["CREATE FAILED", "ACTIVE"]
