"""Check registered models against the service that serves them (AWS or the embedded engine).

For a campaign: ``describe_campaign`` -> ``campaign.solutionVersionArn`` ->
``describe_solution_version`` -> ``solutionVersion.recipeArn``; for a recommender:
``describe_recommender`` -> ``recommender.recipeArn``. The recipe says which query the model
answers (:func:`~videorecs_widgets.model_spec.recipe_model_type`), which is compared with the
type declared in the registry: a SIMS campaign declared as ``personal-ranking`` is reported with
the type it should have, ``similar-items``.

Statuses (:attr:`ModelCheck.status`), decided by the service's error *code*, never the HTTP
status:

==================  ==================================================================
``ACTIVE``          the campaign / recommender is ACTIVE
``NOT_ACTIVE``      it exists but is not ACTIVE yet (or failed): see ``service_status``
                    (``CREATE IN_PROGRESS``, ``CREATE FAILED``, ...) and ``failure_reason``
``NOT_FOUND``       ``ResourceNotFoundException``
``ACCESS_DENIED``   ``AccessDeniedException`` and the other credential / permission codes,
                    or no credentials at all
``REGION_MISMATCH`` the client's region is not the ARN's (nothing was asked)
``ERROR``           anything else (connection, invalid ARN, throttling ...): see ``message``
==================  ==================================================================
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore import UNSIGNED
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from videorecs_widgets.errors import InvalidParameterError
from videorecs_widgets.model_spec import ModelSpec, recipe_model_type

ACTIVE = "ACTIVE"
NOT_ACTIVE = "NOT_ACTIVE"
NOT_FOUND = "NOT_FOUND"
ACCESS_DENIED = "ACCESS_DENIED"
REGION_MISMATCH = "REGION_MISMATCH"
ERROR = "ERROR"
CHECK_STATUSES: tuple[str, ...] = (
    ACTIVE, NOT_ACTIVE, NOT_FOUND, ACCESS_DENIED, REGION_MISMATCH, ERROR,
)

_DENIED_CODES = {
    "AccessDeniedException", "AccessDenied", "UnrecognizedClientException",
    "InvalidClientTokenId", "InvalidSignatureException", "SignatureDoesNotMatch",
    "ExpiredTokenException", "ExpiredToken", "NotAuthorized", "MissingAuthenticationToken",
}


@dataclass(frozen=True)
class ModelCheck:
    """What the service says about one registered model."""

    name: str
    arn: str
    declared_type: str
    status: str  # one of CHECK_STATUSES
    recipe: str | None  # the recipe ARN, when the service told it
    fits: bool  # the recipe is known and answers the declared type
    expected_type: str | None  # the type the recipe answers (None: unknown or none of the three)
    message: str  # one or two sentences for people
    service_status: str | None = None  # the resource's own status string
    failure_reason: str | None = None

    @property
    def ok(self) -> bool:
        """ACTIVE and of the right type: the panels can use it."""
        return self.status == ACTIVE and self.fits

    @property
    def recipe_name(self) -> str | None:
        """The recipe's short name (``aws-sims``)."""
        return self.recipe.rsplit("/", 1)[-1] if self.recipe else None


def check_models(specs: Iterable[ModelSpec], clients: Any = None, *,
                 workspace: str | os.PathLike[str] | None = None) -> list[ModelCheck]:
    """:func:`check_model` for each spec, sharing clients between models of one backend.

    Without ``clients``, local models are asked of the embedded engine in ``workspace``
    (default: the engine's own default); a workspace folder that does not exist is reported for
    each local model instead of being created by the check. Clients that cannot be made (no
    AWS credentials, a missing AWS profile) are reported for each model they would serve, as
    :func:`check_model` reports them; the other models are checked all the same.
    """
    cache: dict[tuple[str, str], Any] = {}

    def clients_for(spec: ModelSpec) -> Any:
        if clients is not None:
            return clients
        key = (spec.backend, spec.region)
        if key not in cache:
            # A failure is kept too: one credentials lookup per region, not one per model.
            try:
                made: Any = _default_clients(spec.arn, workspace)
            except (BotoCoreError, InvalidParameterError) as exc:
                made = _Unavailable(exc)
            cache[key] = made
        return cache[key]

    missing = _missing_workspace(clients, workspace)
    return [
        _no_workspace(spec, missing) if missing is not None and spec.backend == "local"
        else check_model(spec, clients_for(spec))
        for spec in specs
    ]


@dataclass(frozen=True)
class _Unavailable:
    """Clients that could not be made, standing in for them: asked for its personalize
    client, it raises the error again, so :func:`check_model` reports it for each model."""

    error: BaseException

    @property
    def personalize(self) -> Any:
        raise self.error.with_traceback(None)  # not one more traceback per model


def _missing_workspace(clients: Any, workspace: str | os.PathLike[str] | None) -> Path | None:
    """The workspace local ARNs would be asked in when it does not exist, else ``None``.

    Only when the clients are ours to choose: given clients belong to their own workspace.
    """
    if clients is None and workspace is not None and not Path(workspace).is_dir():
        return Path(workspace)
    return None


def _no_workspace(spec: ModelSpec, workspace: Path) -> ModelCheck:
    return _result(
        spec, NOT_FOUND,
        f"The {spec.resource_type} {spec.resource_name!r} of model {spec.name!r} cannot exist: "
        f"there is no embedded-engine workspace at {str(workspace)!r}. Build the models first "
        "(the lab notebooks, or videorecs_widgets.lab.build_lab_models), or point to the workspace "
        "that holds them.",
    )


def check_model(spec: ModelSpec, clients: Any = None, *,
                workspace: str | os.PathLike[str] | None = None) -> ModelCheck:
    """Ask the service about ``spec``: status, recipe, and whether the recipe fits its type.

    ``clients`` is ``None`` (clients chosen by the ARN, see
    :func:`videorecs_widgets.clients.clients_for_arn`; a local ARN is asked in ``workspace``,
    default the engine's own, and a workspace folder that does not exist is reported, not
    created), a callable taking the ARN and returning clients, an object with a
    ``.personalize`` client (the clients NamedTuple), or a ``personalize`` boto3 client. Never
    raises for what the service answers.
    """
    missing = _missing_workspace(clients, workspace)
    if missing is not None and spec.backend == "local":
        return _no_workspace(spec, missing)
    label = f"{spec.resource_type} {spec.resource_name!r}"
    try:
        personalize = _personalize_client(spec, clients, workspace)
    except NoCredentialsError as exc:
        return _result(spec, ACCESS_DENIED, f"Could not ask about {label}: {_sentence(exc)}")
    except (BotoCoreError, InvalidParameterError) as exc:
        return _result(spec, ERROR, f"Could not make a client for {label}: {_sentence(exc)}")

    if mismatch := _region_mismatch(spec, personalize):
        return _result(spec, REGION_MISMATCH, mismatch)

    try:
        if spec.resource_type == "recommender":
            resource = personalize.describe_recommender(recommenderArn=spec.arn)["recommender"]
            recipe = resource.get("recipeArn")
            recipe_note = ""
        else:
            resource = personalize.describe_campaign(campaignArn=spec.arn)["campaign"]
            recipe, recipe_note = _campaign_recipe(personalize, resource)
    except ClientError as exc:
        return _from_client_error(spec, label, exc)
    except NoCredentialsError as exc:
        return _result(spec, ACCESS_DENIED, f"Could not ask about {label}: {_sentence(exc)}")
    except BotoCoreError as exc:
        return _result(spec, ERROR, f"Could not ask about {label}: {_sentence(exc)}")

    service_status = resource.get("status")
    failure = resource.get("failureReason")
    expected = recipe_model_type(recipe)
    fits = expected is not None and expected == spec.type
    status = ACTIVE if service_status == "ACTIVE" else NOT_ACTIVE

    sentences = []
    if status == ACTIVE:
        sentences.append(f"The {label} is ACTIVE.")
    else:
        reason = f" ({failure})" if failure else ""
        sentences.append(f"The {label} is {service_status}{reason}, not ACTIVE yet.")
    recipe_name = recipe.rsplit("/", 1)[-1] if recipe else None
    if recipe is None:
        sentences.append(f"Its recipe is unknown{recipe_note}, so its type could not be checked.")
    elif fits:
        sentences.append(f"Its recipe {recipe_name} fits the type {spec.type!r}.")
    elif expected is None:
        sentences.append(
            f"Its recipe {recipe_name} answers none of the panels' queries "
            "(recommendations, personal-ranking, similar-items)."
        )
    else:
        sentences.append(
            f"Model {spec.name!r} is declared as {spec.type!r}, but its recipe {recipe_name} "
            f"answers {expected!r} queries: change its type to {expected!r}, or point it to a "
            f"{spec.type} {spec.resource_type}."
        )
    return ModelCheck(
        name=spec.name, arn=spec.arn, declared_type=spec.type, status=status, recipe=recipe,
        fits=fits, expected_type=expected, message=" ".join(sentences),
        service_status=service_status, failure_reason=failure,
    )


def refusal(check: ModelCheck) -> str | None:
    """Why a model with this check result should not be added, or ``None`` if it may be.

    A campaign still being created may be added when its recipe is known and fits; a missing,
    failed or unreachable one, or one of the wrong type, may not.
    """
    if check.status in (NOT_FOUND, ACCESS_DENIED, REGION_MISMATCH, ERROR):
        return check.message
    if check.service_status and ("FAILED" in check.service_status
                                 or check.service_status.startswith("DELETE")):
        return check.message
    if not check.fits:
        return check.message
    return None


def _campaign_recipe(personalize: Any, campaign: dict[str, Any]) -> tuple[str | None, str]:
    """The recipe ARN behind a campaign, and a note when it cannot be found."""
    version_arn = campaign.get("solutionVersionArn")
    if not version_arn:
        return None, " (the campaign names no solution version)"
    try:
        version = personalize.describe_solution_version(solutionVersionArn=version_arn)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "?")
        return None, f" (describe_solution_version for {version_arn!r} failed with {code})"
    return version["solutionVersion"].get("recipeArn"), ""


def _from_client_error(spec: ModelSpec, label: str, exc: ClientError) -> ModelCheck:
    error = exc.response.get("Error", {})
    code = error.get("Code", "")
    # The service's message is a sentence of its own; in parentheses it loses its full stop.
    detail = (error.get("Message") or str(exc)).strip().rstrip(".")
    if code == "ResourceNotFoundException":
        return _result(
            spec, NOT_FOUND,
            f"The {label} of model {spec.name!r} does not exist in region {spec.region!r} "
            f"({detail}). Create it first, or fix the ARN in the registry.",
        )
    if code in _DENIED_CODES:
        return _result(
            spec, ACCESS_DENIED,
            f"Access to the {label} of model {spec.name!r} was denied ({code}: {detail}).",
        )
    return _result(
        spec, ERROR, f"Asking about the {label} of model {spec.name!r} failed ({code}: {detail})."
    )


def _sentence(text: object) -> str:
    """``text`` ending in one full stop (botocore's messages end with or without one)."""
    text = str(text).rstrip()
    return text if text.endswith((".", "!", "?")) else f"{text}."


def _result(spec: ModelSpec, status: str, message: str) -> ModelCheck:
    return ModelCheck(
        name=spec.name, arn=spec.arn, declared_type=spec.type, status=status, recipe=None,
        fits=False, expected_type=None, message=message,
    )


def _region_mismatch(spec: ModelSpec, personalize: Any) -> str | None:
    """Why ``personalize`` cannot answer for ``spec``'s ARN, or ``None``.

    The embedded engine's clients are the unsigned ones (they never send a request; see
    :func:`videorecs_widgets.clients.personalize_clients`); a signed client talks to AWS in
    its ``region_name``.
    """
    meta = getattr(personalize, "meta", None)
    if meta is None:
        return None  # not a botocore client: let the call itself tell
    local_client = getattr(meta.config, "signature_version", None) is UNSIGNED
    if spec.backend == "local" and not local_client:
        return (f"Model {spec.name!r} is served by the embedded engine (region 'local'), but "
                f"the client given is for AWS region {meta.region_name!r}; use the embedded "
                "engine's clients (or let the registry choose them by the ARN).")
    if spec.backend == "aws" and local_client:
        return (f"Model {spec.name!r} is in AWS region {spec.region!r}, but the client given "
                "is the embedded engine's; use AWS clients for that region (or let the registry "
                "choose them by the ARN).")
    if spec.backend == "aws" and meta.region_name != spec.region:
        return (f"Model {spec.name!r} is in region {spec.region!r}, but the client given is "
                f"for {meta.region_name!r}; use clients for {spec.region!r} (or let the "
                "registry choose them by the ARN).")
    return None


def _personalize_client(spec: ModelSpec, clients: Any,
                        workspace: str | os.PathLike[str] | None = None) -> Any:
    if clients is None:
        clients = _default_clients(spec.arn, workspace)
    elif callable(clients) and not hasattr(clients, "meta"):
        clients = clients(spec.arn)
    return getattr(clients, "personalize", clients)


def _default_clients(arn: str, workspace: str | os.PathLike[str] | None = None) -> Any:
    from videorecs_widgets.clients import clients_for_arn

    return clients_for_arn(arn, workspace=workspace)

