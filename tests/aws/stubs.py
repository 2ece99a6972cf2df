"""Helpers for the offline AWS tests (no pytest here: the notebook's kernel loads this file too).

- :func:`arn`: a Personalize ARN in the tests' fake account.
- :class:`PassThroughStubber`: botocore's ``Stubber`` that lets some operations through to the
  next handler (moto), so one client can be served by both.
- :func:`load_calls`: the expected calls of a JSON fixture, with ``${NAME}`` placeholders filled.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from botocore.stub import ANY, Stubber

ACCOUNT = "123456789012"  # moto's default account, used by the stubbed answers too


def arn(region: str, kind: str, name: str) -> str:
    return f"arn:aws:personalize:{region}:{ACCOUNT}:{kind}/{name}"


class PassThroughStubber(Stubber):
    """A ``Stubber`` that answers every operation except ``passthrough`` ones, which go on to
    the next handler (moto's, inside ``mock_aws()``). It records every call it sees."""

    def __init__(self, client: Any, passthrough: set[str] | frozenset[str] = frozenset()) -> None:
        super().__init__(client)
        self.passthrough = set(passthrough)
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def _assert_expected_params(self, model, params, context, **kwargs):  # noqa: ANN001
        self.calls.append((model.name, dict(params)))
        if model.name in self.passthrough:
            return None
        return super()._assert_expected_params(model, params, context, **kwargs)

    def _get_response_handler(self, model, params, context, **kwargs):  # noqa: ANN001
        if model.name in self.passthrough:
            return None
        return super()._get_response_handler(model, params, context, **kwargs)


_PLACEHOLDER = re.compile(r"\$\{([A-Z_]+)\}")


def _fill(value: Any, values: dict[str, str], key: str = "") -> Any:
    if isinstance(value, str):
        if value == "${ANY}":
            return ANY
        if key.endswith("DateTime"):  # botocore parses timestamps into datetimes
            return datetime.fromisoformat(value)
        return _PLACEHOLDER.sub(lambda m: values[m.group(1)], value)
    if isinstance(value, list):
        return [_fill(v, values) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, values, k) for k, v in value.items()}
    return value


def load_calls(path: str | Path, values: dict[str, str]) -> list[dict[str, Any]]:
    """The fixture's ``calls``: ``client``, ``method``, ``expected_params`` and either
    ``response`` or ``error`` (``code``, ``message``, ``status``)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return [_fill(call, values) for call in data["calls"]]


def queue(stubbers: dict[str, Stubber], calls: list[dict[str, Any]]) -> None:
    """Queue ``calls`` on the stubber of each call's client, in order."""
    for call in calls:
        stubber = stubbers[call["client"]]
        if "error" in call:
            error = call["error"]
            stubber.add_client_error(call["method"], error["code"], error["message"],
                                     http_status_code=error.get("status", 400),
                                     expected_params=call.get("expected_params"))
        else:
            stubber.add_response(call["method"], call["response"], call.get("expected_params"))


# ---- inside the notebook's kernel ---------------------------------------------------------------

#: The Personalize operations moto implements; the Stubber lets them through to moto.
MOTO_PERSONALIZE = frozenset({"CreateSchema", "DescribeSchema", "ListSchemas", "DeleteSchema"})
REPORT_MARKER = "VIDEORECS-AWS-REPORT "


class NotebookStubs:
    """Started by the test's set-up cell, before the notebook's own first cell.

    Starts ``mock_aws()`` (S3, IAM, STS and Personalize schemas), then wraps
    ``personalize_clients`` so that the ``"aws"`` clients the notebook makes get a
    :class:`PassThroughStubber` each, loaded with ``calls``. :meth:`report` (the test's last
    cell) prints what the notebook left in S3 and IAM, every call, and what is still queued.
    """

    def __init__(self, calls: list[dict[str, Any]], region: str) -> None:
        from moto import mock_aws

        import videorecs_widgets
        import videorecs_widgets.clients as clients_module

        self.region = region
        self.calls = calls
        self.stubbers: dict[str, PassThroughStubber] = {}
        self.mock = mock_aws()
        self.mock.start()
        real = clients_module.personalize_clients

        def personalize_clients(backend: str = "local", **kwargs: Any) -> Any:
            pair = real(backend, **kwargs)
            if backend == "aws":
                self._attach(pair)
            return pair

        clients_module.personalize_clients = personalize_clients
        # the package resolves its public names lazily, from the module, on first use
        vars(videorecs_widgets).pop("personalize_clients", None)

    def _attach(self, pair: Any) -> None:
        if self.stubbers:
            raise AssertionError("the notebook made a second pair of AWS clients")
        self.stubbers = {
            "personalize": PassThroughStubber(pair.personalize, MOTO_PERSONALIZE),
            "runtime": PassThroughStubber(pair.runtime),
        }
        queue(self.stubbers, self.calls)
        for stubber in self.stubbers.values():
            stubber.activate()

    def report(self) -> None:
        import boto3

        s3 = boto3.client("s3", region_name=self.region)
        iam = boto3.client("iam", region_name=self.region)
        personalize_moto = boto3.client("personalize", region_name=self.region)
        buckets = [b["Name"] for b in s3.list_buckets()["Buckets"]]
        out: dict[str, Any] = {"buckets": buckets, "objects": {}}
        for bucket in buckets:
            out["bucket_region"] = s3.get_bucket_location(Bucket=bucket)["LocationConstraint"]
            out["bucket_policy"] = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
            for obj in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
                body = s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read()
                out["objects"][obj["Key"]] = {"size": len(body),
                                              "head": body[:200].decode("utf-8", "replace")}
        out["roles"] = {}
        for role in iam.list_roles()["Roles"]:
            name = role["RoleName"]
            policies = iam.list_role_policies(RoleName=name)["PolicyNames"]
            out["roles"][name] = {
                "arn": role["Arn"],
                "trust": role["AssumeRolePolicyDocument"],
                "inline": {p: iam.get_role_policy(RoleName=name, PolicyName=p)["PolicyDocument"]
                           for p in policies},
            }
        out["schemas"] = [s["name"] for s in personalize_moto.list_schemas()["schemas"]]
        out["calls"] = {client: [[name, params] for name, params in stubber.calls]
                        for client, stubber in self.stubbers.items()}
        out["pending"] = {client: len(stubber._queue) for client, stubber in self.stubbers.items()}
        for stubber in self.stubbers.values():
            stubber.assert_no_pending_responses()
        print(REPORT_MARKER + json.dumps(out, default=str))
        self.mock.stop()


def start_notebook_stubs(fixture: str, values: dict[str, str]) -> NotebookStubs:
    """What the set-up cell calls: the fixture's calls queued for the notebook's AWS clients."""
    return NotebookStubs(load_calls(fixture, values), values["REGION"])
