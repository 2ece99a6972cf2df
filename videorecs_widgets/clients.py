"""Personalize clients for either backend, and waiting on a resource until it is ACTIVE.

``personalize_clients("local")`` gives ordinary boto3 ``personalize`` and
``personalize-runtime`` clients whose calls the embedded engine of a workspace folder answers
(see :mod:`videorecs_widgets.local.protocol`); ``personalize_clients("aws")`` gives the same
clients for Amazon Personalize. A model's ARN alone says which backend serves it: the
embedded engine's ARNs have the region ``local``
(``arn:aws:personalize:local:000000000000:campaign/NAME``), so :func:`clients_for_arn` picks
(and caches) the right pair for any ARN.
"""

from __future__ import annotations

import os
import re
import shlex
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, NamedTuple

import boto3
import botocore.session
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ConfigParseError,
    InvalidRegionError,
    NoCredentialsError,
    ProfileNotFound,
)

from videorecs_widgets.errors import (
    InvalidParameterError,
    ResourceFailedError,
    VideorecsError,
    WaitTimeoutError,
)

Backend = Literal["local", "aws"]
Progress = Callable[[str, str, float], None]

LOCAL_REGION = "local"
# Endpoint resolution needs a real region name; no request is ever sent there.
_LOCAL_ENDPOINT_REGION = "us-east-1"
_ARN = re.compile(r"^arn:(?P<partition>[^:]+):personalize:(?P<region>[^:]*):(?P<account>[^:]*):"
                  r"(?P<resource>.+)$")

# Throttling and transient errors back off and retry (adaptive mode also slows the client's own
# request rate). The control plane may retry longer: a notebook waiting an hour on training
# should not stop at one throttled describe. A runtime call is made for a panel, whose results
# layer gives up after 30 s: 5 attempts back off about 7 s on average (at most 15 s), so a
# throttled model still reaches the panel as "throttled", not as a timeout.
AWS_CONFIG = Config(
    retries={"mode": "adaptive", "total_max_attempts": 10},
    connect_timeout=5,
    read_timeout=60,
)
AWS_RUNTIME_CONFIG = Config(
    retries={"mode": "adaptive", "total_max_attempts": 5},
    connect_timeout=5,
    read_timeout=10,  # recommendations answer in well under a second when all is well
)


class AwsCredentialsError(VideorecsError, NoCredentialsError):
    """No usable AWS credentials for the ``"aws"`` backend: none were found, or the AWS
    profile or configuration they come from cannot be used (a profile that does not exist, a
    config file that cannot be parsed); the message says which, and how to fix it. Also a
    botocore ``NoCredentialsError``, so code that handles botocore's own (the results layer,
    the registry check) handles this one too. It lives here, not in
    :mod:`~videorecs_widgets.errors`, so that importing the errors does not import botocore."""

    def __init__(self, message: str) -> None:
        # BotoCoreError formats a class template from keyword arguments; this message is
        # already a sentence.
        Exception.__init__(self, message)
        self.kwargs: dict[str, Any] = {}

    def __reduce__(self) -> tuple[Any, ...]:
        return type(self), (str(self),)


_FAILED = "Creating Personalize clients for AWS failed"
_OR_LOCAL = "or use the embedded engine (backend 'local'), which needs no account."


def _require_credentials(session: boto3.session.Session) -> None:
    """Refuse a session without AWS credentials now, with the fix, instead of letting the first
    call fail with botocore's bare NoCredentialsError many frames deep.

    ``get_credentials()`` runs the lookup that creating a client runs anyway (environment,
    profile and config files, SSO, container or instance role) and the session keeps what it
    finds for the clients: no request is added, and none is sent to Personalize.
    """
    if session.get_credentials() is not None:
        return
    profile = session.profile_name
    where = f" (profile {profile!r})" if profile and profile != "default" else ""
    raise AwsCredentialsError(
        f"{_FAILED}: no AWS credentials were found{where}. "
        "Set AWS_PROFILE to a profile of yours, or AWS_ACCESS_KEY_ID and "
        f"AWS_SECRET_ACCESS_KEY in the environment, or run `aws configure`; {_OR_LOCAL}"
    )


def _setup_error(exc: BotoCoreError, session: boto3.session.Session | None) -> VideorecsError:
    """botocore's error from reading the AWS profile and config files, as the library's: a
    sentence naming what is wrong and the fix, not a traceback ending in ``ProfileNotFound``.

    botocore reads those files lazily, so the error can come from the region lookup, the
    credentials lookup or the client's creation; all of them are turned into this.
    """
    if isinstance(exc, InvalidRegionError):
        return InvalidParameterError(
            f"{_FAILED}: {exc.kwargs.get('region_name')!r} is not a region name; pass one "
            "like 'us-east-1'."
        )
    if isinstance(exc, ProfileNotFound):
        profile = str(exc.kwargs.get("profile"))
        if not profile:  # AWS_PROFILE= (set, but empty) names the profile ''
            return AwsCredentialsError(
                f"{_FAILED}: AWS_PROFILE is set but empty, and botocore looks for a profile "
                f"named ''; unset AWS_PROFILE, or set it to a profile of yours; {_OR_LOCAL}"
            )
        variable = next((v for v in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE")
                         if os.environ.get(v) == profile), None)
        files = (f"the config file {os.environ.get('AWS_CONFIG_FILE', '~/.aws/config')!r} or "
                 "the credentials file "
                 f"{os.environ.get('AWS_SHARED_CREDENTIALS_FILE', '~/.aws/credentials')!r}")
        source = f" (set by {variable})" if variable else ""
        instead = (f"unset {variable} to use the default profile" if variable
                   else "make the session with a profile that exists")
        return AwsCredentialsError(
            f"{_FAILED}: the AWS profile {profile!r}{source} does not exist: it is not in "
            f"{files}. Create it "
            f"with `aws configure --profile {shlex.quote(profile)}`, or {instead}; {_OR_LOCAL}"
        )
    if isinstance(exc, ConfigParseError):
        return AwsCredentialsError(
            f"{_FAILED}: the AWS configuration file {str(exc.kwargs.get('path'))!r} could not "
            "be parsed. Fix it (sections such as [default] or [profile NAME], then key = value "
            "lines), or point AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE to a good one; "
            f"{_OR_LOCAL}"
        )
    profile = getattr(session, "profile_name", None) if session is not None else None
    where = f" (profile {profile!r})" if profile and profile != "default" else ""
    text = str(exc).rstrip().rstrip(".")
    return AwsCredentialsError(
        f"{_FAILED}: the AWS credentials or configuration{where} could not be used: {text}. "
        "Check AWS_PROFILE and the AWS config and credentials files; "
        f"{_OR_LOCAL}"
    )


class PersonalizeClients(NamedTuple):
    """A ``personalize`` (control plane) and a ``personalize-runtime`` boto3 client."""

    personalize: Any
    runtime: Any


_lock = threading.Lock()
_local_botocore: botocore.session.Session | None = None
_cache: dict[tuple[str, str | None, Path | None], PersonalizeClients] = {}


def _local_session() -> boto3.session.Session:
    """A session with dummy static credentials: never sent anywhere, so never real."""
    global _local_botocore
    if _local_botocore is None:
        # One botocore session keeps the loaded service models, so new clients come quickly.
        # It ignores AWS_PROFILE and the user's config files: a missing profile or a broken
        # ~/.aws/config must not stop the embedded engine, which never needs them.
        _local_botocore = botocore.session.Session(session_vars={
            "profile": (None, None, None, None),
            "config_file": (None, None, os.devnull, None),
            "credentials_file": (None, None, os.devnull, None),
        })
    return boto3.session.Session(
        aws_access_key_id="local",
        aws_secret_access_key="local",
        region_name=_LOCAL_ENDPOINT_REGION,
        botocore_session=_local_botocore,
    )


def personalize_clients(
    backend: Backend = "local",
    *,
    workspace: str | os.PathLike[str] | None = None,
    region: str | None = None,
    session: boto3.session.Session | None = None,
) -> PersonalizeClients:
    """New ``personalize`` and ``personalize-runtime`` clients for ``backend``.

    ``"local"``: the embedded engine of ``workspace`` (default: $VIDEORECS_WORKSPACE, else
    ``.videorecs`` in the current folder, created by the engine's first write, so clients that
    only read leave no folder behind; InvalidParameterError names it when it cannot be
    written to); no credentials or network are used. ``"aws"``: Amazon
    Personalize in ``region`` (default: the session's), with adaptive retries and timeouts
    (:data:`AWS_CONFIG` for the control plane, :data:`AWS_RUNTIME_CONFIG` for the runtime);
    :class:`AwsCredentialsError` says how to set credentials when the session has none, or
    names the profile or config file that cannot be used (a missing ``AWS_PROFILE``, a file that
    cannot be parsed) and the fix.
    ``session`` is a boto3 session to create the clients from.
    """
    if backend == "local":
        from videorecs_widgets.local.backend import backend_for
        from videorecs_widgets.local.protocol import attach
        from videorecs_widgets.local.store import resolve_workspace

        engine = backend_for(_usable_workspace(resolve_workspace(workspace)))
        config = Config(signature_version=UNSIGNED, retries={"total_max_attempts": 1})
        with _lock:
            boto = session or _local_session()
            endpoint_region = region if region and region != LOCAL_REGION else None
            clients = [
                boto.client(service, region_name=endpoint_region or _LOCAL_ENDPOINT_REGION,
                            config=config)
                for service in ("personalize", "personalize-runtime")
            ]
        return PersonalizeClients(*(attach(client, engine) for client in clients))
    if backend == "aws":
        boto = session
        try:
            boto = boto or boto3.session.Session()
            if not (region or boto.region_name):
                raise InvalidParameterError(
                    f"{_FAILED}: no region was given and none is configured; pass "
                    "region='us-east-1' (for example), or set AWS_DEFAULT_REGION or a region "
                    "in the AWS profile."
                )
            _require_credentials(boto)
            with _lock:
                return PersonalizeClients(
                    boto.client("personalize", region_name=region, config=AWS_CONFIG),
                    boto.client("personalize-runtime", region_name=region,
                                config=AWS_RUNTIME_CONFIG),
                )
        except BotoCoreError as exc:
            if isinstance(exc, VideorecsError):
                raise  # AwsCredentialsError: already the library's sentence
            raise _setup_error(exc, boto) from exc
    raise InvalidParameterError(
        f"Creating Personalize clients for backend {backend!r} failed: use 'local' (the "
        "embedded engine) or 'aws'."
    )


def _usable_workspace(root: Path) -> Path:
    """``root``, refused now (naming it) when the engine could not write there, not inside the
    first call; a workspace that does not exist yet is left to the engine's first write to
    create, so a check or a panel that only asks about models creates no empty folder."""
    from videorecs_widgets.local.store import check_workspace

    if not root.exists():
        parent = next((p for p in root.parents if p.exists()), None)
        if parent is not None and parent.is_dir() and os.access(parent, os.W_OK | os.X_OK):
            return root
    # Exists (checked as is), or cannot be made: check_workspace says why, creating nothing.
    return check_workspace(root)


def _parse_arn(arn: str) -> re.Match[str]:
    match = _ARN.match(arn or "")
    if match is None:
        raise InvalidParameterError(
            f"{arn!r} is not a Personalize ARN (arn:aws:personalize:REGION:ACCOUNT:KIND/NAME)."
        )
    return match


def backend_for_arn(arn: str) -> Backend:
    """``"local"`` for the embedded engine's ARNs (region ``local``), else ``"aws"``."""
    return "local" if _parse_arn(arn)["region"] == LOCAL_REGION else "aws"


def clients_for_arn(
    arn: str, *, workspace: str | os.PathLike[str] | None = None
) -> PersonalizeClients:
    """The clients serving ``arn``, created once per (backend, region, workspace) and reused."""
    backend = backend_for_arn(arn)
    if backend == "local":
        from videorecs_widgets.local.store import resolve_workspace

        key: tuple[str, str | None, Path | None] = ("local", None, resolve_workspace(workspace))
    else:
        key = ("aws", _parse_arn(arn)["region"] or None, None)
    clients = _cache.get(key)
    if clients is None:
        clients = personalize_clients(backend, workspace=workspace, region=key[1])
        clients = _cache.setdefault(key, clients)
    return clients


# How to describe each kind of resource: (operation, ARN parameter, response key).
_DESCRIBE = {
    "dataset-group": ("describe_dataset_group", "datasetGroupArn", "datasetGroup"),
    "dataset": ("describe_dataset", "datasetArn", "dataset"),
    "dataset-import-job": ("describe_dataset_import_job", "datasetImportJobArn",
                           "datasetImportJob"),
    "solution": ("describe_solution", "solutionArn", "solution"),
    "solution-version": ("describe_solution_version", "solutionVersionArn", "solutionVersion"),
    "campaign": ("describe_campaign", "campaignArn", "campaign"),
    "filter": ("describe_filter", "filterArn", "filter"),
    "recommender": ("describe_recommender", "recommenderArn", "recommender"),
    "event-tracker": ("describe_event_tracker", "eventTrackerArn", "eventTracker"),
    "batch-inference-job": ("describe_batch_inference_job", "batchInferenceJobArn",
                            "batchInferenceJob"),
}


def resource_kind(arn: str) -> str:
    """The kind of resource an ARN names (``solution-version`` for ``solution/NAME/ID``)."""
    kind, _, rest = _parse_arn(arn)["resource"].partition("/")
    if kind == "solution" and "/" in rest:
        return "solution-version"
    return kind


def wait_until_active(
    client: Any,
    arn: str,
    *,
    timeout: float = 3600.0,
    poll: float | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Describe ``arn`` until it is ACTIVE and return that description (the inner dict).

    Works for dataset groups, datasets, import jobs, solutions, solution versions, campaigns
    and filters (and recommenders, event trackers, batch inference jobs on AWS).
    ``progress(arn, status, elapsed_seconds)`` is called after every describe. Polls every
    ``poll`` seconds (default: 0.05 s growing to 1 s for the embedded engine, 15 s for AWS).
    Raises :class:`ResourceFailedError` with the failureReason when the resource ends
    ``CREATE FAILED`` (or is being deleted), :class:`WaitTimeoutError` after ``timeout``.
    """
    kind = resource_kind(arn)
    if kind not in _DESCRIBE:
        raise InvalidParameterError(
            f"Waiting on {arn!r} is not possible: a {kind!r} has no status to wait for "
            f"(kinds with one: {', '.join(sorted(_DESCRIBE))})."
        )
    operation, parameter, key = _DESCRIBE[kind]
    local = backend_for_arn(arn) == "local"
    interval = poll if poll is not None else (0.05 if local else 15.0)
    started = time.monotonic()
    while True:
        resource = getattr(client, operation)(**{parameter: arn})[key]
        status = resource.get("status", "ACTIVE")
        elapsed = time.monotonic() - started
        if progress is not None:
            progress(arn, status, elapsed)
        if status == "ACTIVE":
            return resource
        if status.endswith("FAILED") or status.startswith("DELETE"):
            reason = resource.get("failureReason") or "no reason given"
            raise ResourceFailedError(
                f"The {kind} {arn} ended {status} after {elapsed:.1f} s: {reason}"
            )
        if elapsed >= timeout:
            raise WaitTimeoutError(
                f"The {kind} {arn} was still {status} after {elapsed:.0f} s (timeout "
                f"{timeout:g} s); wait longer or check it in the console."
            )
        time.sleep(min(interval, max(timeout - elapsed, 0.0)))
        if local and poll is None:
            interval = min(interval * 1.5, 1.0)
