"""The wire format between boto3 clients and the embedded backend.

:func:`attach` registers a handler on a client's ``before-call.personalize`` (or
``before-call.personalize-runtime``) event. botocore emits it after validating the parameters
and serializing the request, and stops at the first handler that returns
``(http_response, parsed)``: the request is never signed or sent, so no credentials or network
are needed and moto's ``mock_aws()`` (which stubs ``before-send``) is never consulted.

Before the backend sees a request, the handler checks the limits botocore does not (maximum
lengths and values, patterns; see :mod:`.constraints`) and refuses a violation as the service
does, with InvalidInputException.

The handler reads the request's camelCase JSON body, converts member names to snake_case by
walking the operation's input shape (map keys such as hyperparameter names or filter parameters
stay as given), calls the backend method named after the operation, converts the snake_case
result back into the output shape's camelCase JSON, and hands that body to botocore's own
response parser, so timestamps, types and ``ResponseMetadata`` are exactly what a real response
gives. Service errors travel the same way, as the service's error body and status.

Any other exception raised while answering (a bug in the engine), including botocore failing
to parse the answer, must not escape through boto3 as a bare ``KeyError`` or ``ValueError``: it
becomes the common AWS error ``InternalFailure`` (status 500) with a one-line message, and its
traceback goes to the ``videorecs_widgets`` log. Only
:class:`~videorecs_widgets.errors.InvalidParameterError` passes as it is: it says the workspace
folder itself is unusable, as it does when the clients are made.
"""

from __future__ import annotations

import inspect
import json
import logging
import uuid
from datetime import datetime
from typing import Any

from botocore import parsers, xform_name
from botocore.awsrequest import AWSResponse
from botocore.model import OperationModel, Shape

from videorecs_widgets.errors import InvalidParameterError
from videorecs_widgets.local.constraints import request_checker
from videorecs_widgets.local.exceptions import (
    InternalFailure,
    InvalidInputException,
    PersonalizeServiceError,
)

SERVICES = ("personalize", "personalize-runtime")
log = logging.getLogger(__name__)


class _Body:
    """The raw body of an AWSResponse (the part botocore reads via ``stream()``)."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any):
        yield self._data

    def read(self, *_: Any) -> bytes:
        return self._data


def to_snake(value: Any, shape: Shape | None) -> Any:
    """A request value with structure member names in snake_case (map keys unchanged)."""
    if shape is None or value is None:
        return value
    if shape.type_name == "structure":
        members = shape.members
        return {xform_name(k): to_snake(v, members.get(k)) for k, v in value.items()}
    if shape.type_name == "list":
        return [to_snake(v, shape.member) for v in value]
    if shape.type_name == "map":
        return {k: to_snake(v, shape.value) for k, v in value.items()}
    return value


# Keyed by id(); the entry keeps its shape alive, so the id cannot be reused by another.
_BY_SNAKE: dict[int, tuple[Shape, dict[str, tuple[str, Shape]]]] = {}


def _members_by_snake(shape: Shape) -> dict[str, tuple[str, Shape]]:
    """snake_case name -> (wire name, member shape), computed once per shape object."""
    entry = _BY_SNAKE.get(id(shape))
    if entry is None or entry[0] is not shape:
        mapping = {xform_name(name): (name, member) for name, member in shape.members.items()}
        entry = _BY_SNAKE[id(shape)] = (shape, mapping)
    return entry[1]


def to_wire(value: Any, shape: Shape) -> Any:
    """A backend result in the output shape's JSON: camelCase names, epoch-second timestamps.

    Members the backend set to ``None`` are left out, as the service leaves out unset members.
    """
    if shape.type_name == "structure":
        by_snake = _members_by_snake(shape)
        out = {}
        for key, item in value.items():
            if item is None:
                continue
            if key not in by_snake:
                raise KeyError(f"{key!r} is not a member of {shape.name}")
            name, member = by_snake[key]
            out[name] = to_wire(item, member)
        return out
    if shape.type_name == "list":
        return [to_wire(v, shape.member) for v in value]
    if shape.type_name == "map":
        return {k: to_wire(v, shape.value) for k, v in value.items()}
    if shape.type_name == "timestamp" and isinstance(value, datetime):
        return value.timestamp()
    return value


class EngineHandler:
    """The ``before-call`` handler answering a client's calls from a backend."""

    def __init__(self, backend: Any) -> None:
        self.backend = backend
        self._parsers: dict[str, Any] = {}
        self._parameters: dict[str, set[str]] = {}
        self._checkers: dict[str, Any] = {}  # operation name -> its compiled limits

    def _accepted(self, method: Any) -> set[str]:
        name = method.__name__
        if name not in self._parameters:
            self._parameters[name] = set(inspect.signature(method).parameters)
        return self._parameters[name]

    def _checker(self, model: OperationModel) -> Any:
        checker = self._checkers.get(model.name)
        if checker is None:
            checker = self._checkers[model.name] = request_checker(model)
        return checker

    def _parser(self, protocol: str) -> Any:
        if protocol not in self._parsers:
            self._parsers[protocol] = parsers.create_parser(protocol)
        return self._parsers[protocol]

    def __call__(self, model: OperationModel, params: dict, **_: Any) -> tuple[AWSResponse, dict]:
        service = model.service_model.service_id.hyphenize()
        request_id = str(uuid.uuid4())
        try:
            body = params.get("body") or b"{}"
            request = json.loads(body) if body else {}
            self._checker(model)(request)  # the limits botocore leaves to the service
            method = getattr(self.backend, xform_name(model.name), None)
            if method is None:
                raise InvalidInputException(
                    f"The operation {model.name} is not handled by the embedded engine."
                )
            arguments = to_snake(request, model.input_shape)
            unknown = sorted(set(arguments) - self._accepted(method))
            if unknown:  # a member newer than this engine: say so instead of a TypeError
                raise InvalidInputException(
                    f"{model.name}: the parameter(s) {', '.join(unknown)} are not handled by "
                    "the embedded engine."
                )
            result = method(**arguments)
            wire = to_wire(result or {}, model.output_shape) if model.output_shape else {}
            # Parsed here, inside the try: a value botocore cannot parse (a timestamp that is
            # no number) must become InternalFailure too, not a ValueError out of boto3.
            return self._respond(model, service, request_id, 200, wire)
        except InvalidParameterError:
            raise
        except Exception as exc:  # noqa: BLE001 - any failure must reach the caller as a ClientError
            error = (exc if isinstance(exc, PersonalizeServiceError)
                     else _internal_failure(model, exc))
            wire = {"__type": error.code, "message": error.message}
            return self._respond(model, service, request_id, error.status_for(service), wire,
                                 error.code)

    def _respond(self, model: OperationModel, service: str, request_id: str, status: int,
                 wire: dict, error_code: str | None = None) -> tuple[AWSResponse, dict]:
        """The HTTP response of ``wire`` (a result or an error body) and botocore's parse."""
        data = json.dumps(wire).encode("utf-8")
        headers = {"x-amzn-requestid": request_id}
        if error_code:
            headers["x-amzn-errortype"] = error_code
        headers["content-type"] = ("application/json" if service == "personalize-runtime"
                                   else "application/x-amz-json-1.1")
        headers["content-length"] = str(len(data))
        response = {"status_code": status, "headers": headers, "body": data}
        shape = model.output_shape if status < 300 else None
        parsed = self._parser(model.metadata["protocol"]).parse(response, shape)
        http = AWSResponse(f"local://videorecs/{service}/{model.name}", status, headers,
                           _Body(data))
        return http, parsed


def _internal_failure(model: OperationModel, exc: Exception) -> InternalFailure:
    log.error("The embedded engine failed on %s", model.name, exc_info=exc)
    return InternalFailure(
        f"The embedded engine failed on {model.name}: {type(exc).__name__}: {exc}. This is a "
        "bug in the engine; the traceback is in the 'videorecs_widgets' log."
    )


def attach(client: Any, backend: Any) -> Any:
    """Make ``client`` (a personalize or personalize-runtime client) call ``backend``."""
    service = client.meta.service_model.service_id.hyphenize()
    if service not in SERVICES:
        raise InvalidParameterError(
            f"A client for {service!r} cannot be served by the embedded engine (only {SERVICES})."
        )
    client.meta.events.register(f"before-call.{service}", EngineHandler(backend),
                                unique_id="videorecs-embedded-engine")
    return client
