"""AWS clients: the regional endpoints, retries and timeouts they are made with, the per-region
cache behind clients_for_arn, and throttling retried through botocore's real retry handler.
No request leaves the process: a ``before-send`` handler answers in place of the service."""

from __future__ import annotations

import json
import socket

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import NoCredentialsError

from tests.aws.stubs import arn
from videorecs_widgets.clients import (
    AwsCredentialsError,
    backend_for_arn,
    clients_for_arn,
    personalize_clients,
    wait_until_active,
)
from videorecs_widgets.errors import InvalidParameterError, ResourceFailedError, VideorecsError


class _Body:
    """The raw body botocore reads from an HTTP response."""

    def __init__(self, payload: dict) -> None:
        self._data = json.dumps(payload).encode()

    def stream(self, **_kwargs):
        yield self._data


def _answer(status: int, payload: dict) -> AWSResponse:
    headers = {"Content-Type": "application/json"}
    if status >= 300:
        headers["x-amzn-ErrorType"] = payload["__type"]
    return AWSResponse("https://personalize-runtime.eu-west-1.amazonaws.com/recommendations",
                       status, headers, _Body(payload))


def test_aws_clients_are_regional_with_adaptive_retries_and_timeouts():
    session = boto3.session.Session(region_name="us-east-1")
    personalize, runtime = personalize_clients("aws", region="eu-west-1", session=session)
    assert personalize.meta.region_name == runtime.meta.region_name == "eu-west-1"
    assert personalize.meta.endpoint_url == "https://personalize.eu-west-1.amazonaws.com"
    assert runtime.meta.endpoint_url == "https://personalize-runtime.eu-west-1.amazonaws.com"
    control, answers = personalize.meta.config, runtime.meta.config
    assert control.retries == {"mode": "adaptive", "total_max_attempts": 10}
    assert answers.retries == {"mode": "adaptive", "total_max_attempts": 5}
    assert (control.connect_timeout, control.read_timeout) == (5, 60)
    assert (answers.connect_timeout, answers.read_timeout) == (5, 10)
    # without region=, the session's region
    assert personalize_clients("aws", session=session).personalize.meta.region_name == "us-east-1"


def test_aws_clients_without_credentials_say_how_to_set_them(monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")

    def no_network(*_args, **_kwargs):
        raise AssertionError("the credentials check opened a connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    with pytest.raises(AwsCredentialsError) as info:
        personalize_clients("aws", region="eu-west-1")
    assert str(info.value) == (
        "Creating Personalize clients for AWS failed: no AWS credentials were found. Set "
        "AWS_PROFILE to a profile of yours, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in "
        "the environment, or run `aws configure`; or use the embedded engine (backend "
        "'local'), which needs no account.")
    # the library's error, and botocore's, for code that already handles that one
    assert isinstance(info.value, VideorecsError) and isinstance(info.value, NoCredentialsError)
    with pytest.raises(AwsCredentialsError):
        clients_for_arn(arn("eu-west-1", "campaign", "recs"))
    # with credentials, the same call makes the clients
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    assert personalize_clients("aws", region="eu-west-1").personalize.meta.region_name == \
        "eu-west-1"


def test_clients_for_arn_picks_the_arn_region_and_reuses_its_clients():
    eu = clients_for_arn(arn("eu-west-1", "campaign", "recs"))
    assert eu is clients_for_arn(arn("eu-west-1", "recommender", "top-picks"))
    us = clients_for_arn(arn("us-west-2", "campaign", "recs"))
    assert us is not eu
    assert (eu.runtime.meta.region_name, us.runtime.meta.region_name) == ("eu-west-1",
                                                                         "us-west-2")
    assert backend_for_arn(arn("ap-southeast-2", "campaign", "x")) == "aws"
    assert backend_for_arn("arn:aws:personalize:local:000000000000:campaign/x") == "local"
    with pytest.raises(InvalidParameterError, match="is not a Personalize ARN"):
        clients_for_arn("arn:aws:s3:::bucket")


@pytest.fixture()
def no_waiting(monkeypatch):
    """No sleeping between attempts: which attempts are made is under test, not the backoff
    (botocore's exponential delay) or adaptive mode's client-side rate limit."""
    monkeypatch.setattr("botocore.retries.standard.ExponentialBackoff.delay_amount",
                        lambda _self, _context: 0.0)
    monkeypatch.setattr("botocore.retries.bucket.TokenBucket.acquire",
                        lambda _self, amount=1, block=True: True)


def test_throttled_calls_are_retried_until_they_succeed(no_waiting):
    # botocore's retry handler itself decides; the service is a before-send handler
    runtime = personalize_clients("aws", region="eu-west-1").runtime
    attempts = []

    def service(request, **_kwargs):
        attempts.append(request.url)
        if len(attempts) <= 2:
            return _answer(400, {"__type": "ThrottlingException", "message": "Rate exceeded"})
        return _answer(200, {"itemList": [{"itemId": "50", "score": 0.5}],
                             "recommendationId": "RID-1"})

    runtime.meta.events.register_first("before-send.personalize-runtime", service)
    response = runtime.get_recommendations(campaignArn=arn("eu-west-1", "campaign", "recs"),
                                           userId="196")
    assert len(attempts) == 3
    assert response["ResponseMetadata"]["RetryAttempts"] == 2
    assert response["itemList"] == [{"itemId": "50", "score": 0.5}]


def test_throttling_gives_up_after_five_runtime_attempts(no_waiting):
    runtime = personalize_clients("aws", region="eu-west-1").runtime
    attempts = []

    def service(request, **_kwargs):
        attempts.append(request.url)
        return _answer(400, {"__type": "ThrottlingException", "message": "Rate exceeded"})

    runtime.meta.events.register_first("before-send.personalize-runtime", service)
    with pytest.raises(runtime.exceptions.ClientError) as caught:
        runtime.get_recommendations(campaignArn=arn("eu-west-1", "campaign", "recs"),
                                    userId="196")
    assert caught.value.response["Error"]["Code"] == "ThrottlingException"
    assert len(attempts) == 5


def test_service_errors_that_retrying_cannot_fix_are_not_retried():
    runtime = personalize_clients("aws", region="eu-west-1").runtime
    attempts = []

    def service(request, **_kwargs):
        attempts.append(request.url)
        return _answer(404, {"__type": "ResourceNotFoundException",
                             "message": "Resource Arn x does not exist."})

    runtime.meta.events.register_first("before-send.personalize-runtime", service)
    with pytest.raises(runtime.exceptions.ResourceNotFoundException):
        runtime.get_recommendations(campaignArn=arn("eu-west-1", "campaign", "x"), userId="1")
    assert len(attempts) == 1


def test_no_region_anywhere_is_a_clear_error(monkeypatch):
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.delenv("AWS_REGION", raising=False)
    with pytest.raises(InvalidParameterError, match="no region"):
        personalize_clients("aws")


def test_waiting_on_an_aws_campaign_reports_each_status_until_active(aws_clients):
    aws = aws_clients("eu-west-1")
    campaign = arn("eu-west-1", "campaign", "lab-recs-campaign")
    version = arn("eu-west-1", "solution", "lab-recs/0a1b2c3d")
    for status in ("CREATE PENDING", "CREATE IN_PROGRESS", "ACTIVE"):
        aws.control.add_response("describe_campaign", {"campaign": {
            "campaignArn": campaign, "solutionVersionArn": version, "status": status}},
            {"campaignArn": campaign})
    seen = []
    described = wait_until_active(aws.personalize, campaign, poll=0.0,
                                  progress=lambda _arn, status, _s: seen.append(status))
    assert seen == ["CREATE PENDING", "CREATE IN_PROGRESS", "ACTIVE"]
    assert described["solutionVersionArn"] == version


def test_waiting_on_a_failed_import_job_raises_with_its_failure_reason(aws_clients):
    aws = aws_clients("eu-west-1")
    job = arn("eu-west-1", "dataset-import-job", "personalize-recs-import")
    reason = ("Insufficient privileges for accessing data in S3. Please look at "
              "https://docs.aws.amazon.com/personalize/latest/dg/getting-started.html")
    aws.control.add_response("describe_dataset_import_job", {"datasetImportJob": {
        "datasetImportJobArn": job, "status": "CREATE FAILED", "failureReason": reason}})
    with pytest.raises(ResourceFailedError, match="ended CREATE FAILED after") as caught:
        wait_until_active(aws.personalize, job, poll=0.0)
    assert reason in str(caught.value)


def test_aws_clients_with_a_missing_profile_name_it_and_the_fix(monkeypatch, tmp_path):
    monkeypatch.setenv("AWS_PROFILE", "nosuch")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    with pytest.raises(AwsCredentialsError) as info:
        personalize_clients("aws", region="eu-west-1")
    assert str(info.value) == (
        "Creating Personalize clients for AWS failed: the AWS profile 'nosuch' (set by "
        f"AWS_PROFILE) does not exist: it is not in the config file {str(tmp_path / 'config')!r} "
        f"or the credentials file {str(tmp_path / 'credentials')!r}. Create it with `aws "
        "configure --profile nosuch`, or unset AWS_PROFILE to use the default profile; or use "
        "the embedded engine (backend 'local'), which needs no account.")
    # botocore's error stays reachable for whoever debugs it, and callers that handle
    # NoCredentialsError (the results layer, the registry check) handle this one too
    assert type(info.value.__cause__).__name__ == "ProfileNotFound"
    assert isinstance(info.value, NoCredentialsError)


def test_aws_clients_with_a_malformed_config_file_name_the_file(monkeypatch, tmp_path):
    config = tmp_path / "config"
    config.write_text("[default\nregion = eu-west-1\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    with pytest.raises(AwsCredentialsError) as info:
        personalize_clients("aws", region="eu-west-1")
    assert str(info.value).startswith(
        f"Creating Personalize clients for AWS failed: the AWS configuration file {str(config)!r} "
        "could not be parsed. Fix it (sections such as [default] or [profile NAME]")


def test_aws_clients_with_an_invalid_region_name_say_so():
    with pytest.raises(InvalidParameterError) as info:
        personalize_clients("aws", region="eu west")
    assert str(info.value) == ("Creating Personalize clients for AWS failed: 'eu west' is not a "
                               "region name; pass one like 'us-east-1'.")
