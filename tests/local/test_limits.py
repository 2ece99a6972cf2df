"""The limits botocore leaves to the service (maximum lengths and values, patterns), the answer
to a repeated id in an inputList (answered once), and the advice for resources a dead process
left behind.

Every call goes through real boto3 clients; errors are checked by code and message.
"""

from __future__ import annotations

import json
import subprocess

import pytest
from botocore.exceptions import ClientError

from videorecs_widgets.clients import personalize_clients
from videorecs_widgets.local.backend import backend_for
from videorecs_widgets.local.store import resolve_workspace

ARN = "arn:aws:personalize:local:000000000000:"
NAME_PATTERN = r"^[a-zA-Z0-9][a-zA-Z0-9\-_]*"


@pytest.fixture
def clients(tmp_path):
    pair = personalize_clients("local", workspace=tmp_path / "ws")
    yield pair
    backend_for(resolve_workspace(tmp_path / "ws")).wait_for_background_work(60)


@pytest.fixture(scope="module")
def runtime(lab_campaigns):
    return personalize_clients("local", workspace=lab_campaigns.workspace).runtime


def _error(excinfo) -> tuple[str, str, int]:
    response = excinfo.value.response
    return (response["Error"]["Code"], response["Error"]["Message"],
            response["ResponseMetadata"]["HTTPStatusCode"])


# -- control plane ------------------------------------------------------------------------------


def test_create_dataset_group__name_longer_than_63(clients):
    with pytest.raises(ClientError) as excinfo:
        clients.personalize.create_dataset_group(name="d" * 100)
    assert _error(excinfo) == (
        "InvalidInputException",
        f"1 validation error detected: Value '{'d' * 100}' at 'name' failed to satisfy "
        "constraint: Member must have length less than or equal to 63", 400)
    assert clients.personalize.list_dataset_groups()["datasetGroups"] == []


def test_create_dataset_group__name_of_63_accepted(clients):
    arn = clients.personalize.create_dataset_group(name="d" * 63)["datasetGroupArn"]
    assert arn == ARN + "dataset-group/" + "d" * 63


def test_create_dataset_group__name_against_pattern(clients):
    with pytest.raises(ClientError) as excinfo:
        clients.personalize.create_dataset_group(name="my films")
    assert _error(excinfo) == (
        "InvalidInputException",
        "1 validation error detected: Value 'my films' at 'name' failed to satisfy constraint: "
        f"Member must satisfy regular expression pattern: {NAME_PATTERN}", 400)


def test_create_dataset_group__three_errors_in_one_message(clients):
    with pytest.raises(ClientError) as excinfo:
        clients.personalize.create_dataset_group(name="-" + "g" * 63,
                                                 roleArn="arn:aws:iam::1:role/lab")
    code, message, _ = _error(excinfo)
    assert code == "InvalidInputException"
    assert message == (
        f"3 validation errors detected: Value '-{'g' * 63}' at 'name' failed to satisfy "
        "constraint: Member must have length less than or equal to 63; "
        f"Value '-{'g' * 63}' at 'name' failed to satisfy constraint: Member must satisfy "
        f"regular expression pattern: {NAME_PATTERN}; "
        "Value 'arn:aws:iam::1:role/lab' at 'roleArn' failed to satisfy constraint: Member must "
        r"satisfy regular expression pattern: arn:([a-z\d-]+):iam::\d{12}:role/?"
        r"[a-zA-Z_0-9+=,.@\-_/]+"
    )


def test_create_dataset_group__tag_key_in_a_list_of_structures(clients):
    with pytest.raises(ClientError) as excinfo:
        clients.personalize.create_dataset_group(
            name="g", tags=[{"tagKey": "team", "tagValue": "lab"},
                            {"tagKey": "k" * 129, "tagValue": "v"}])
    assert _error(excinfo) == (
        "InvalidInputException",
        f"1 validation error detected: Value '{'k' * 129}' at 'tags.2.member.tagKey' failed to "
        "satisfy constraint: Member must have length less than or equal to 128", 400)


def test_create_solution_version__name_longer_than_63(clients):
    arn = ARN + "solution/no-such-solution"
    with pytest.raises(ClientError) as excinfo:
        clients.personalize.create_solution_version(solutionArn=arn, name="v" * 64)
    # The limit is checked before the solution is looked up, as the service validates first.
    assert _error(excinfo)[:2] == (
        "InvalidInputException",
        f"1 validation error detected: Value '{'v' * 64}' at 'name' failed to satisfy "
        "constraint: Member must have length less than or equal to 63")


def test_list_dataset_groups__max_results_above_100(clients):
    with pytest.raises(ClientError) as excinfo:
        clients.personalize.list_dataset_groups(maxResults=101)
    assert _error(excinfo)[:2] == (
        "InvalidInputException",
        "1 validation error detected: Value '101' at 'maxResults' failed to satisfy "
        "constraint: Member must have value less than or equal to 100")


def test_create_dataset_import_job__local_path_accepted(clients, tmp_path):
    """Local paths and file:// are the engine's extension: the S3 pattern is not applied."""
    p = clients.personalize
    schema = p.create_schema(name="s", schema=json.dumps({
        "type": "record", "name": "Interactions", "namespace": "com.amazonaws.personalize.schema",
        "fields": [{"name": "USER_ID", "type": "string"}, {"name": "ITEM_ID", "type": "string"},
                   {"name": "TIMESTAMP", "type": "long"}], "version": "1.0"}))["schemaArn"]
    group = p.create_dataset_group(name="g")["datasetGroupArn"]
    dataset = p.create_dataset(name="d", schemaArn=schema, datasetGroupArn=group,
                               datasetType="INTERACTIONS")["datasetArn"]
    (tmp_path / "in.csv").write_text("USER_ID,ITEM_ID,TIMESTAMP\n1,2,1600000000\n")
    job = p.create_dataset_import_job(jobName="j", datasetArn=dataset,
                                      dataSource={"dataLocation": (tmp_path / "in.csv").as_uri()})
    assert job["datasetImportJobArn"] == ARN + "dataset-import-job/j"


# -- what a process that ended mid-creation leaves behind ---------------------------------------


def _left_in_progress(tmp_path, kind: str, arn: str, fields: dict) -> tuple:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    ended = subprocess.Popen(["true"])
    ended.wait()
    now = 1_700_000_000.0
    state = {"version": 1, "resources": {kind: {arn: {
        "name": arn.rsplit("/", 1)[-1], "arn": arn, "created": now, "updated": now,
        "status": "CREATE IN_PROGRESS", "worker_pid": ended.pid, **fields}}}}
    (workspace / "state.json").write_text(json.dumps(state))
    return personalize_clients("local", workspace=workspace).personalize, ended.pid


def test_describe_solution_version__left_in_progress_by_ended_process(tmp_path):
    arn = ARN + "solution/s/1"
    p, pid = _left_in_progress(tmp_path, "solution-version", arn,
                               {"solution_arn": ARN + "solution/s",
                                "settings": {"recipe_arn": "arn:aws:personalize:::recipe/aws-sims",
                                             "dataset_group_arn": ARN + "dataset-group/g"}})
    version = p.describe_solution_version(solutionVersionArn=arn)["solutionVersion"]
    assert version["status"] == "CREATE FAILED"
    assert version["failureReason"] == (
        f"The process (pid {pid}) that was creating this resource ended before it finished; "
        "create a new solution version (the service has no way to delete one).")


def test_describe_dataset_import_job__left_in_progress_by_ended_process(tmp_path):
    arn = ARN + "dataset-import-job/j"
    p, pid = _left_in_progress(tmp_path, "dataset-import-job", arn,
                               {"dataset_arn": ARN + "dataset/g/INTERACTIONS"})
    job = p.describe_dataset_import_job(datasetImportJobArn=arn)["datasetImportJob"]
    assert job["status"] == "CREATE FAILED"
    assert job["failureReason"] == (
        f"The process (pid {pid}) that was creating this resource ended before it finished; "
        "create a new dataset import job (the service has no way to delete one).")


# -- runtime, against real trained campaigns ----------------------------------------------------


def test_get_recommendations__user_id_longer_than_256(runtime, lab_campaigns):
    with pytest.raises(ClientError) as excinfo:
        runtime.get_recommendations(campaignArn=lab_campaigns.campaigns["recs"],
                                    userId="u" * 300)
    assert _error(excinfo) == (
        "InvalidInputException",
        f"1 validation error detected: Value '{'u' * 300}' at 'userId' failed to satisfy "
        "constraint: Member must have length less than or equal to 256", 400)


def test_get_recommendations__user_id_of_256_answered(runtime, lab_campaigns):
    response = runtime.get_recommendations(campaignArn=lab_campaigns.campaigns["recs"],
                                           userId="u" * 256, numResults=3)
    assert len(response["itemList"]) == 3  # an unknown user: answered, not refused


def test_get_recommendations__campaign_arn_against_pattern(runtime):
    with pytest.raises(ClientError) as excinfo:
        runtime.get_recommendations(campaignArn="campaign/lab-recs-campaign", userId="1")
    assert _error(excinfo) == (
        "InvalidInputException",
        "1 validation error detected: Value 'campaign/lab-recs-campaign' at 'campaignArn' "
        "failed to satisfy constraint: Member must satisfy regular expression pattern: "
        r"arn:([a-z\d-]+):personalize:.*:.*:.+", 400)


def test_get_recommendations__filter_value_longer_than_1000(runtime, lab_campaigns):
    with pytest.raises(ClientError) as excinfo:
        runtime.get_recommendations(campaignArn=lab_campaigns.campaigns["recs"], userId="1",
                                    filterArn=ARN + "filter/f", filterValues={"G": "x" * 1001})
    assert _error(excinfo) == (
        "InvalidInputException",
        f"1 validation error detected: Value '{{G={'x' * 1001}}}' at 'filterValues' failed to "
        "satisfy constraint: Map value must satisfy constraint: [Member must have length less "
        "than or equal to 1000]", 400)


def test_get_personalized_ranking__item_id_longer_than_256(runtime, lab_campaigns):
    with pytest.raises(ClientError) as excinfo:
        runtime.get_personalized_ranking(campaignArn=lab_campaigns.campaigns["rank"],
                                         userId="1", inputList=["x" * 300, "50"])
    assert _error(excinfo) == (
        "InvalidInputException",
        f"1 validation error detected: Value '[{'x' * 300}, 50]' at 'inputList' failed to "
        "satisfy constraint: Member must satisfy constraint: [Member must have length less "
        "than or equal to 256]", 400)


def test_get_personalized_ranking__repeated_item_answered_once(runtime, lab_campaigns):
    arn = lab_campaigns.campaigns["rank"]
    once = runtime.get_personalized_ranking(campaignArn=arn, userId="1",
                                            inputList=["50", "100", "181"])
    twice = runtime.get_personalized_ranking(campaignArn=arn, userId="1",
                                             inputList=["50", "50", "100", "181", "100"])
    assert sorted(e["itemId"] for e in once["personalizedRanking"]) == ["100", "181", "50"]
    # A ranking orders items: each id given comes back once, with the answer it gets alone,
    # so the scores still sum to 1 over what is returned.
    assert twice["personalizedRanking"] == once["personalizedRanking"]
    assert sum(e["score"] for e in twice["personalizedRanking"]) == pytest.approx(1.0)
