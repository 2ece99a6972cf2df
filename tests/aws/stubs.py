"""Helpers for the offline AWS tests (no pytest here: the notebook's kernel loads this file too).

- :func:`arn`: a Personalize ARN in the tests' fake account.
- :class:`PassThroughStubber`: botocore's ``Stubber`` that lets some operations through to the
  next handler (moto), so one client can be served by both.
- :func:`load_calls`: the expected calls of a JSON fixture, with ``${NAME}`` placeholders filled.
"""

from __future__ import annotations

import json
import re
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


def _fill(value: Any, values: dict[str, str]) -> Any:
    if isinstance(value, str):
        if value == "${ANY}":
            return ANY
        return _PLACEHOLDER.sub(lambda m: values[m.group(1)], value)
    if isinstance(value, list):
        return [_fill(v, values) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, values) for k, v in value.items()}
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
