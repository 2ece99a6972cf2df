"""The results layer: ask a model, get a frame of films back, or a short message saying why not.

Every panel goes through :class:`ResultsService`, so they all share one way of

- picking the runtime client (the model's ARN says which backend serves it, see
  :func:`videorecs_widgets.clients.clients_for_arn`),
- joining the returned ids to the catalog (title, year, genres, poster, the user's own stars),
- running the two models of a comparison at the same time (a thread pool),
- caching answers per (model name, ARN, query) until :meth:`ResultsService.refresh`,
- turning every failure into :attr:`Result.error`, a one-sentence message, while the full
  traceback of anything unexpected goes to the ``videorecs_widgets`` logger.

Nothing here raises for a failed model call; widgets show ``result.error`` and stay usable.

Result frames have the columns :data:`RESULT_COLUMNS` (one row per film, best first):
``rank`` (1-based), ``item_id``, ``title``, ``year`` (Int64, NA when unknown), ``genres``
(list of genre names in the dataset's order), ``score`` (float, NA when the model gave none),
``rated`` (Int64: the user's stars for that film, NA when not rated or no user), ``poster_url``.
Ranking results add ``input_rank`` (the film's 1-based place in the list sent) and ``moved``
(``input_rank - rank``: positive means the model moved the film up).

:func:`overlap` compares two lists (shared films, Jaccard, rank-biased overlap).
"""

from __future__ import annotations

import concurrent.futures
import logging
import math
import os
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import pandas as pd
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, ParamValidationError

from videorecs_widgets.errors import (
    InvalidParameterError,
    UnknownIdError,
    UnknownItemError,
    UnknownUserError,
    VideorecsError,
)
from videorecs_widgets.model_spec import recipe_model_type
from videorecs_widgets.recommenders import UseCase, recommendation_params, use_case

if TYPE_CHECKING:
    from videorecs_widgets.catalog import Catalog
    from videorecs_widgets.registry import ModelSpec

log = logging.getLogger(__name__)

RESULT_COLUMNS: tuple[str, ...] = (
    "rank", "item_id", "title", "year", "genres", "score", "rated", "poster_url",
)
RANKING_COLUMNS: tuple[str, ...] = (*RESULT_COLUMNS, "input_rank", "moved")

#: Which registry type each kind of query needs (the registry's ``MODEL_TYPES`` values).
RECOMMENDATIONS = "recommendations"
PERSONAL_RANKING = "personal-ranking"
SIMILAR_ITEMS = "similar-items"
_NEEDED_TYPE = {"user": RECOMMENDATIONS, "ranking": PERSONAL_RANKING, "item": SIMILAR_ITEMS}
_KIND_WORDS = {
    "user": "recommendations for a user",
    "ranking": "a personal ranking",
    "item": "similar items",
}

# Error codes that mean the same thing to a user, from Personalize and from botocore.
# (Personalize's LimitExceededException is a quota on resources, not throttling.)
_THROTTLED = {"ThrottlingException", "Throttling", "ThrottledException",
              "TooManyRequestsException", "RequestLimitExceeded"}
_DENIED = {"AccessDeniedException", "AccessDenied", "UnrecognizedClientException",
           "InvalidClientTokenId", "InvalidSignatureException", "SignatureDoesNotMatch",
           "ExpiredTokenException", "ExpiredToken", "NotAuthorized"}
# Runtime errors after which the control plane is asked whether the model is ACTIVE at all:
# a campaign still being created (or failed) answers with one of these.
_ASK_STATUS = {"ResourceNotFoundException", "ResourceInUseException", "InvalidInputException"}

ClientsFor = Callable[[str], Any]


@dataclass(frozen=True)
class Request:
    """One question for one model.

    ``kind`` is ``"user"`` (recommendations for ``user_id``), ``"item"`` (films similar to
    ``item_id``; ``user_id``, when given, only fills the ``rated`` column) or ``"ranking"``
    (``item_ids`` re-ranked for ``user_id``). ``n`` caps the list length.
    """

    spec: ModelSpec
    kind: str
    user_id: Any = None
    item_id: Any = None
    item_ids: tuple[Any, ...] = ()
    n: int = 25

    @property
    def cache_key(self) -> tuple[Any, ...]:
        # Name and ARN both: an edited model (same name, new ARN) must not reuse old answers.
        return (self.spec.name, self.spec.arn, self.kind, self.user_id, self.item_id,
                self.item_ids, self.n)


@dataclass(frozen=True)
class Result:
    """A model's answer: ``frame`` (see the module docstring) or ``error``, a short sentence.

    The frame may be shared with the cache and other results: treat it as read-only (copy it
    before changing it).
    """

    model: str
    frame: pd.DataFrame = field(repr=False)
    error: str | None = None
    request: Request | None = field(default=None, repr=False, compare=False)
    recommendation_id: str | None = None
    cached: bool = False

    @property
    def ok(self) -> bool:
        """True when the model answered (the list may still be empty)."""
        return self.error is None

    @property
    def item_ids(self) -> list[Any]:
        """The films' ids, best first."""
        return self.frame["item_id"].tolist()

    @property
    def titles(self) -> list[str]:
        """The films' titles, best first."""
        return self.frame["title"].tolist()


@dataclass(frozen=True)
class ModelInfo:
    """What the control plane says about a registered model (for the model summary).

    ``metrics`` holds Personalize's metric names (``precision_at_5`` ...), as floats (a
    campaign's from its solution version, a recommender's ``modelMetrics``). ``status`` and
    ``failure_reason`` are the campaign's / recommender's own. ``error`` is a short sentence
    when the model could not be described (the other fields are then ``None`` or empty), or
    when it ended ``CREATE FAILED`` or is being deleted (the sentence gives the reason).
    ``update_failure`` is the reason its latest ``update_campaign`` ended ``CREATE FAILED``
    (``latestCampaignUpdate``), while the campaign keeps serving the version it served
    (``None`` when there was no update or it did not fail).
    """

    name: str
    type: str
    sort_order: int
    arn: str
    recipe: str | None = None
    status: str | None = None
    solution_version_arn: str | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    error: str | None = None
    failure_reason: str | None = None
    update_failure: str | None = None


#: (column label, Personalize metric name) of the model summary, in table order.
SUMMARY_METRICS: tuple[tuple[str, str], ...] = (
    ("precision@5", "precision_at_5"),
    ("precision@10", "precision_at_10"),
    ("precision@25", "precision_at_25"),
    ("NDCG@10", "normalized_discounted_cumulative_gain_at_10"),
    ("MRR@25", "mean_reciprocal_rank_at_25"),
    ("coverage", "coverage"),
)
SUMMARY_DECIMALS = 4
SUMMARY_TYPE_ORDER = (RECOMMENDATIONS, PERSONAL_RANKING, SIMILAR_ITEMS)


def summary_table(infos: Sequence[ModelInfo], decimals: int = SUMMARY_DECIMALS) -> pd.DataFrame:
    """One row per model: name, type, recipe, status, then :data:`SUMMARY_METRICS` rounded
    (not truncated, as the original app did) to ``decimals`` places; NaN where a model has no
    such metric. The status is ``"error"`` for a model that could not be described."""
    rows = []
    for info in infos:
        status = info.status or ("error" if info.error else None)
        row: dict[str, Any] = {"name": info.name, "type": info.type,
                               "recipe": info.recipe, "status": status}
        for label, key in SUMMARY_METRICS:
            value = info.metrics.get(key)
            row[label] = math.nan if value is None else round(float(value), decimals)
        rows.append(row)
    columns = ["name", "type", "recipe", "status"] + [label for label, _ in SUMMARY_METRICS]
    return pd.DataFrame(rows, columns=columns)


class Overlap(NamedTuple):
    """How much two lists agree: see :func:`overlap`."""

    shared: int
    jaccard: float
    rbo: float


def overlap(first: Sequence[Any], second: Sequence[Any], p: float = 0.9) -> Overlap:
    """Compare two ranked lists of ids.

    - ``shared``: the number of ids in both lists.
    - ``jaccard``: ``shared / |first ∪ second|`` (NaN when both lists are empty).
    - ``rbo``: rank-biased overlap (Webber, Moffat and Zobel, "A similarity measure for
      indefinite rankings", TOIS 2010), the extrapolated form of their equation 32, which
      handles lists of different lengths. With ``X_d`` the number of ids shared by the
      two lists' first ``d`` places, ``s``/``l`` the shorter/longer length:

          RBO = (1-p)/p * [ sum_{d=1..l} X_d/d * p^d + sum_{d=s+1..l} X_s (d-s)/(s d) p^d ]
                + [ (X_l - X_s)/l + X_s/s ] * p^l

      It is 1 for identical lists and 0 for disjoint ones; ``p`` = 0.9 puts about 86% of the
      weight on the first 10 places. NaN when either list is empty (there is nothing to
      compare). Repeated ids count once, at their first place.
    """
    if not 0 < p < 1:
        raise ValueError(f"Invalid p for rank-biased overlap: {p!r}; it must lie in (0, 1).")
    a = list(dict.fromkeys(first))
    b = list(dict.fromkeys(second))
    union = set(a) | set(b)
    shared = len(set(a) & set(b))
    jaccard = shared / len(union) if union else math.nan
    if not a or not b:
        return Overlap(shared, jaccard, math.nan)
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    s, ell = len(short), len(long_)
    seen_short: set[Any] = set()
    seen_long: set[Any] = set()
    x = 0  # X_d: ids shared by both prefixes of length d
    x_at = [0] * (ell + 1)
    for d in range(1, ell + 1):
        item_long = long_[d - 1]
        item_short = short[d - 1] if d <= s else None
        if d <= s:
            # an id counts when it is seen in both prefixes; two lists add at most 2 per step
            if item_short == item_long:
                x += 1
            else:
                x += (item_short in seen_long) + (item_long in seen_short)
            seen_short.add(item_short)
        else:
            x += item_long in seen_short
        seen_long.add(item_long)
        x_at[d] = x
    total = sum(x_at[d] / d * p**d for d in range(1, ell + 1))
    x_s = x_at[s]
    total += sum(x_s * (d - s) / (s * d) * p**d for d in range(s + 1, ell + 1))
    rbo = (1 - p) / p * total + ((x_at[ell] - x_s) / ell + x_s / s) * p**ell
    return Overlap(shared, jaccard, rbo)


def empty_frame(columns: Sequence[str] = RESULT_COLUMNS) -> pd.DataFrame:
    """A result frame with no films: ``columns`` with their usual dtypes (Int64, Float64)."""
    frame = pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
    for column in ("rank", "year", "rated", "input_rank", "moved"):
        if column in frame:
            frame[column] = frame[column].astype("Int64")
    frame["score"] = frame["score"].astype("Float64")
    return frame


def _short(text: str, limit: int = 240) -> str:
    """First line of ``text``, at most ``limit`` characters: status lines are one line.

    A longer line is cut at a word boundary and marked "…". Its last sentence or clause
    (after ". " or "; ", where the engine's and the service's messages put what to do: "Train
    a new solution version.") is kept after the cut when it takes at most half the room.
    """
    line = str(text).strip().splitlines()[0] if str(text).strip() else ""
    if len(line) <= limit:
        return line
    parts = re.split(r"(?<=[.;])\s+", line)
    advice = parts[-1] if len(parts) > 1 else ""
    if advice and len(advice) <= limit // 2:
        head = line[: len(line) - len(advice)].rstrip()
        return f"{_cut_at_word(head, limit - len(advice) - 2)}… {advice}"
    return _cut_at_word(line, limit - 1) + "…"


def _cut_at_word(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, at the last space when there is one."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:(")


def not_active_message(spec: ModelSpec, status: str, failure_reason: str | None = None) -> str:
    """The sentence for a model whose campaign / recommender exists but is not ACTIVE."""
    reason = f" ({failure_reason})" if failure_reason else ""
    if "FAILED" in status:
        advice = "create it again once the cause is fixed, or point the model to another ARN"
    elif status.startswith("DELETE"):
        advice = "it is being deleted; remove the model from the registry"
    elif status == "INACTIVE" or status.startswith("STOP"):
        advice = "start it again (start_recommender) to use it"
    else:
        advice = "wait until it is ACTIVE and refresh"
    return (f"Model {spec.name!r}: {spec.resource_type} {spec.arn!r} is {status}{reason}, "
            f"not ACTIVE, so it cannot answer; {advice}.")


def missing_local_message(spec: ModelSpec,
                          workspace: str | os.PathLike[str] | None = None) -> str:
    """The sentence for a local ARN the embedded engine does not have.

    The ARN is usually right: the models were not built in this workspace yet (notebook 03
    before 01), or the workspace path points elsewhere.
    """
    where = "" if workspace is None else f" {os.fspath(workspace)!r}"
    return (f"Model {spec.name!r}: there is no {spec.resource_type} {spec.arn!r} in the "
            f"embedded engine's workspace{where}; build the models first (the lab notebooks, or "
            "videorecs_widgets.lab.build_lab_models), or check the workspace path and the ARN "
            "in the registry.")


def failure_message(
    exc: BaseException,
    spec: ModelSpec,
    timeout: float | None = None,
    *,
    status: str | None = None,
    failure_reason: str | None = None,
    served_recipe: str | None = None,
    workspace: str | os.PathLike[str] | None = None,
) -> str:
    """One sentence saying which model failed and why, for any exception a call can raise.

    Service errors are told apart by their error code, never by the HTTP status. ``status``
    and ``failure_reason`` describe the model's campaign / recommender as the control plane
    saw it after the failure (the results service asks after a not-found, in-use or
    invalid-input error): when it is not ``ACTIVE``, that is the message, whatever code the
    runtime answered with. ``served_recipe`` is the recipe of the solution version the
    campaign serves (asked after an invalid-input error): when its kind is not the registered
    type, the message says the registry's type is wrong, which is what the user can fix.
    ``workspace`` is the embedded engine's folder that serves local
    ARNs (``None`` when unknown): a local model that is not found is named with it.
    """
    name = spec.name
    if isinstance(exc, UnknownUserError):
        return f"Model {name!r} was not asked: user {exc.value!r} is not in the catalog."
    if isinstance(exc, UnknownItemError):
        return f"Model {name!r} was not asked: film {exc.value!r} is not in the catalog."
    if isinstance(exc, concurrent.futures.TimeoutError):
        return f"Model {name!r} did not answer within {timeout:g} s; try again or refresh."
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code", "Unknown"))
        message = _short(error.get("Message", "") or str(exc))
        if status is not None and status != "ACTIVE":
            return not_active_message(spec, status, failure_reason)
        if code == "ResourceNotFoundException" and spec.backend == "local":
            return missing_local_message(spec, workspace)
        if code == "ResourceNotFoundException":
            return (f"Model {name!r}: {spec.resource_type} {spec.arn!r} was not found "
                    f"({message}). Check the ARN in the registry.")
        if code in _THROTTLED:
            return (f"Model {name!r} was throttled by the service even after retries "
                    f"({code}); wait a moment and refresh.")
        if code in _DENIED:
            return (f"Model {name!r}: access to {spec.arn!r} was denied ({code}: {message}); "
                    "check the credentials and permissions.")
        served_type = recipe_model_type(served_recipe)
        if code == "InvalidInputException" and served_type not in (None, spec.type):
            return (f"Model {name!r} is registered as {spec.type}, but its campaign serves "
                    f"{served_recipe} ({served_type}): fix its type in the registry "
                    "(Administration).")
        if code == "InvalidInputException":
            return f"Model {name!r} refused the request as invalid: {message}"
        if code == "ResourceInUseException":
            return f"Model {name!r} is not ready to answer ({code}: {message})."
        return f"Model {name!r} failed with {code}: {message}"
    if isinstance(exc, ParamValidationError):
        # botocore lists one problem per line after a heading: keep them all, on one line.
        return (f"Model {name!r} was not asked: the request broke the API's rules "
                f"({_short(' '.join(str(exc).split()))}).")
    if isinstance(exc, NoCredentialsError):
        from videorecs_widgets.clients import AwsCredentialsError

        if isinstance(exc, AwsCredentialsError):  # says what is wrong (a missing profile...)
            return f"Model {name!r} could not be asked: {_short(str(exc))}"
        return (f"Model {name!r} could not be asked: no AWS credentials were found for "
                f"{spec.arn!r}; configure them (environment, profile or instance role).")
    if isinstance(exc, BotoCoreError):
        return f"Model {name!r} could not reach its service: {_short(str(exc))}"
    return f"Model {name!r} failed: {type(exc).__name__}: {_short(str(exc))}"


def _id(value: Any) -> Any:
    """Ids travel as strings (as the Personalize API has them); an int means its decimal text."""
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        return str(int(value))
    return value


def _default_clients_for(workspace: Any) -> ClientsFor:
    # Imported here so that importing the results layer does not start an engine.
    from videorecs_widgets.clients import clients_for_arn

    return lambda arn: clients_for_arn(arn, workspace=workspace)


class ResultsService:
    """Ask registered models for films; join, cache, run concurrently, turn errors into values.

    ``catalog`` gives titles, genres and the users' ratings. ``workspace`` is passed on to
    :func:`videorecs_widgets.clients.clients_for_arn` (the local engine's folder).
    ``clients_for`` replaces that function (arn -> object with ``personalize`` and
    ``runtime`` clients), for example to point at clients built with a custom botocore
    config. ``timeout`` (seconds) bounds each model call.

    ``calls`` counts runtime calls actually sent (cache hits and requests refused before
    sending, such as an unknown user or a wrong model type, do not count);
    ``control_calls`` counts control-plane calls made by :meth:`describe`.
    """

    def __init__(
        self,
        catalog: Catalog,
        *,
        workspace: Any = None,
        clients_for: ClientsFor | None = None,
        timeout: float = 30.0,
        max_workers: int = 4,
    ) -> None:
        self.catalog = catalog
        self.timeout = float(timeout)
        self.calls = 0
        self.control_calls = 0
        self._clients_for = clients_for or _default_clients_for(workspace)
        # Messages name the engine's folder; with the caller's own clients it is unknown
        # unless the caller also gave the workspace.
        self._workspace = workspace
        self._knows_workspace = clients_for is None or workspace is not None
        self._pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=max_workers, thread_name_prefix="videorecs-results"
        )
        self._lock = threading.Lock()
        self._cache: dict[tuple[Any, ...], Result] = {}
        self._info_cache: dict[tuple[str, str], ModelInfo] = {}
        self._use_cases: dict[str, UseCase | None] = {}  # recommender ARN -> its use case

    # ---- public queries -------------------------------------------------------------------

    def recommend(self, spec: ModelSpec, user_id: Any, n: int = 25) -> Result:
        """``spec``'s recommendations for ``user_id`` (a ``recommendations`` model)."""
        return self.fetch([Request(spec, "user", user_id=_id(user_id), n=n)])[0]

    def similar(self, spec: ModelSpec, item_id: Any, n: int = 25, user_id: Any = None) -> Result:
        """Films similar to ``item_id`` (a ``similar-items`` model); never ``item_id`` itself.

        ``user_id`` only fills the ``rated`` column; the list itself is not personalized.
        """
        request = Request(spec, "item", user_id=_id(user_id), item_id=_id(item_id), n=n)
        return self.fetch([request])[0]

    def rank(self, spec: ModelSpec, user_id: Any, item_ids: Iterable[Any]) -> Result:
        """``item_ids`` re-ranked for ``user_id`` (a ``personal-ranking`` model)."""
        ids = tuple(_id(i) for i in item_ids)
        request = Request(spec, "ranking", user_id=_id(user_id), item_ids=ids, n=len(ids))
        return self.fetch([request])[0]

    def compare(
        self, specs: Sequence[ModelSpec | None], user_id: Any, n: int = 25
    ) -> list[Result | None]:
        """Recommendations of several models for one user, fetched at the same time.

        A ``None`` spec (no model selected) gives ``None`` in its place and costs nothing.
        """
        requests = [None if s is None else Request(s, "user", user_id=_id(user_id), n=n)
                    for s in specs]
        answers = iter(self.fetch([r for r in requests if r is not None]))
        return [None if r is None else next(answers) for r in requests]

    def fetch(self, requests: Sequence[Request]) -> list[Result]:
        """Answer ``requests`` (concurrently when more than one is not cached), in order.

        The same question twice in one batch (both drop-downs on one model) is asked once.
        """
        results: list[Result | None] = [None] * len(requests)
        pending: list[tuple[int, Request, concurrent.futures.Future[Result]]] = []
        asked: dict[tuple[Any, ...], concurrent.futures.Future[Result]] = {}
        for i, request in enumerate(requests):
            with self._lock:
                hit = self._cache.get(request.cache_key)
            if hit is not None:
                results[i] = Result(hit.model, hit.frame, None, request,
                                    hit.recommendation_id, cached=True)
                continue
            if request.cache_key not in asked:
                asked[request.cache_key] = self._pool.submit(self._answer, request)
            pending.append((i, request, asked[request.cache_key]))
        for i, request, future in pending:
            try:
                results[i] = future.result(timeout=self.timeout)
            except concurrent.futures.TimeoutError as exc:
                future.cancel()
                results[i] = self._failed(request, exc)
        return [r for r in results if r is not None]

    def is_cached(self, request: Request) -> bool:
        """Whether ``request`` would be answered from the cache."""
        with self._lock:
            return request.cache_key in self._cache

    def refresh(self, model: str | None = None) -> None:
        """Forget cached answers (of one model by name, or all), so the next ask calls again."""
        with self._lock:
            if model is None:
                self._cache.clear()
                self._info_cache.clear()
                self._use_cases.clear()
                return
            # a recommender deleted and made again under its name keeps its ARN, not its recipe
            arns = {k[1] for k in (*self._cache, *self._info_cache) if k[0] == model}
            for key in [k for k in self._cache if k[0] == model]:
                del self._cache[key]
            for key in [k for k in self._info_cache if k[0] == model]:
                del self._info_cache[key]
            for arn in arns:
                self._use_cases.pop(arn, None)

    def close(self) -> None:
        """Stop the worker threads (waiting calls finish first)."""
        self._pool.shutdown(wait=True)

    # ---- model descriptions (control plane) -----------------------------------------------

    def describe(self, spec: ModelSpec) -> ModelInfo:
        """Recipe, status and offline metrics of ``spec``'s campaign; errors become ``.error``."""
        return self.describe_all([spec])[0]

    def describe_all(self, specs: Sequence[ModelSpec]) -> list[ModelInfo]:
        """:meth:`describe` for several models at the same time, in order; cached per name+ARN."""
        out: list[ModelInfo | None] = [None] * len(specs)
        pending = []
        for i, spec in enumerate(specs):
            with self._lock:
                hit = self._info_cache.get((spec.name, spec.arn))
            if hit is not None:
                out[i] = hit
            else:
                pending.append((i, spec, self._pool.submit(self._describe, spec)))
        for i, spec, future in pending:
            try:
                out[i] = future.result(timeout=self.timeout)
            except concurrent.futures.TimeoutError as exc:
                out[i] = self._info(spec, error=self._message(exc, spec))
        return [info for info in out if info is not None]

    def _describe(self, spec: ModelSpec) -> ModelInfo:
        if spec.resource_type == "recommender":
            return self._describe_recommender(spec)
        try:
            personalize = self._clients_for(spec.arn).personalize
            self._count_control()
            campaign = personalize.describe_campaign(campaignArn=spec.arn)["campaign"]
            version_arn = campaign.get("solutionVersionArn")
            recipe = None
            metrics: dict[str, float] = {}
            if version_arn:
                self._count_control()
                version = personalize.describe_solution_version(solutionVersionArn=version_arn)
                recipe_arn = version["solutionVersion"].get("recipeArn") or ""
                recipe = recipe_arn.rsplit("/", 1)[-1] or None
                self._count_control()
                raw = personalize.get_solution_metrics(solutionVersionArn=version_arn)
                metrics = {k: float(v) for k, v in raw.get("metrics", {}).items()}
            info = self._described(spec, campaign, recipe=recipe,
                                   solution_version_arn=version_arn, metrics=metrics)
        except Exception as exc:  # every failure becomes a message; the log keeps the trace
            self._log_failure(exc, spec, "describing")
            return self._info(spec, error=self._message(exc, spec))
        with self._lock:
            self._info_cache[(spec.name, spec.arn)] = info
        return info

    def _describe_recommender(self, spec: ModelSpec) -> ModelInfo:
        """A recommender names its use case's recipe and carries its own metrics."""
        try:
            personalize = self._clients_for(spec.arn).personalize
            self._count_control()
            recommender = personalize.describe_recommender(
                recommenderArn=spec.arn)["recommender"]
            recipe_arn = recommender.get("recipeArn") or ""
            metrics = {k: float(v) for k, v in recommender.get("modelMetrics", {}).items()}
            info = self._described(spec, recommender, recipe=recipe_arn.rsplit("/", 1)[-1] or None,
                                   metrics=metrics)
        except Exception as exc:  # every failure becomes a message; the log keeps the trace
            self._log_failure(exc, spec, "describing")
            return self._info(spec, error=self._message(exc, spec))
        with self._lock:
            self._use_cases[spec.arn] = use_case(recipe_arn)
            self._info_cache[(spec.name, spec.arn)] = info
        return info

    def _described(self, spec: ModelSpec, resource: dict[str, Any], **fields: Any) -> ModelInfo:
        status = resource.get("status")
        reason = resource.get("failureReason")
        update = resource.get("latestCampaignUpdate") or {}
        if update.get("status") == "CREATE FAILED":
            fields["update_failure"] = update.get("failureReason") or "no reason given"
        # A failed model (or one being deleted) will never answer: say so, with the reason.
        broken = bool(status) and ("FAILED" in status or status.startswith("DELETE"))
        error = not_active_message(spec, status, reason) if broken else None
        return self._info(spec, status=status, failure_reason=reason, error=error, **fields)

    @staticmethod
    def _info(spec: ModelSpec, **fields: Any) -> ModelInfo:
        return ModelInfo(name=spec.name, type=spec.type, sort_order=spec.sort_order,
                         arn=spec.arn, **fields)

    def _count_control(self) -> None:
        with self._lock:
            self.control_calls += 1

    # ---- one request ----------------------------------------------------------------------

    def _answer(self, request: Request) -> Result:
        try:
            self._check(request)
            response = self._call(request)
            # get_personalized_ranking answers in "personalizedRanking", the others "itemList".
            key = "personalizedRanking" if request.kind == "ranking" else "itemList"
            frame = self._frame(request, response.get(key, []))
        except Exception as exc:  # every failure becomes a message; the log keeps the trace
            return self._failed(request, exc)
        result = Result(request.spec.name, frame, None, request,
                        response.get("recommendationId"))
        with self._lock:
            self._cache[request.cache_key] = result
        return result

    def _check(self, request: Request) -> None:
        spec = request.spec
        needed = _NEEDED_TYPE[request.kind]
        if spec.type != needed:
            raise _WrongType(
                f"Model {spec.name!r} is a {spec.type} model, but {_KIND_WORDS[request.kind]} "
                f"needs a {needed} model; pick another model or fix its type in the registry."
            )
        if request.user_id is not None and not self.catalog.has_user(request.user_id):
            raise UnknownUserError(request.user_id)
        if request.kind == "item" and not self.catalog.has_item(request.item_id):
            raise UnknownItemError(request.item_id)
        if request.kind == "ranking":
            unknown = [i for i in request.item_ids if not self.catalog.has_item(i)]
            if unknown:
                raise UnknownItemError(unknown[0])

    def _call(self, request: Request) -> dict[str, Any]:
        if request.spec.resource_type == "recommender":
            return self._call_recommender(request)
        runtime = self._clients_for(request.spec.arn).runtime
        arn = request.spec.arn
        with self._lock:
            self.calls += 1
        if request.kind == "user":
            return runtime.get_recommendations(
                campaignArn=arn, userId=str(request.user_id), numResults=request.n
            )
        if request.kind == "item":
            # One extra, because the starting film must not be in its own list.
            return runtime.get_recommendations(
                campaignArn=arn, itemId=str(request.item_id), numResults=request.n + 1
            )
        params: dict[str, Any] = {"campaignArn": arn, "userId": str(request.user_id),
                                  "inputList": [str(i) for i in request.item_ids]}
        return runtime.get_personalized_ranking(**params)

    def _call_recommender(self, request: Request) -> dict[str, Any]:
        """Ask a domain recommender with the ids its use case needs (see ``recommenders``)."""
        spec = request.spec
        if request.kind == "ranking":
            raise _WrongType(
                f"Model {spec.name!r} is a recommender, and Personalize re-ranks lists only "
                "with campaigns (get_personalized_ranking takes a campaign ARN); pick a "
                "personalized-ranking campaign."
            )
        try:
            params = recommendation_params(
                spec.arn, self._use_case(spec), user_id=request.user_id,
                item_id=request.item_id if request.kind == "item" else None,
                # one extra for an item query: the starting film must not be in its own list
                num_results=request.n + (request.kind == "item"),
            )
        except InvalidParameterError as exc:
            raise _WrongType(f"Model {spec.name!r} was not asked: {exc}") from None
        runtime = self._clients_for(spec.arn).runtime
        with self._lock:
            self.calls += 1
        return runtime.get_recommendations(**params)

    def _use_case(self, spec: ModelSpec) -> UseCase | None:
        """The recommender's use case, from describe_recommender once per ARN.

        ``None`` when the recipe is unknown or the control plane cannot be asked (a user
        allowed only runtime calls): every id at hand is then sent, and the runtime's own
        answer says what was wrong.
        """
        with self._lock:
            if spec.arn in self._use_cases:
                return self._use_cases[spec.arn]
        try:
            personalize = self._clients_for(spec.arn).personalize
            self._count_control()
            recipe = personalize.describe_recommender(
                recommenderArn=spec.arn)["recommender"].get("recipeArn")
        except (ClientError, BotoCoreError) as exc:
            log.info("Model %r (%s): the recommender's use case is unknown (%s); sending "
                     "every id given", spec.name, spec.arn, exc)
            return None
        case = use_case(recipe)
        with self._lock:
            self._use_cases[spec.arn] = case
        return case

    def _status(self, spec: ModelSpec, *, recipe: bool = False) -> dict[str, Any]:
        """What the control plane says after a failed call: ``status`` and ``failure_reason``
        of the campaign / recommender and, with ``recipe`` (a campaign's invalid-input error),
        ``served_recipe``, the recipe of the solution version it serves. Empty when it
        cannot be asked (the runtime's own error is then reported)."""
        try:
            personalize = self._clients_for(spec.arn).personalize
            self._count_control()
            if spec.resource_type == "recommender":
                resource = personalize.describe_recommender(
                    recommenderArn=spec.arn)["recommender"]
            else:
                resource = personalize.describe_campaign(campaignArn=spec.arn)["campaign"]
        except Exception as exc:  # the runtime's own error is reported instead
            log.info("Model %r (%s): its status could not be read: %s", spec.name, spec.arn, exc)
            return {}
        state = {"status": resource.get("status"), "failure_reason": resource.get("failureReason")}
        version_arn = resource.get("solutionVersionArn")
        if recipe and version_arn and spec.resource_type == "campaign":
            try:
                self._count_control()
                version = personalize.describe_solution_version(
                    solutionVersionArn=version_arn)["solutionVersion"]
                state["served_recipe"] = (version.get("recipeArn") or "").rsplit("/", 1)[-1]
            except Exception as exc:  # the runtime's own error is reported instead
                log.info("Model %r (%s): the recipe it serves could not be read: %s",
                         spec.name, spec.arn, exc)
        return state

    def _failed(self, request: Request, exc: BaseException) -> Result:
        state: dict[str, Any] = {}
        code = (exc.response.get("Error", {}).get("Code")
                if isinstance(exc, ClientError) else None)
        if code in _ASK_STATUS:
            # An invalid-input answer may mean the campaign now serves a recipe of another
            # kind (updated to a SIMS version, say): the recipe it serves says so.
            state = self._status(request.spec, recipe=code == "InvalidInputException")
        message = (str(exc) if isinstance(exc, _WrongType)
                   else self._message(exc, request.spec, **state))
        self._log_failure(exc, request.spec, f"a {request.kind} query")
        columns = RANKING_COLUMNS if request.kind == "ranking" else RESULT_COLUMNS
        return Result(request.spec.name, empty_frame(columns), message, request)

    def _message(self, exc: BaseException, spec: ModelSpec, **state: Any) -> str:
        """:func:`failure_message` with this service's timeout and engine workspace."""
        workspace = None
        if self._knows_workspace and spec.backend == "local":
            from videorecs_widgets.local.store import resolve_workspace

            workspace = resolve_workspace(self._workspace)
        return failure_message(exc, spec, self.timeout, workspace=workspace, **state)

    @staticmethod
    def _log_failure(exc: BaseException, spec: ModelSpec, what: str) -> None:
        # Requests refused before any call need no traceback; every failed call keeps its own.
        if isinstance(exc, UnknownIdError | _WrongType):
            log.info("Model %r (%s) was not asked for %s: %s", spec.name, spec.arn, what, exc)
            return
        expected = isinstance(exc, ClientError | BotoCoreError | concurrent.futures.TimeoutError)
        log.log(logging.WARNING if expected else logging.ERROR,
                "Model %r (%s) failed on %s", spec.name, spec.arn, what,
                exc_info=(type(exc), exc, exc.__traceback__))

    # ---- joining ids to the catalog -------------------------------------------------------

    def _frame(self, request: Request, item_list: list[dict[str, Any]]) -> pd.DataFrame:
        ids = [str(entry["itemId"]) for entry in item_list]
        scores = [entry.get("score") for entry in item_list]
        if request.kind == "item":
            keep = [i for i, item in enumerate(ids) if item != request.item_id][: request.n]
            ids = [ids[i] for i in keep]
            scores = [scores[i] for i in keep]
        columns = RANKING_COLUMNS if request.kind == "ranking" else RESULT_COLUMNS
        if not ids:
            return empty_frame(columns)
        films = self._films(ids)
        ratings = (self.catalog.ratings_of(request.user_id)
                   if request.user_id is not None else {})
        frame = pd.DataFrame({
            "rank": pd.array(range(1, len(ids) + 1), dtype="Int64"),
            "item_id": ids,
            "title": films["title"].tolist(),
            "year": pd.array(films["year"].tolist(), dtype="Int64"),
            "genres": [list(g) for g in films["genres"].tolist()],
            "score": pd.array([math.nan if s is None else float(s) for s in scores],
                              dtype="Float64"),
            "rated": pd.array([ratings.get(i) for i in ids], dtype="Int64"),
            "poster_url": films["poster_url"].tolist(),
        })
        if request.kind == "ranking":
            place = {item: k for k, item in enumerate(request.item_ids, start=1)}
            frame["input_rank"] = pd.array([place.get(i) for i in ids], dtype="Int64")
            frame["moved"] = frame["input_rank"] - frame["rank"]
        return frame

    def _films(self, ids: list[Any]) -> pd.DataFrame:
        try:
            films = self.catalog.movies_by_id(ids)
        except UnknownItemError:
            # A model trained on other data can name films this catalog lacks: say so per card.
            rows = []
            for item in ids:
                if self.catalog.has_item(item):
                    rows.append(self.catalog.movies_by_id([item]).iloc[0].to_dict())
                else:
                    rows.append({"item_id": item, "title": f"(film {item!r} not in the catalog)",
                                 "year": None, "genres": [], "poster_url": None})
            films = pd.DataFrame(rows)
        return films.reset_index(drop=True)


class _WrongType(VideorecsError):
    """A request refused before any call (a model of the wrong type, an id its use case needs
    is missing); its message is already the user's sentence."""
