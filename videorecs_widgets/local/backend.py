"""The embedded Personalize service: the operations on its resources, and their lifecycle.

The resources themselves (fields, ARNs, describe shapes, the status table) are in
:mod:`.resources`.

Methods are named after the API's operations in snake_case (``create_campaign``,
``get_recommendations``) and take and return snake_case dicts; the protocol module translates
the wire format. One :class:`PersonalizeBackend` serves one workspace folder in a process
(:func:`backend_for`), shared by every client of that workspace.

Lifecycle. A create returns at once. Dataset groups, datasets, solutions and filters need no
work and pass ``CREATE PENDING`` -> ``CREATE IN_PROGRESS`` -> ``ACTIVE`` within the call. Import
jobs, solution versions and campaigns do their work (reading data, training, loading the model)
in a background thread and end ``ACTIVE`` or ``CREATE FAILED`` with a ``failureReason``.
``update_campaign`` deploys a retrained version of the campaign's own solution (a version of
another solution is refused with InvalidInputException naming both recipes); it takes an ACTIVE
or CREATE FAILED campaign through ``UPDATE PENDING`` -> ``UPDATE IN_PROGRESS`` -> ``ACTIVE``;
meanwhile an ACTIVE campaign serves what it served before, and ``latestCampaignUpdate`` shows
the update. Every status change goes through
:data:`TRANSITIONS`. A resource left in progress by a process that ended (a restarted or killed
kernel) is marked ``CREATE FAILED`` at the next call in any process, and the repair is saved
at once (an update: the campaign goes back to what it was, the failure on the update). Each
resource in progress records its worker's pid; every call checks that the pids of other
processes' workers are still alive (one syscall each, none when nothing is in progress), since
after a death nothing writes ``state.json`` to announce it.

Deletes are refused where the service refuses them (ResourceInUseException): a campaign being
created or updated; a dataset while its group has filters, an import job or a solution version
is in progress, or a campaign on its data is not CREATE FAILED; a solution while a campaign
serves one of its versions or an update is deploying one; a dataset group that still has
datasets or solutions. A campaign update counts as using the version it deploys until it ends.
Deleting a dataset deletes its import jobs; a dataset group's remaining filters go with it.

Tags follow the guide's requirements: at most 50 per resource (TooManyTagsException), and no
key or value starting with ``aws:`` in any case (InvalidInputException, on TagResource, on every
create that takes tags, and on UntagResource for such a key).

Decisions where the service does more than a laptop should:

- ``performAutoTraining`` is accepted (the service turns it on by default) but no automatic
  training is ever scheduled, and describe_solution reports it as ``false``.
- ``performHPO``, ``performAutoML`` and ``performIncrementalUpdate`` are refused with
  InvalidInputException: the results would differ from what the flag promises.
- ``trainingMode`` ``UPDATE`` retrains fully on the current data, like ``FULL``.
- Deletes take effect at once (no ``DELETE PENDING``).
- A failed campaign update leaves the campaign as it was (status and solution version), the
  failure in ``latestCampaignUpdate``.
- Campaign settings the models would ignore are refused with InvalidInputException:
  ``campaignConfig`` ``itemExplorationConfig``, ``enableMetadataWithRecommendations`` true,
  ``rankingInfluence``, and automatic campaign updates (``syncWithLatestSolutionVersion``,
  ``SOLUTION_ARN/$LATEST``).
- The runtime answers a campaign that is not ACTIVE (nor updating an ACTIVE one) with
  InvalidInputException, and a campaign whose model file is missing or damaged with
  ``ModelFileException`` (status 500), which names the solution version; every other campaign
  goes on working. A ``state.json`` it cannot read is answered with ``StateFileException``
  (500) on every call and never saved over.
- Not handled, answering InvalidInputException "The operation ... is not handled by the
  embedded engine": recommenders, batch inference and batch segment jobs, event trackers,
  metric attributions, data deletion and dataset export jobs, ``UpdateDataset``,
  ``UpdateSolution``, ``StopSolutionVersionCreation``, ``DescribeAlgorithm``,
  ``DescribeFeatureTransformation`` and the runtime's ``GetActionRecommendations``; and the
  runtime's ``promotions`` and ``metadataColumns``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from videorecs_widgets.errors import EngineError
from videorecs_widgets.local import filters as filter_lang
from videorecs_widgets.local import paging
from videorecs_widgets.local.exceptions import (
    InvalidInputException,
    LimitExceededException,
    ModelFileException,
    ResourceAlreadyExistsException,
    ResourceInUseException,
    ResourceNotFoundException,
    TooManyTagsException,
)
from videorecs_widgets.local.importer import (
    ImportFailed,
    check_schema_for_dataset_type,
    load_csv,
    parse_schema,
    read_location,
)
from videorecs_widgets.local.resources import (
    ACTIVE,
    CREATE_FAILED,
    CREATE_IN_PROGRESS,
    CREATE_PENDING,
    IN_PROGRESS,
    KINDS,
    TRANSITIONS,
    UPDATE_IN_PROGRESS,
    UPDATE_PENDING,
    UPDATING,
    Campaign,
    Dataset,
    DatasetGroup,
    DatasetImportJob,
    Filter,
    Resource,
    Schema,
    Solution,
    SolutionVersion,
)
from videorecs_widgets.local.runtime import RuntimeOperations
from videorecs_widgets.local.store import STATE_VERSION, WorkspaceStore, atomic_write_bytes

log = logging.getLogger(__name__)

MAX_TRAININGS_IN_PROGRESS = 20  # the service's quota for concurrent solution version creation
MIN_INTERACTIONS = 1000  # the service's minimum data for training
MIN_USERS = 25  # ... users with at least two interactions each
MAX_TAGS = 50  # the service's quota of tags per resource
RECIPE_CREATED = 1559347200.0  # recipes have a fixed creation time (2019-06-01)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - alive, owned by someone else
        return True
    return True


class _TrainingFailed(EngineError):
    """Training could not run; the message is the solution version's failureReason."""


# --------------------------------------------------------------------------- the backend


class PersonalizeBackend(RuntimeOperations):
    """All resources of one workspace and the control-plane operations (the runtime ones come
    from :class:`.runtime.RuntimeOperations`)."""

    def __init__(self, workspace: Path) -> None:
        self.workspace = workspace
        self.store = WorkspaceStore(workspace)
        self._lock = threading.RLock()
        self._resources: dict[str, dict[str, Resource]] = {kind: {} for kind in KINDS}
        self._models: dict[str, tuple[tuple[int, int], Any]] = {}
        self._model_lock = threading.Lock()
        self._frames: dict[str, tuple[tuple[int, int], pd.DataFrame]] = {}
        self._derived: dict[tuple, Any] = {}
        self._threads: list[threading.Thread] = []
        self._workers: set[int] = set()  # see _sync
        self.s3_client: Callable[[], Any] | None = None  # tests may pass their own S3 client

    # ---- state -------------------------------------------------------------------------

    def _sync(self, locked: bool = False) -> None:
        """Bring the resources up to date with state.json, and repair what a process that has
        ended left in progress. ``locked``: the caller holds the workspace lock already."""
        if self.store.changed_on_disk():
            self._load()
        # A worker can end (a killed kernel) without anyone writing state.json again, so its
        # pid is checked on every call, not only when the file changes; with nothing in
        # progress elsewhere the set is empty and this costs nothing.
        if all(_pid_alive(pid) for pid in self._workers):
            return
        with contextlib.nullcontext() if locked else self.store.locked():
            if self.store.changed_on_disk():  # another process may have repaired it already
                self._load()
            if self._fail_orphans():
                self._save()  # at once, so every process sees the same repair
            self._workers = self._other_workers()

    def _load(self) -> None:
        # The store counts the file as read only once _build has accepted it, so a state this
        # library cannot use is refused on every call and never saved over.
        self._resources = self.store.load(self._build)
        self._workers = self._other_workers()

    def _other_workers(self) -> set[int]:
        """The pids of the other processes working on resources that are still in progress."""
        own = os.getpid()
        return {r.worker_pid for entries in self._resources.values() for r in entries.values()
                if r.status in IN_PROGRESS and r.worker_pid and r.worker_pid != own}

    def _build(self, state: Any) -> dict[str, dict[str, Resource]]:
        """The resources of a stored state; StateFileException saying what does not fit."""
        unreadable = self.store.unreadable
        if not isinstance(state, dict):
            raise unreadable(f"it holds a JSON {type(state).__name__}, not an object")
        if state.get("version", STATE_VERSION) != STATE_VERSION:
            raise unreadable(
                f"it has version {state.get('version')!r}, and this library reads version "
                f"{STATE_VERSION}"
            )
        stored = state.get("resources", {})
        if not isinstance(stored, dict):
            raise unreadable('its "resources" is not an object')
        resources: dict[str, dict[str, Resource]] = {kind: {} for kind in KINDS}
        for kind, entries in stored.items():
            cls = KINDS.get(kind)
            if cls is None:
                raise unreadable(
                    f"it has resources of the unknown kind {kind!r} (known: "
                    f"{', '.join(sorted(KINDS))})"
                )
            if not isinstance(entries, dict):
                raise unreadable(f"its {kind!r} resources are not an object")
            known = {f.name for f in dataclasses.fields(cls)}
            for arn, values in entries.items():
                if not isinstance(values, dict):
                    raise unreadable(f"the {kind} {arn!r} is not an object")
                unknown = sorted(set(values) - known)
                if unknown:
                    raise unreadable(
                        f"the {kind} {arn!r} has the unknown field(s) {', '.join(unknown)}"
                    )
                problem = cls.stored_type_problem(values)
                if problem is None:
                    try:
                        resource = cls(**values)
                    except TypeError as exc:  # a required field missing
                        raise unreadable(f"the {kind} {arn!r} cannot be read ({exc})") from None
                    problem = resource.stored_problem(arn)
                if problem:
                    raise unreadable(f"the {kind} {arn!r} {problem}")
                resources[kind][arn] = resource
        return resources

    def _fail_orphans(self) -> bool:
        """Mark as failed what a process that has ended left in progress."""
        changed = False
        for entries in self._resources.values():
            for resource in entries.values():
                pid = resource.worker_pid
                if resource.status in IN_PROGRESS and pid and pid != os.getpid() and not (
                    _pid_alive(pid)
                ):
                    if resource.status in UPDATING:
                        self._end_update(resource, (
                            f"The process (pid {pid}) that was updating this campaign ended "
                            "before it finished; update it again."))
                    else:
                        self._transition(
                            resource, CREATE_FAILED,
                            f"The process (pid {pid}) that was creating this resource ended "
                            f"before it finished; {resource.redo_advice}.",
                        )
                    changed = True
        return changed

    def _save(self) -> None:
        state = {
            "version": STATE_VERSION,
            "resources": {
                kind: {arn: dataclasses.asdict(r) for arn, r in entries.items()}
                for kind, entries in self._resources.items()
            },
        }
        self.store.save(state)

    @contextlib.contextmanager
    def _reading(self) -> Iterator[None]:
        with self._lock:
            self._sync()
            yield

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        with self._lock, self.store.locked():
            self._sync(locked=True)
            yield
            self._save()

    def _transition(self, resource: Resource, status: str, reason: str | None = None) -> None:
        if status not in TRANSITIONS[resource.status]:
            raise EngineError(
                f"{resource.kind} {resource.arn!r} cannot go from {resource.status!r} to "
                f"{status!r}."
            )
        resource.status = status
        resource.failure_reason = reason
        resource.updated = time.time()
        if status not in IN_PROGRESS:
            resource.worker_pid = None

    def _get(self, kind: str, arn: str) -> Any:
        resource = self._resources[kind].get(arn)
        if resource is None:
            raise ResourceNotFoundException.for_arn(arn)
        return resource

    def _add(self, resource: Resource) -> None:
        _check_tags(resource.tags)
        if resource.arn in self._resources[resource.kind]:
            raise ResourceAlreadyExistsException.for_arn(resource.arn)
        self._transition(resource, CREATE_PENDING)
        resource.worker_pid = os.getpid()
        self._resources[resource.kind][resource.arn] = resource

    def _activate_now(self, resource: Resource) -> None:
        self._transition(resource, CREATE_IN_PROGRESS)
        self._transition(resource, ACTIVE)

    def _children(self, kind: str, attribute: str, arn: str) -> list[Any]:
        return [r for r in self._resources[kind].values() if getattr(r, attribute) == arn]

    def _start(self, work: Callable[[str], None], arn: str) -> None:
        thread = threading.Thread(target=self._guarded, args=(work, arn), daemon=True,
                                  name=f"videorecs-engine {arn.rsplit(':', 1)[-1]}")
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def _guarded(self, work: Callable[[str], None], arn: str) -> None:
        """Run background work; whatever goes wrong, the resource must not stay in progress."""
        try:
            work(arn)
        except Exception as exc:  # noqa: BLE001 - reported on the resource and in the log
            log.exception("Background work on %s failed", arn)
            with contextlib.suppress(Exception), self._writing():
                for entries in self._resources.values():
                    resource = entries.get(arn)
                    reason = f"The engine failed: {type(exc).__name__}: {exc}"
                    if resource is not None and resource.status in UPDATING:
                        self._end_update(resource, reason)
                    elif resource is not None and resource.status in IN_PROGRESS:
                        self._transition(resource, CREATE_FAILED, reason)

    def wait_for_background_work(self, timeout: float | None = None) -> None:
        """Join the threads this backend started (tests and benchmarks use it before exit)."""
        for thread in list(self._threads):
            thread.join(timeout)

    def _list(self, kind: str, key: str, next_token: str | None, max_results: int | None,
              where: Callable[[Any], bool] = lambda r: True) -> dict[str, Any]:
        with self._reading():
            items = [([r.created, r.arn], r.to_dict(full=False))
                     for r in self._resources[kind].values() if where(r)]
        return paging.page(items, key, next_token, max_results)

    # ---- dataset groups ----------------------------------------------------------------

    def create_dataset_group(self, name: str, role_arn: str | None = None,
                             kms_key_arn: str | None = None, domain: str | None = None,
                             tags: list | None = None) -> dict[str, Any]:
        if domain:
            raise InvalidInputException(
                f"Domain dataset groups ({domain!r}) are not handled by the embedded engine; "
                "create a custom dataset group (no domain)."
            )
        with self._writing():
            group = DatasetGroup(name=name, role_arn=role_arn, kms_key_arn=kms_key_arn,
                                 tags=tags or [])
            self._add(group)
            self._activate_now(group)
        return {"dataset_group_arn": group.arn}

    def describe_dataset_group(self, dataset_group_arn: str) -> dict[str, Any]:
        with self._reading():
            return {"dataset_group": self._get("dataset-group", dataset_group_arn).to_dict()}

    def list_dataset_groups(self, next_token: str | None = None,
                            max_results: int | None = None) -> dict[str, Any]:
        return self._list("dataset-group", "dataset_groups", next_token, max_results)

    def delete_dataset_group(self, dataset_group_arn: str) -> dict[str, Any]:
        # DeleteDatasetGroup: its event trackers, solutions and datasets must be deleted first.
        # Filters are not on that list (and must go before any dataset anyway): those left go
        # with their group.
        with self._writing():
            self._get("dataset-group", dataset_group_arn)
            for kind in ("dataset", "solution"):
                users = self._children(kind, "dataset_group_arn", dataset_group_arn)
                if users:
                    raise ResourceInUseException(
                        f"Resource Arn {dataset_group_arn} is in use: delete its {kind}s first "
                        f"({', '.join(sorted(u.arn for u in users))})."
                    )
            for leftover in self._children("filter", "dataset_group_arn", dataset_group_arn):
                del self._resources["filter"][leftover.arn]
            del self._resources["dataset-group"][dataset_group_arn]
        return {}

    # ---- schemas ---------------------------------------------------------------------------

    def create_schema(self, name: str, schema: str, domain: str | None = None) -> dict[str, Any]:
        parse_schema(schema)
        if domain:
            raise InvalidInputException(
                f"Domain schemas ({domain!r}) are not handled by the embedded engine."
            )
        with self._writing():
            resource = Schema(name=name, schema=schema)
            self._add(resource)
            self._activate_now(resource)
        return {"schema_arn": resource.arn}

    def describe_schema(self, schema_arn: str) -> dict[str, Any]:
        with self._reading():
            return {"schema": self._get("schema", schema_arn).to_dict()}

    def list_schemas(self, next_token: str | None = None,
                     max_results: int | None = None) -> dict[str, Any]:
        return self._list("schema", "schemas", next_token, max_results)

    def delete_schema(self, schema_arn: str) -> dict[str, Any]:
        with self._writing():
            self._get("schema", schema_arn)
            users = self._children("dataset", "schema_arn", schema_arn)
            if users:
                raise ResourceInUseException(
                    f"Resource Arn {schema_arn} is in use by the dataset(s) "
                    f"{', '.join(sorted(u.arn for u in users))}."
                )
            del self._resources["schema"][schema_arn]
        return {}

    # ---- datasets --------------------------------------------------------------------------

    def create_dataset(self, name: str, schema_arn: str, dataset_group_arn: str,
                       dataset_type: str, tags: list | None = None) -> dict[str, Any]:
        dataset_type = dataset_type.upper()
        if dataset_type not in ("INTERACTIONS", "ITEMS", "USERS"):
            raise InvalidInputException(
                f"Dataset type {dataset_type!r} is not handled by the embedded engine; use "
                "INTERACTIONS, ITEMS or USERS."
            )
        with self._writing():
            group = self._get("dataset-group", dataset_group_arn)
            if group.status != ACTIVE:
                raise ResourceInUseException(
                    f"Dataset group {dataset_group_arn} is {group.status}, not ACTIVE."
                )
            schema = self._get("schema", schema_arn)
            check_schema_for_dataset_type(parse_schema(schema.schema), dataset_type)
            dataset = Dataset(name=name, dataset_group_arn=dataset_group_arn,
                              dataset_type=dataset_type, schema_arn=schema_arn, tags=tags or [])
            self._add(dataset)
            self._activate_now(dataset)
        return {"dataset_arn": dataset.arn}

    def describe_dataset(self, dataset_arn: str) -> dict[str, Any]:
        with self._reading():
            return {"dataset": self._get("dataset", dataset_arn).to_dict()}

    def list_datasets(self, dataset_group_arn: str | None = None, next_token: str | None = None,
                      max_results: int | None = None) -> dict[str, Any]:
        return self._list("dataset", "datasets", next_token, max_results,
                          lambda r: dataset_group_arn in (None, r.dataset_group_arn))

    def delete_dataset(self, dataset_arn: str) -> dict[str, Any]:
        with self._writing():
            dataset = self._get("dataset", dataset_arn)
            self._check_dataset_deletable(dataset)
            # Deleting a dataset deletes all of its data ("Deleting a dataset to delete all of
            # its data"); the API has no way to delete an import job, and one left behind would
            # keep its name and pass for the import of a new dataset of the same ARN.
            for job in self._children("dataset-import-job", "dataset_arn", dataset_arn):
                del self._resources["dataset-import-job"][job.arn]
            del self._resources["dataset"][dataset_arn]
        with contextlib.suppress(FileNotFoundError):
            self.store.data_path(dataset_arn).unlink()
        return {}

    def _check_dataset_deletable(self, dataset: Dataset) -> None:
        """What the service requires before a dataset is deleted (DeleteDataset and the guide's
        "Deleting a dataset"): no filter in the group, no import job or solution version in
        progress, no campaign being created, ACTIVE or updated that serves or is being updated
        to a version trained on the group's data."""
        arn, group = dataset.arn, dataset.dataset_group_arn
        busy = [j for j in self._children("dataset-import-job", "dataset_arn", arn)
                if j.status in IN_PROGRESS]
        if busy:
            raise ResourceInUseException(
                f"Resource Arn {arn} is in use by the import job {busy[0].arn}, which has not "
                "finished."
            )
        filters = self._children("filter", "dataset_group_arn", group)
        if filters:
            raise ResourceInUseException(
                f"Resource Arn {arn} is in use: delete all filters of the dataset group before "
                f"deleting any dataset ({', '.join(sorted(f.arn for f in filters))})."
            )
        solutions = {s.arn for s in self._children("solution", "dataset_group_arn", group)}
        versions = [v for v in self._resources["solution-version"].values()
                    if v.solution_arn in solutions]
        training = [v for v in versions if v.status in IN_PROGRESS]
        if training:
            raise ResourceInUseException(
                f"Resource Arn {arn} is in use by the solution version {training[0].arn}, which "
                f"is {training[0].status}; delete the dataset once it has finished."
            )
        in_use = [(c, v.arn) for c in self._resources["campaign"].values()
                  if c.status != CREATE_FAILED for v in versions if c.uses(v.arn)]
        if in_use:
            campaign, version_arn = in_use[0]
            raise ResourceInUseException(
                f"Resource Arn {arn} is in use by the campaign "
                f"{_use(campaign, version_arn, 'the', campaign.status)}; delete the campaign "
                "first."
            )

    # ---- dataset import jobs ---------------------------------------------------------------

    def create_dataset_import_job(self, job_name: str, dataset_arn: str, data_source: dict,
                                  role_arn: str | None = None, tags: list | None = None,
                                  import_mode: str | None = None,
                                  publish_attribution_metrics_to_s3: bool | None = None,
                                  ) -> dict[str, Any]:
        location = (data_source or {}).get("data_location")
        if not location:
            raise InvalidInputException("dataSource.dataLocation is required.")
        with self._writing():
            dataset = self._get("dataset", dataset_arn)
            busy = [j for j in self._children("dataset-import-job", "dataset_arn", dataset_arn)
                    if j.status in IN_PROGRESS]
            if busy:
                raise ResourceInUseException(
                    f"Resource Arn {dataset_arn} is in use by the import job {busy[0].arn}; "
                    "wait until it finishes."
                )
            job = DatasetImportJob(name=job_name, dataset_arn=dataset.arn,
                                   data_location=location, role_arn=role_arn,
                                   import_mode=import_mode or "FULL",
                                   publish_attribution_metrics_to_s3=(
                                       publish_attribution_metrics_to_s3),
                                   tags=tags or [])
            self._add(job)
        self._start(self._run_import, job.arn)
        return {"dataset_import_job_arn": job.arn}

    def _run_import(self, arn: str) -> None:
        with self._writing():
            job = self._resources["dataset-import-job"].get(arn)
            if job is None:
                return
            self._transition(job, CREATE_IN_PROGRESS)
            dataset = self._resources["dataset"].get(job.dataset_arn)
            schema = self._resources["schema"].get(dataset.schema_arn) if dataset else None
        try:
            if dataset is None or schema is None:
                raise ImportFailed(f"The dataset {job.dataset_arn} no longer exists.")
            fields = parse_schema(schema.schema)
            frame = load_csv(read_location(job.data_location, s3_client=self.s3_client),
                             fields, job.data_location, dataset.dataset_type)
            if frame.empty:
                raise ImportFailed(f"Data at {job.data_location!r} has a header but no rows.")
            path = self.store.data_path(dataset.arn)
            if job.import_mode == "INCREMENTAL" and path.exists():
                frame = pd.concat([self._read_frame(path), frame], ignore_index=True)
            atomic_write_bytes(path, frame.to_csv(index=False).encode("utf-8"))
            reason = None
        except ImportFailed as exc:
            reason = str(exc)
        except Exception as exc:  # noqa: BLE001 - any failure must end the job, with its cause
            reason = f"The import failed unexpectedly: {type(exc).__name__}: {exc}"
        with self._writing():
            job = self._resources["dataset-import-job"].get(arn)
            if job is None:
                return
            if reason is None:
                job.rows = len(frame)
                if job.dataset_arn in self._resources["dataset"]:
                    dataset = self._resources["dataset"][job.dataset_arn]
                    dataset.data_rows = len(frame)
                    dataset.updated = time.time()
                self._transition(job, ACTIVE)
            else:
                self._transition(job, CREATE_FAILED, reason)

    def describe_dataset_import_job(self, dataset_import_job_arn: str) -> dict[str, Any]:
        with self._reading():
            job = self._get("dataset-import-job", dataset_import_job_arn)
            return {"dataset_import_job": job.to_dict()}

    def list_dataset_import_jobs(self, dataset_arn: str | None = None,
                                 next_token: str | None = None,
                                 max_results: int | None = None) -> dict[str, Any]:
        return self._list("dataset-import-job", "dataset_import_jobs", next_token, max_results,
                          lambda r: dataset_arn in (None, r.dataset_arn))

    # ---- data ------------------------------------------------------------------------------

    def _read_frame(self, path: Path) -> pd.DataFrame:
        """A dataset's stored data, cached until the file changes."""
        st = path.stat()
        signature = (st.st_mtime_ns, st.st_size)
        cached = self._frames.get(str(path))
        if cached and cached[0] == signature:
            return cached[1]
        frame = pd.read_csv(path, dtype={"USER_ID": str, "ITEM_ID": str, "EVENT_TYPE": str},
                            keep_default_na=False, na_values=[""])
        self._frames[str(path)] = (signature, frame)
        return frame

    def _group_frame(self, dataset_group_arn: str, dataset_type: str) -> pd.DataFrame | None:
        datasets = [d for d in self._children("dataset", "dataset_group_arn", dataset_group_arn)
                    if d.dataset_type == dataset_type]
        if not datasets:
            return None
        path = self.store.data_path(datasets[0].arn)
        return self._read_frame(path) if path.exists() else None

    # ---- solutions ---------------------------------------------------------------------

    def create_solution(self, name: str, dataset_group_arn: str, recipe_arn: str | None = None,
                        perform_hpo: bool | None = None, perform_auto_ml: bool | None = None,
                        perform_auto_training: bool | None = None,
                        perform_incremental_update: bool | None = None,
                        event_type: str | None = None, solution_config: dict | None = None,
                        tags: list | None = None) -> dict[str, Any]:
        from videorecs_widgets.local.recipes import RECIPES

        if perform_hpo or perform_auto_ml or perform_incremental_update:
            flag = ("performHPO" if perform_hpo else "performAutoML" if perform_auto_ml
                    else "performIncrementalUpdate")
            raise InvalidInputException(
                f"{flag} is not handled by the embedded engine: it trains each recipe with the "
                "given or default hyperparameters. Leave it false."
            )
        if not recipe_arn:
            raise InvalidInputException("recipeArn is required (AutoML is not handled).")
        if recipe_arn not in RECIPES:
            raise InvalidInputException(
                f"Recipe {recipe_arn!r} is not available in the embedded engine; available: "
                f"{', '.join(sorted(RECIPES))}."
            )
        _check_hyperparameters(recipe_arn, solution_config)
        with self._writing():
            self._get("dataset-group", dataset_group_arn)
            solution = Solution(name=name, recipe_arn=recipe_arn,
                                dataset_group_arn=dataset_group_arn, event_type=event_type,
                                solution_config=solution_config, tags=tags or [])
            self._add(solution)
            self._activate_now(solution)
        return {"solution_arn": solution.arn}

    def describe_solution(self, solution_arn: str) -> dict[str, Any]:
        with self._reading():
            solution = self._get("solution", solution_arn)
            out = solution.to_dict()
            latest = self._resources["solution-version"].get(solution.latest_version_arn or "")
            if latest is not None:
                out["latest_solution_version"] = latest.to_dict(full=False)
            return {"solution": out}

    def list_solutions(self, dataset_group_arn: str | None = None, next_token: str | None = None,
                       max_results: int | None = None) -> dict[str, Any]:
        return self._list("solution", "solutions", next_token, max_results,
                          lambda r: dataset_group_arn in (None, r.dataset_group_arn))

    def delete_solution(self, solution_arn: str) -> dict[str, Any]:
        with self._writing():
            self._get("solution", solution_arn)
            versions = self._children("solution-version", "solution_arn", solution_arn)
            for version in versions:
                campaigns = [c for c in self._resources["campaign"].values()
                             if c.uses(version.arn)]
                if campaigns:
                    raise ResourceInUseException(
                        f"Resource Arn {solution_arn} is in use by the campaign "
                        f"{_use(campaigns[0], version.arn, 'its')}; delete the campaign first."
                    )
                if version.status in IN_PROGRESS:
                    raise ResourceInUseException(
                        f"Resource Arn {solution_arn} is in use: its solution version "
                        f"{version.arn} is still training."
                    )
            for version in versions:
                del self._resources["solution-version"][version.arn]
            del self._resources["solution"][solution_arn]
        for version in versions:
            with contextlib.suppress(FileNotFoundError):
                self.store.model_path(version.arn).unlink()
        return {}

    # ---- solution versions ---------------------------------------------------------------

    def create_solution_version(self, solution_arn: str, name: str | None = None,
                                training_mode: str | None = None,
                                tags: list | None = None) -> dict[str, Any]:
        with self._writing():
            solution = self._get("solution", solution_arn)
            # A version already training for this solution does not block another: the service
            # documents "a new version of the solution is created every time you call this
            # operation" and no refusal while one is in progress, only the account's quota.
            busy = [v for v in self._resources["solution-version"].values()
                    if v.status in IN_PROGRESS]
            if len(busy) >= MAX_TRAININGS_IN_PROGRESS:
                raise LimitExceededException(
                    f"{len(busy)} solution versions are already training; the limit is "
                    f"{MAX_TRAININGS_IN_PROGRESS}. Wait for one to finish."
                )
            datasets = self._children("dataset", "dataset_group_arn", solution.dataset_group_arn)
            importing = [j for d in datasets
                         for j in self._children("dataset-import-job", "dataset_arn", d.arn)
                         if j.status in IN_PROGRESS]
            if importing:
                raise ResourceInUseException(
                    f"The dataset group {solution.dataset_group_arn} is in use by the import "
                    f"job {importing[0].arn}; wait until it finishes before training."
                )
            version = SolutionVersion(name=name or "", solution_arn=solution_arn,
                                      settings=solution.settings(),
                                      training_mode=training_mode or "FULL", tags=tags or [])
            if not version.name:
                version.name = version.arn.rsplit("/", 1)[-1]
            self._add(version)
            solution.latest_version_arn = version.arn
        self._start(self._run_training, version.arn)
        return {"solution_version_arn": version.arn}

    def _training_data(self, version: SolutionVersion) -> tuple[pd.DataFrame, Any, Any]:
        group = version.settings["dataset_group_arn"]
        interactions = self._group_frame(group, "INTERACTIONS")
        if interactions is None:
            raise _TrainingFailed(
                f"The dataset group {group} has no imported interactions: create an "
                "INTERACTIONS dataset and import data into it before training."
            )
        event_type = version.settings.get("event_type")
        if event_type:
            if "EVENT_TYPE" not in interactions.columns:
                raise _TrainingFailed(
                    f"The solution trains on eventType {event_type!r}, but the interactions "
                    "have no EVENT_TYPE column."
                )
            interactions = interactions[interactions["EVENT_TYPE"] == event_type]
        threshold = (version.settings.get("solution_config") or {}).get("event_value_threshold")
        if threshold is not None and "EVENT_VALUE" in interactions.columns:
            interactions = interactions[interactions["EVENT_VALUE"] >= float(threshold)]
        counts = interactions["USER_ID"].value_counts()
        users = int((counts >= 2).sum())
        if len(interactions) < MIN_INTERACTIONS or users < MIN_USERS:
            scope = f" of event type {event_type!r}" if event_type else ""
            raise _TrainingFailed(
                f"There are not enough interactions{scope} to train: {len(interactions)} "
                f"interactions and {users} users with at least 2 interactions; training needs "
                f"at least {MIN_INTERACTIONS} interactions and {MIN_USERS} such users."
            )
        return (interactions, self._group_frame(group, "ITEMS"),
                self._group_frame(group, "USERS"))

    def _run_training(self, arn: str) -> None:
        from videorecs_widgets.local import recipes

        with self._writing():
            version = self._resources["solution-version"].get(arn)
            if version is None:
                return
            self._transition(version, CREATE_IN_PROGRESS)
        metrics = None
        started = time.perf_counter()
        try:
            with self._lock:
                interactions, items, users = self._training_data(version)
            config = version.settings.get("solution_config") or {}
            options = {"items": items, "users": users,
                       "hyperparameters": config.get("algorithm_hyper_parameters") or None,
                       "seed": 0}
            recipe = version.settings["recipe_arn"]
            model = recipes.train(recipe, interactions, **options)
            metrics = recipes.evaluate(recipe, interactions, **options)
            model.save(self.store.model_path(arn))  # atomic: temporary file, then rename
            reason = None
        except (_TrainingFailed, recipes.TrainingError) as exc:
            reason = str(exc)
        except Exception as exc:  # noqa: BLE001 - any failure must end the version, with its cause
            reason = f"Training failed unexpectedly: {type(exc).__name__}: {exc}"
        with self._writing():
            version = self._resources["solution-version"].get(arn)
            if version is None:
                return
            version.training_seconds = time.perf_counter() - started
            if reason is None:
                version.metrics = {k: float(v) for k, v in metrics.items()}
                self._transition(version, ACTIVE)
            else:
                self._transition(version, CREATE_FAILED, reason)

    def describe_solution_version(self, solution_version_arn: str) -> dict[str, Any]:
        with self._reading():
            version = self._get("solution-version", solution_version_arn)
            return {"solution_version": version.to_dict()}

    def list_solution_versions(self, solution_arn: str | None = None,
                               next_token: str | None = None,
                               max_results: int | None = None) -> dict[str, Any]:
        if solution_arn is not None:
            with self._reading():
                self._get("solution", solution_arn)
        return self._list("solution-version", "solution_versions", next_token, max_results,
                          lambda r: solution_arn in (None, r.solution_arn))

    def get_solution_metrics(self, solution_version_arn: str) -> dict[str, Any]:
        with self._reading():
            version = self._get("solution-version", solution_version_arn)
            if version.status != ACTIVE:
                raise ResourceInUseException(
                    f"Solution version {solution_version_arn} is {version.status}; its metrics "
                    "exist once it is ACTIVE."
                )
            return {"solution_version_arn": version.arn, "metrics": dict(version.metrics or {})}

    # ---- campaigns -------------------------------------------------------------------------

    def create_campaign(self, name: str, solution_version_arn: str,
                        min_provisioned_tps: int | None = None,
                        campaign_config: dict | None = None,
                        tags: list | None = None) -> dict[str, Any]:
        _check_campaign_config(solution_version_arn, campaign_config)
        with self._writing():
            self._deployable(solution_version_arn)
            campaign = Campaign(name=name, solution_version_arn=solution_version_arn,
                                min_provisioned_tps=min_provisioned_tps or 1,
                                campaign_config=campaign_config, tags=tags or [])
            self._add(campaign)
        self._start(self._run_deploy, campaign.arn)
        return {"campaign_arn": campaign.arn}

    def _deployable(self, solution_version_arn: str) -> SolutionVersion:
        version = self._get("solution-version", solution_version_arn)
        if version.status in IN_PROGRESS:
            raise ResourceInUseException(
                f"Solution version {solution_version_arn} is {version.status}; create the "
                "campaign once it is ACTIVE."
            )
        if version.status != ACTIVE:
            raise InvalidInputException(
                f"Solution version {solution_version_arn} is {version.status} "
                f"({version.failure_reason}); a campaign needs an ACTIVE one."
            )
        return version

    def _run_deploy(self, arn: str) -> None:
        with self._writing():
            campaign = self._resources["campaign"].get(arn)
            if campaign is None:
                return
            self._transition(campaign, CREATE_IN_PROGRESS)
        try:
            self._model(campaign.solution_version_arn)
            reason = None
        except ModelFileException as exc:
            reason = exc.message
        with self._writing():
            campaign = self._resources["campaign"].get(arn)
            if campaign is not None:
                self._transition(campaign, ACTIVE if reason is None else CREATE_FAILED, reason)

    def update_campaign(self, campaign_arn: str, solution_version_arn: str | None = None,
                        min_provisioned_tps: int | None = None,
                        campaign_config: dict | None = None) -> dict[str, Any]:
        """Deploy another solution version or settings: ``UPDATE PENDING`` -> ``UPDATE
        IN_PROGRESS`` -> ``ACTIVE``. Meanwhile an ACTIVE campaign goes on serving what it
        served; a failed update leaves it as it was, the failure in ``latestCampaignUpdate``."""
        with self._writing():
            campaign = self._get("campaign", campaign_arn)
            if campaign.status not in (ACTIVE, CREATE_FAILED):
                raise ResourceInUseException(
                    f"Resource Arn {campaign_arn} is in use: the campaign is {campaign.status}; "
                    "update it once it is ACTIVE or CREATE FAILED."
                )
            target = solution_version_arn or campaign.solution_version_arn
            _check_campaign_config(target, campaign_config)
            self._check_retrained(campaign, self._deployable(target))
            now = time.time()
            campaign.latest_update = {
                "solution_version_arn": target,
                "min_provisioned_tps": min_provisioned_tps or campaign.min_provisioned_tps,
                "campaign_config": (campaign_config if campaign_config is not None
                                    else campaign.campaign_config),
                "status": CREATE_PENDING, "failure_reason": None, "created": now,
                "updated": now, "from_status": campaign.status,
                "from_reason": campaign.failure_reason,
            }
            self._transition(campaign, UPDATE_PENDING)
            campaign.worker_pid = os.getpid()
        self._start(self._run_update, campaign_arn)
        return {"campaign_arn": campaign_arn}

    def _check_retrained(self, campaign: Campaign, version: SolutionVersion) -> None:
        """Refuse a version of another solution than the one the campaign serves.

        What the docs say: UpdateCampaign "updates a campaign to deploy a retrained solution
        version with an existing campaign"; the guide's "Updating a campaign" speaks of
        manually deploying "a new solution version", and automatic updates follow
        ``SolutionArn/$LATEST``, the campaign's own solution. Nothing speaks of moving a
        campaign to another solution, so the engine refuses it: a SIMS model behind a
        user-personalization campaign would change what every caller has to ask it.
        """
        from videorecs_widgets.local.recipes import RECIPES

        current = self._resources["solution-version"].get(campaign.solution_version_arn)
        if current is None or current.solution_arn == version.solution_arn:
            return

        def recipe(v: SolutionVersion) -> str:
            arn = v.settings.get("recipe_arn", "")
            info = RECIPES.get(arn)
            kind = f", {info.recipe_type}" if info is not None else ""
            return f"recipe {arn.rsplit('/', 1)[-1]!r}{kind}"

        raise InvalidInputException(
            f"Solution version {version.arn} is a version of the solution "
            f"{version.solution_arn} ({recipe(version)}), not of the campaign's solution "
            f"{current.solution_arn} ({recipe(current)}): update_campaign deploys a retrained "
            "version of the campaign's own solution. Create another campaign for this one."
        )

    def _run_update(self, arn: str) -> None:
        with self._writing():
            campaign = self._resources["campaign"].get(arn)
            if campaign is None or campaign.status != UPDATE_PENDING:
                return
            self._transition(campaign, UPDATE_IN_PROGRESS)
            update = campaign.latest_update
            update |= {"status": CREATE_IN_PROGRESS, "updated": time.time()}
        try:
            self._model(update["solution_version_arn"])
            reason = None
        except ModelFileException as exc:
            reason = exc.message
        with self._writing():
            campaign = self._resources["campaign"].get(arn)
            if campaign is None or campaign.status != UPDATE_IN_PROGRESS:
                return
            if reason is not None:
                self._end_update(campaign, reason)
                return
            update = campaign.latest_update
            campaign.solution_version_arn = update["solution_version_arn"]
            campaign.min_provisioned_tps = update["min_provisioned_tps"]
            campaign.campaign_config = update["campaign_config"]
            update |= {"status": ACTIVE, "updated": time.time()}
            self._transition(campaign, ACTIVE)

    def _end_update(self, campaign: Campaign, reason: str) -> None:
        """A failed update: the campaign goes back to what it was, the reason on the update."""
        update = campaign.latest_update or {}
        update |= {"status": CREATE_FAILED, "failure_reason": reason, "updated": time.time()}
        back = update.get("from_status", CREATE_FAILED)
        self._transition(campaign, back, update.get("from_reason") if back == CREATE_FAILED
                         else None)

    def describe_campaign(self, campaign_arn: str) -> dict[str, Any]:
        with self._reading():
            return {"campaign": self._get("campaign", campaign_arn).to_dict()}

    def list_campaigns(self, solution_arn: str | None = None, next_token: str | None = None,
                       max_results: int | None = None) -> dict[str, Any]:
        with self._reading():
            versions = {v.arn: v.solution_arn for v in self._resources["solution-version"].values()}
        return self._list("campaign", "campaigns", next_token, max_results,
                          lambda r: solution_arn in (None, versions.get(r.solution_version_arn)))

    def delete_campaign(self, campaign_arn: str) -> dict[str, Any]:
        with self._writing():
            campaign = self._get("campaign", campaign_arn)
            if campaign.status in IN_PROGRESS:
                raise ResourceInUseException(
                    f"Resource Arn {campaign_arn} is in use: the campaign is {campaign.status}; "
                    "delete it once it is ACTIVE or CREATE FAILED."
                )
            del self._resources["campaign"][campaign_arn]
        return {}

    # ---- filters ---------------------------------------------------------------------------

    def create_filter(self, name: str, dataset_group_arn: str, filter_expression: str,
                      tags: list | None = None) -> dict[str, Any]:
        expression = filter_lang.parse_filter_expression(filter_expression)
        with self._writing():
            self._get("dataset-group", dataset_group_arn)
            self._check_filter_fields(expression, dataset_group_arn)
            resource = Filter(name=name, dataset_group_arn=dataset_group_arn,
                              filter_expression=filter_expression, tags=tags or [])
            self._add(resource)
            self._activate_now(resource)
        return {"filter_arn": resource.arn}

    def _check_filter_fields(self, expression: filter_lang.FilterExpression, group: str) -> None:
        filter_lang.check_fields(expression, self._item_field_types(group), group=group,
                                 subject=f"Filter expression {expression.text!r}")

    def describe_filter(self, filter_arn: str) -> dict[str, Any]:
        with self._reading():
            return {"filter": self._get("filter", filter_arn).to_dict()}

    def list_filters(self, dataset_group_arn: str | None = None, next_token: str | None = None,
                     max_results: int | None = None) -> dict[str, Any]:
        return self._list("filter", "filters", next_token, max_results,
                          lambda r: dataset_group_arn in (None, r.dataset_group_arn))

    def delete_filter(self, filter_arn: str) -> dict[str, Any]:
        with self._writing():
            self._get("filter", filter_arn)
            del self._resources["filter"][filter_arn]
        return {}

    # ---- tags ------------------------------------------------------------------------------

    def _tagged(self, resource_arn: str) -> Resource:
        for entries in self._resources.values():
            if resource_arn in entries:
                return entries[resource_arn]
        raise ResourceNotFoundException.for_arn(resource_arn)

    def list_tags_for_resource(self, resource_arn: str) -> dict[str, Any]:
        with self._reading():
            return {"tags": [dict(t) for t in self._tagged(resource_arn).tags]}

    def tag_resource(self, resource_arn: str, tags: list) -> dict[str, Any]:
        _check_tags(tags)
        with self._writing():
            resource = self._tagged(resource_arn)
            merged = {t["tag_key"]: t for t in resource.tags} | {t["tag_key"]: t for t in tags}
            if len(merged) > MAX_TAGS:
                raise TooManyTagsException(
                    f"Resource Arn {resource_arn} would have {len(merged)} tags; a resource "
                    f"can have at most {MAX_TAGS}."
                )
            resource.tags = list(merged.values())
        return {}

    def untag_resource(self, resource_arn: str, tag_keys: list) -> dict[str, Any]:
        for key in tag_keys:
            if _reserved(key):
                raise InvalidInputException(
                    f"Tag key {key!r} starts with 'aws:', a prefix reserved for the tags AWS "
                    "applies itself, which cannot be removed."
                )
        with self._writing():
            resource = self._tagged(resource_arn)
            resource.tags = [t for t in resource.tags if t["tag_key"] not in set(tag_keys)]
        return {}

    # ---- recipes ---------------------------------------------------------------------------

    @staticmethod
    def _recipe_dict(info: Any, full: bool) -> dict[str, Any]:
        out = {
            "name": info.name,
            "recipe_arn": info.arn,
            "status": ACTIVE,
            "creation_date_time": RECIPE_CREATED,
            "last_updated_date_time": RECIPE_CREATED,
        }
        if full:
            out |= {
                "algorithm_arn": info.arn.replace(":recipe/", ":algorithm/"),
                "description": info.description,
                "recipe_type": info.recipe_type,
            }
        return out

    def list_recipes(self, recipe_provider: str | None = None, next_token: str | None = None,
                     max_results: int | None = None, domain: str | None = None,
                     ) -> dict[str, Any]:
        from videorecs_widgets.local.recipes import RECIPES

        items = [] if domain else [([a], self._recipe_dict(RECIPES[a], False)) for a in RECIPES]
        return paging.page(items, "recipes", next_token, max_results)

    def describe_recipe(self, recipe_arn: str) -> dict[str, Any]:
        from videorecs_widgets.local.recipes import RECIPES

        if recipe_arn not in RECIPES:
            raise ResourceNotFoundException.for_arn(recipe_arn)
        return {"recipe": self._recipe_dict(RECIPES[recipe_arn], True)}


def _reserved(text: str) -> bool:
    # The Personalize guide's tag requirements: "Your tag keys and tag values can't start with
    # aws:. AWS services apply tags that start with aws:, and those tags can't be modified."
    # AWS's tagging guides reserve the prefix in any case (aws:, AWS:, ...), so this does.
    return text[:4].lower() == "aws:"


def _check_tags(tags: list) -> None:
    """Refuse tags a caller may not set (TagResource and every create that takes tags)."""
    for tag in tags:
        key, value = tag["tag_key"], tag.get("tag_value", "")
        if _reserved(key):
            raise InvalidInputException(
                f"Tag key {key!r} starts with 'aws:', a prefix reserved for the tags AWS applies "
                "itself; choose another key."
            )
        if _reserved(value):
            raise InvalidInputException(
                f"Tag value {value!r} (of the tag key {key!r}) starts with 'aws:', a prefix "
                "reserved for the tags AWS applies itself; choose another value."
            )


def _use(campaign: Campaign, version_arn: str, article: str, status: str | None = None) -> str:
    """How ``campaign`` uses a version, for a refused delete: "arn:... (ACTIVE)", or "arn:...,
    which is being updated to <article> solution version arn:..."."""
    named = campaign.arn + (f" ({status})" if status else "")
    if campaign.solution_version_arn == version_arn:
        return named
    return f"{named}, which is being updated to {article} solution version {version_arn}"


def _check_hyperparameters(recipe_arn: str, solution_config: dict | None) -> None:
    """Refuse at create_solution the hyperparameters training would refuse, as the service
    does: a name the recipe does not take, or a value out of its range."""
    from videorecs_widgets.local import recipes

    given = (solution_config or {}).get("algorithm_hyper_parameters") or {}
    if not given:
        return
    accepted = sorted(recipes.hyperparameter_defaults(recipe_arn))
    unknown = sorted(set(given) - set(accepted))
    recipe = recipe_arn.rsplit("/", 1)[-1]
    if unknown:
        raise InvalidInputException(
            f"solutionConfig.algorithmHyperParameters: {', '.join(map(repr, unknown))} "
            f"{'is not a hyperparameter' if len(unknown) == 1 else 'are not hyperparameters'} "
            f"of the recipe {recipe!r}; it takes: {', '.join(accepted) or 'none'}."
        )
    try:
        recipes.parse_hyperparameters(recipe_arn, given)
    except recipes.TrainingError as exc:
        raise InvalidInputException(f"solutionConfig.algorithmHyperParameters: {exc}") from None


def _check_campaign_config(solution_version_arn: str, config: dict | None) -> None:
    """Refuse the campaign settings the engine would otherwise accept and ignore."""
    config = config or {}
    if solution_version_arn.endswith("/$LATEST") or config.get(
            "sync_with_latest_solution_version"):
        raise InvalidInputException(
            "Automatic campaign updates (syncWithLatestSolutionVersion, with a "
            "solutionVersionArn of the form SOLUTION_ARN/$LATEST) are not supported by the "
            "embedded engine: give the ARN of an ACTIVE solution version, and call "
            "update_campaign with the new one after training again."
        )
    unsupported = {
        "item_exploration_config": "campaignConfig.itemExplorationConfig (explorationWeight, "
                                   "explorationItemAgeCutOff)",
        "enable_metadata_with_recommendations": "campaignConfig."
                                                "enableMetadataWithRecommendations",
        "ranking_influence": "campaignConfig.rankingInfluence",
    }
    for key, what in unsupported.items():
        if config.get(key):
            raise InvalidInputException(
                f"{what} is not supported by the embedded engine: its models would answer "
                "exactly as without it. Leave it out."
            )


# --------------------------------------------------------------------------- one per workspace

_BACKENDS: dict[Path, PersonalizeBackend] = {}
_BACKENDS_LOCK = threading.Lock()


def backend_for(workspace: Path) -> PersonalizeBackend:
    """The process's backend for a (resolved) workspace folder, created on first use."""
    with _BACKENDS_LOCK:
        backend = _BACKENDS.get(workspace)
        if backend is None:
            backend = _BACKENDS[workspace] = PersonalizeBackend(workspace)
        return backend
