"""The wire layer and the clients: real boto3 clients answered by the engine, with no
credentials or network, also inside moto's mock_aws(); clients per ARN; waiting with progress."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from botocore.exceptions import ClientError
from botocore.validate import ParamValidator
from moto import mock_aws

from videorecs_widgets.clients import (
    backend_for_arn,
    clients_for_arn,
    personalize_clients,
    resource_kind,
    wait_until_active,
)
from videorecs_widgets.errors import InvalidParameterError, WaitTimeoutError
from videorecs_widgets.local.protocol import attach, to_snake, to_wire

ARN = "arn:aws:personalize:local:000000000000:"


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a socket fails the test."""
    def refuse(*args, **kwargs):
        raise AssertionError(f"network use: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_describe_dataset_group__no_credentials_no_network(tmp_path, monkeypatch, no_network):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                 "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    p = personalize_clients("local", workspace=tmp_path / "ws").personalize
    arn = p.create_dataset_group(name="offline")["datasetGroupArn"]
    response = p.describe_dataset_group(datasetGroupArn=arn)
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert response["datasetGroup"]["name"] == "offline"


def test_list_dataset_groups__ignores_missing_profile_and_broken_config(tmp_path, monkeypatch):
    config = tmp_path / "config"
    config.write_text("[broken\n")
    monkeypatch.setenv("AWS_PROFILE", "no-such-profile")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    # A new process, so that no botocore session made before the variables were set is reused.
    script = ("from videorecs_widgets.clients import personalize_clients\n"
              "p = personalize_clients('local', workspace='ws').personalize\n"
              "print(p.list_dataset_groups()['datasetGroups'])\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120, check=False,
                          env=dict(os.environ, PYTHONPATH=str(Path(__file__).parents[2])))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_describe_dataset_group__round_trips_through_service_model(tmp_path):
    p = personalize_clients("local", workspace=tmp_path / "ws").personalize
    arn = p.create_dataset_group(name="g", roleArn="arn:aws:iam::000000000000:role/r",
                                 )["datasetGroupArn"]
    response = p.describe_dataset_group(datasetGroupArn=arn)
    shape = p.meta.service_model.operation_model("DescribeDatasetGroup").output_shape
    body = {k: v for k, v in response.items() if k != "ResponseMetadata"}
    report = ParamValidator().validate(body, shape)
    assert not report.has_errors(), report.generate_report()
    group = response["datasetGroup"]
    assert group["creationDateTime"].tzinfo is not None  # a datetime, as botocore parses it
    assert group["roleArn"] == "arn:aws:iam::000000000000:role/r"
    assert "failureReason" not in group and "kmsKeyArn" not in group


def test_create_dataset_group__inside_mock_aws(tmp_path):
    with mock_aws():
        p, runtime = personalize_clients("local", workspace=tmp_path / "ws")
        arn = p.create_dataset_group(name="mocked")["datasetGroupArn"]
        assert p.describe_dataset_group(datasetGroupArn=arn)["datasetGroup"]["status"] == "ACTIVE"
        with pytest.raises(ClientError) as excinfo:
            runtime.get_recommendations(campaignArn=ARN + "campaign/none", userId="1")
        assert excinfo.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_get_recommendations__not_found_is_404_on_runtime(tmp_path):
    runtime = personalize_clients("local", workspace=tmp_path / "ws").runtime
    with pytest.raises(runtime.exceptions.ResourceNotFoundException) as excinfo:
        runtime.get_recommendations(campaignArn=ARN + "campaign/none", userId="1")
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert excinfo.value.response["Error"]["Message"] == (
        f"Resource Arn {ARN}campaign/none does not exist.")


def test_get_recommendations__recommender_not_handled(tmp_path):
    runtime = personalize_clients("local", workspace=tmp_path / "ws").runtime
    with pytest.raises(runtime.exceptions.InvalidInputException, match="Recommenders"):
        runtime.get_recommendations(recommenderArn=ARN + "recommender/r", userId="1")


def test_to_snake__keeps_map_keys(tmp_path):
    p = personalize_clients("local", workspace=tmp_path / "ws").personalize
    shape = p.meta.service_model.operation_model("CreateSolution").input_shape
    request = {"name": "s", "performAutoTraining": False,
               "solutionConfig": {"algorithmHyperParameters": {"hidden_dimension": "100"},
                                  "eventValueThreshold": "4"}}
    assert to_snake(request, shape) == {
        "name": "s", "perform_auto_training": False,
        "solution_config": {"algorithm_hyper_parameters": {"hidden_dimension": "100"},
                            "event_value_threshold": "4"}}
    out = p.meta.service_model.operation_model("DescribeSolution").output_shape
    wire = to_wire({"solution": {"solution_config": {"algorithm_hyper_parameters": {"a_b": "1"}},
                                 "perform_hpo": False, "failure_reason": None}}, out)
    assert wire == {"solution": {"solutionConfig": {"algorithmHyperParameters": {"a_b": "1"}},
                                 "performHPO": False}}


def test_backend_for_arn__local_and_aws():
    assert backend_for_arn(ARN + "campaign/x") == "local"
    assert backend_for_arn("arn:aws:personalize:eu-west-1:123456789012:campaign/x") == "aws"
    with pytest.raises(InvalidParameterError, match="'campaign/x' is not a Personalize ARN"):
        backend_for_arn("campaign/x")


def test_resource_kind__solution_version():
    assert resource_kind(ARN + "solution/s") == "solution"
    assert resource_kind(ARN + "solution/s/abcd1234") == "solution-version"
    assert resource_kind(ARN + "dataset/g/INTERACTIONS") == "dataset"


def test_clients_for_arn__cached_per_workspace(tmp_path):
    first = clients_for_arn(ARN + "campaign/a", workspace=tmp_path / "one")
    assert clients_for_arn(ARN + "campaign/b", workspace=tmp_path / "one") is first
    other = clients_for_arn(ARN + "campaign/a", workspace=tmp_path / "two")
    assert other is not first
    first.personalize.create_dataset_group(name="only-in-one")
    assert other.personalize.list_dataset_groups()["datasetGroups"] == []
    # A new client on the same workspace shares the process's engine.
    again = personalize_clients("local", workspace=tmp_path / "one").personalize
    assert [g["name"] for g in again.list_dataset_groups()["datasetGroups"]] == ["only-in-one"]


def test_clients_for_arn__aws_region(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    pair = clients_for_arn("arn:aws:personalize:eu-west-1:123456789012:campaign/x")
    assert pair.personalize.meta.region_name == "eu-west-1"
    assert pair.runtime.meta.service_model.service_name == "personalize-runtime"
    assert pair.runtime.meta.config.retries["mode"] == "adaptive"


def test_personalize_clients__unknown_backend():
    with pytest.raises(InvalidParameterError, match="backend 'gcp' failed: use 'local'"):
        personalize_clients("gcp")  # type: ignore[arg-type]


def test_wait_until_active__reports_progress(tmp_path):
    p = personalize_clients("local", workspace=tmp_path / "ws").personalize
    arn = p.create_dataset_group(name="g")["datasetGroupArn"]
    seen = []
    group = wait_until_active(p, arn, progress=lambda *args: seen.append(args))
    assert group["datasetGroupArn"] == arn
    assert [(a, s) for a, s, _ in seen] == [(arn, "ACTIVE")]
    assert 0 <= seen[0][2] < 5


def test_wait_until_active__timeout(tmp_path):
    workspace = tmp_path / "ws"
    workspace.mkdir()
    # A campaign this (live) process is still deploying, as a kernel would leave it mid-way.
    state = {"version": 1, "resources": {"campaign": {ARN + "campaign/slow": {
        "name": "slow", "arn": ARN + "campaign/slow", "created": 1.7e9, "updated": 1.7e9,
        "status": "CREATE IN_PROGRESS", "worker_pid": os.getpid(),
        "solution_version_arn": ARN + "solution/s/1"}}}}
    (workspace / "state.json").write_text(json.dumps(state))
    p = personalize_clients("local", workspace=workspace).personalize
    statuses = []
    with pytest.raises(WaitTimeoutError, match=r"campaign .*campaign/slow was still CREATE "
                                               r"IN_PROGRESS after \d+ s \(timeout 0.5 s\)"):
        wait_until_active(p, ARN + "campaign/slow", timeout=0.5, poll=0.05,
                          progress=lambda arn, status, elapsed: statuses.append(status))
    assert len(statuses) >= 2 and set(statuses) == {"CREATE IN_PROGRESS"}


def test_wait_until_active__schema_has_no_status(tmp_path):
    p = personalize_clients("local", workspace=tmp_path / "ws").personalize
    with pytest.raises(InvalidParameterError, match="a 'schema' has no status to wait for"):
        wait_until_active(p, ARN + "schema/s")


def test_describe_dataset_group__parameter_newer_than_engine(tmp_path):
    class OlderBackend:
        """A backend written before DescribeDatasetGroup had its datasetGroupArn member."""

        def describe_dataset_group(self) -> dict:
            raise AssertionError("must not be called")

    p = personalize_clients("local", workspace=tmp_path / "ws").personalize
    p.meta.events.unregister("before-call.personalize", unique_id="videorecs-embedded-engine")
    attach(p, OlderBackend())
    with pytest.raises(ClientError) as excinfo:
        p.describe_dataset_group(datasetGroupArn=ARN + "dataset-group/g")
    assert excinfo.value.response["Error"] == {
        "Code": "InvalidInputException",
        "Message": "DescribeDatasetGroup: the parameter(s) dataset_group_arn are not handled by "
                   "the embedded engine."}


def test_describe_dataset_group__unexpected_error_is_internal_failure(tmp_path, monkeypatch,
                                                                      caplog):
    from videorecs_widgets.local.resources import DatasetGroup

    p = personalize_clients("local", workspace=tmp_path / "ws").personalize
    arn = p.create_dataset_group(name="g")["datasetGroupArn"]

    def broken(self, full=True):
        raise KeyError("GENRES")

    monkeypatch.setattr(DatasetGroup, "to_dict", broken)
    with caplog.at_level("ERROR", logger="videorecs_widgets"), pytest.raises(
            ClientError) as excinfo:
        p.describe_dataset_group(datasetGroupArn=arn)
    error = excinfo.value.response["Error"]
    assert (error["Code"], error["Message"]) == (
        "InternalFailure",
        "The embedded engine failed on DescribeDatasetGroup: KeyError: 'GENRES'. This is a bug "
        "in the engine; the traceback is in the 'videorecs_widgets' log.")
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    (record,) = [r for r in caplog.records if r.name.startswith("videorecs_widgets")]
    assert record.getMessage() == "The embedded engine failed on DescribeDatasetGroup"
    assert record.exc_info[0] is KeyError


def test_get_recommendations__unexpected_error_is_internal_failure_on_runtime(tmp_path,
                                                                              monkeypatch):
    from videorecs_widgets.local.runtime import RuntimeOperations

    def broken(self, campaign_arn, recommender_arn):
        raise TypeError("unsupported operand")

    monkeypatch.setattr(RuntimeOperations, "_serving", broken)
    runtime = personalize_clients("local", workspace=tmp_path / "ws").runtime
    with pytest.raises(ClientError) as excinfo:
        runtime.get_recommendations(campaignArn=ARN + "campaign/c", userId="1")
    error = excinfo.value.response["Error"]
    assert error["Code"] == "InternalFailure"
    assert error["Message"].startswith(
        "The embedded engine failed on GetRecommendations: TypeError: unsupported operand.")
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500


def test_describe_dataset_group__answer_botocore_cannot_parse_is_internal_failure(tmp_path,
                                                                                  monkeypatch):
    from videorecs_widgets.local.resources import DatasetGroup

    p = personalize_clients("local", workspace=tmp_path / "ws").personalize
    arn = p.create_dataset_group(name="g")["datasetGroupArn"]
    described = DatasetGroup.to_dict

    def bad_timestamp(self, full=True):
        return described(self, full) | {"creation_date_time": "yesterday"}

    monkeypatch.setattr(DatasetGroup, "to_dict", bad_timestamp)
    with pytest.raises(ClientError) as excinfo:
        p.describe_dataset_group(datasetGroupArn=arn)
    error = excinfo.value.response["Error"]
    assert error["Code"] == "InternalFailure"
    assert error["Message"].startswith("The embedded engine failed on DescribeDatasetGroup: "
                                       "ValueError: Invalid timestamp")
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
