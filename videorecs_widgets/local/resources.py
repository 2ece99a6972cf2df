"""The embedded engine's resources: their fields, ARNs, describe / list shapes and statuses.

Each resource builds its own ARN (region ``local``, account ``000000000000``) and gives its
describe dict with ``to_dict(full=True)`` and its list summary with ``full=False``, in
snake_case (the protocol module turns names into the API's camelCase). Fields are plain JSON
values so the workspace store can persist them as they are.
"""

from __future__ import annotations

import functools
import math
import time
import types
import typing
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

REGION = "local"
ACCOUNT = "000000000000"

ACTIVE = "ACTIVE"
CREATE_PENDING = "CREATE PENDING"
CREATE_IN_PROGRESS = "CREATE IN_PROGRESS"
CREATE_FAILED = "CREATE FAILED"
UPDATE_PENDING = "UPDATE PENDING"  # only campaigns are updated (UpdateCampaign)
UPDATE_IN_PROGRESS = "UPDATE IN_PROGRESS"

# Every status change of every resource goes through this table. An update starts from ACTIVE
# or CREATE FAILED (as UpdateCampaign requires) and ends ACTIVE, or back where it started when
# it fails (the campaign keeps what it had).
TRANSITIONS: dict[str | None, tuple[str, ...]] = {
    None: (CREATE_PENDING,),
    CREATE_PENDING: (CREATE_IN_PROGRESS, CREATE_FAILED),
    CREATE_IN_PROGRESS: (ACTIVE, CREATE_FAILED),
    ACTIVE: (UPDATE_PENDING,),
    CREATE_FAILED: (UPDATE_PENDING,),
    UPDATE_PENDING: (UPDATE_IN_PROGRESS, ACTIVE, CREATE_FAILED),
    UPDATE_IN_PROGRESS: (ACTIVE, CREATE_FAILED),
}
CREATING = (CREATE_PENDING, CREATE_IN_PROGRESS)
UPDATING = (UPDATE_PENDING, UPDATE_IN_PROGRESS)
IN_PROGRESS = CREATING + UPDATING


CREATION_STATUSES = (ACTIVE, CREATE_FAILED, CREATE_IN_PROGRESS, CREATE_PENDING)


def make_arn(resource: str) -> str:
    return f"arn:aws:personalize:{REGION}:{ACCOUNT}:{resource}"


# -- checking what state.json holds ----------------------------------------------------------------
# A stored entry is checked before it becomes a resource, so a value of the wrong type is
# refused when the file is read (naming the field) instead of failing later, wherever it is
# used: a timestamp in botocore's response parser, a nested key in describe_campaign.

_TYPE_NAMES = {str: "a string", int: "an integer", float: "a finite number",
               bool: "true or false", list: "a list", dict: "an object", type(None): "null"}


def _fits(value: Any, kind: type) -> bool:
    if isinstance(value, bool):  # JSON true is no integer, and no number of seconds
        return kind is bool
    if kind is float:
        return isinstance(value, int | float) and math.isfinite(value)
    return isinstance(value, kind)


def _type_problem(name: str, value: Any, hint: Any) -> str | None:
    kinds = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    if any(_fits(value, kind) for kind in kinds):
        return None
    expected = " or ".join(_TYPE_NAMES[kind] for kind in kinds)
    return f"has {name} = {value!r}, which is not {expected}"


def _status_problem(name: str, value: Any, allowed: Iterable[str | None], what: str) -> str | None:
    allowed = tuple(allowed)
    if value in allowed:
        return None
    shown = ", ".join(sorted(a for a in allowed if a is not None))
    return f"has {name} = {value!r}, which is not a status of {what} ({shown})"


def _object_problem(name: str, value: Mapping[str, Any], keys: Mapping[str, Any],
                    required: Iterable[str]) -> str | None:
    """What is wrong with a nested object (a campaign's latest_update, ...), or None."""
    missing = sorted(set(required) - set(value))
    if missing:
        return f"has {name} without the key(s) {', '.join(missing)}"
    unknown = sorted(set(value) - set(keys))
    if unknown:
        return f"has {name} with the unknown key(s) {', '.join(unknown)}"
    for key, hint in keys.items():
        problem = key in value and _type_problem(f"{name}.{key}", value[key], hint)
        if problem:
            return problem
    return None


@functools.cache
def _field_hints(cls: type) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    return {f.name: hints[f.name] for f in fields(cls)}


@dataclass
class Resource:
    """Fields shared by every resource; subclasses add theirs and build their ARN."""

    kind: ClassVar[str]
    arn_key: ClassVar[str]
    # What to do about one left CREATE FAILED by a process that ended mid-creation.
    redo_advice: ClassVar[str] = "delete it and create it again"
    name: str
    arn: str = ""
    created: float = field(default_factory=time.time)
    updated: float = 0.0
    status: str | None = None
    failure_reason: str | None = None
    worker_pid: int | None = None
    tags: list = field(default_factory=list)

    # The statuses it can be stored with.
    statuses: ClassVar[tuple[str, ...]] = CREATION_STATUSES

    def __post_init__(self) -> None:
        if not self.arn:
            self.arn = self.build_arn()
        self.updated = self.updated or self.created

    @classmethod
    def stored_type_problem(cls, values: Mapping[str, Any]) -> str | None:
        """What is wrong with the types of a stored entry's fields (known fields only), as
        "has created = 'yesterday', which is not a finite number"; None when they fit."""
        hints = _field_hints(cls)
        for name, value in values.items():
            problem = name in hints and _type_problem(name, value, hints[name])
            if problem:
                return problem
        return None

    def stored_problem(self, key: str) -> str | None:
        """What else makes a resource built from state.json (under ``key``) unusable: an
        unknown status, a malformed tag, a nested object missing keys; None when it is fine."""
        if self.arn != key:
            return f"has arn = {self.arn!r}, which is not the ARN it is stored under"
        problem = _status_problem("status", self.status, self.statuses, f"a {self.kind}")
        if problem:
            return problem
        for n, tag in enumerate(self.tags):
            if not (isinstance(tag, dict) and set(tag) == {"tag_key", "tag_value"}
                    and all(isinstance(v, str) for v in tag.values())):
                return (f"has tags[{n}] = {tag!r}, which is not a tag (an object with the "
                        "strings tag_key and tag_value)")
        return None

    def build_arn(self) -> str:
        return make_arn(f"{self.kind}/{self.name}")

    def base(self) -> dict[str, Any]:
        return {
            "name": self.name,
            self.arn_key: self.arn,
            "status": self.status,
            "creation_date_time": self.created,
            "last_updated_date_time": self.updated,
            "failure_reason": self.failure_reason,
        }

    def to_dict(self, full: bool = True) -> dict[str, Any]:
        return self.base()


@dataclass
class DatasetGroup(Resource):
    kind: ClassVar[str] = "dataset-group"
    arn_key: ClassVar[str] = "dataset_group_arn"
    role_arn: str | None = None
    kms_key_arn: str | None = None
    domain: str | None = None

    def to_dict(self, full: bool = True) -> dict[str, Any]:
        out = self.base() | {"domain": self.domain}
        if full:
            out |= {"role_arn": self.role_arn, "kms_key_arn": self.kms_key_arn}
        return out


@dataclass
class Schema(Resource):
    kind: ClassVar[str] = "schema"
    arn_key: ClassVar[str] = "schema_arn"
    schema: str = ""
    domain: str | None = None

    def to_dict(self, full: bool = True) -> dict[str, Any]:
        out = self.base() | {"domain": self.domain}
        del out["status"], out["failure_reason"]
        if full:
            out["schema"] = self.schema
        return out


@dataclass
class Dataset(Resource):
    kind: ClassVar[str] = "dataset"
    arn_key: ClassVar[str] = "dataset_arn"
    dataset_group_arn: str = ""
    dataset_type: str = ""
    schema_arn: str = ""
    data_rows: int = 0

    def build_arn(self) -> str:
        group = self.dataset_group_arn.rsplit("/", 1)[-1]
        return make_arn(f"dataset/{group}/{self.dataset_type}")

    def to_dict(self, full: bool = True) -> dict[str, Any]:
        out = self.base() | {"dataset_type": self.dataset_type}
        del out["failure_reason"]
        if full:
            out |= {"dataset_group_arn": self.dataset_group_arn, "schema_arn": self.schema_arn}
        return out


@dataclass
class DatasetImportJob(Resource):
    kind: ClassVar[str] = "dataset-import-job"
    arn_key: ClassVar[str] = "dataset_import_job_arn"
    redo_advice: ClassVar[str] = ("create a new dataset import job (the service has no way to "
                                  "delete one)")
    dataset_arn: str = ""
    data_location: str = ""
    role_arn: str | None = None
    import_mode: str = "FULL"
    publish_attribution_metrics_to_s3: bool | None = None
    rows: int | None = None

    def to_dict(self, full: bool = True) -> dict[str, Any]:
        out = self.base() | {"job_name": self.name, "import_mode": self.import_mode}
        del out["name"]
        if full:
            out |= {
                "dataset_arn": self.dataset_arn,
                "data_source": {"data_location": self.data_location},
                "role_arn": self.role_arn,
                "publish_attribution_metrics_to_s3": self.publish_attribution_metrics_to_s3,
            }
        return out


@dataclass
class Solution(Resource):
    kind: ClassVar[str] = "solution"
    arn_key: ClassVar[str] = "solution_arn"
    recipe_arn: str = ""
    dataset_group_arn: str = ""
    event_type: str | None = None
    solution_config: dict | None = None
    latest_version_arn: str | None = None

    def settings(self) -> dict[str, Any]:
        return {
            "perform_hpo": False,
            "perform_auto_ml": False,
            "recipe_arn": self.recipe_arn,
            "dataset_group_arn": self.dataset_group_arn,
            "event_type": self.event_type,
            "solution_config": self.solution_config,
        }

    def to_dict(self, full: bool = True) -> dict[str, Any]:
        out = self.base() | {"recipe_arn": self.recipe_arn}
        del out["failure_reason"]
        if full:
            out |= self.settings() | {
                "perform_auto_training": False,
                "perform_incremental_update": False,
            }
        return out


@dataclass
class SolutionVersion(Resource):
    kind: ClassVar[str] = "solution-version"
    arn_key: ClassVar[str] = "solution_version_arn"
    redo_advice: ClassVar[str] = ("create a new solution version (the service has no way to "
                                  "delete one)")
    solution_arn: str = ""
    settings: dict = field(default_factory=dict)  # the solution's settings when training began
    training_mode: str = "FULL"
    training_seconds: float | None = None
    metrics: dict | None = None

    def build_arn(self) -> str:
        return f"{self.solution_arn}/{uuid.uuid4().hex[:8]}"

    def stored_problem(self, key: str) -> str | None:
        # The runtime reads recipe_arn and dataset_group_arn; describe shows every key.
        return super().stored_problem(key) or _object_problem(
            "settings", self.settings, _SETTINGS_KEYS, ("recipe_arn", "dataset_group_arn"))

    def to_dict(self, full: bool = True) -> dict[str, Any]:
        out = self.base() | {"training_mode": self.training_mode, "training_type": "MANUAL"}
        del out["name"]
        if full:
            hours = None if self.training_seconds is None else self.training_seconds / 3600
            out |= self.settings | {
                "name": self.name,
                "solution_arn": self.solution_arn,
                "training_hours": hours,
                "perform_incremental_update": False,
            }
        return out


@dataclass
class Campaign(Resource):
    """A deployed solution version. ``solution_version_arn`` and the settings are what it serves
    now; ``latest_update`` is the last UpdateCampaign (what it will serve once that is ACTIVE,
    its own status and failure, and ``from_status``, the status to go back to if it fails)."""

    kind: ClassVar[str] = "campaign"
    arn_key: ClassVar[str] = "campaign_arn"
    statuses: ClassVar[tuple[str, ...]] = CREATION_STATUSES + UPDATING
    solution_version_arn: str = ""
    min_provisioned_tps: int = 1
    campaign_config: dict | None = None
    latest_update: dict | None = None

    @property
    def serves(self) -> bool:
        """Whether it answers recommendations: when ACTIVE, and during an update of an ACTIVE
        campaign (with what it served before, as the service does)."""
        if self.status in UPDATING:
            return (self.latest_update or {}).get("from_status") == ACTIVE
        return self.status == ACTIVE

    def stored_problem(self, key: str) -> str | None:
        problem = super().stored_problem(key)
        if problem:
            return problem
        update = self.latest_update
        if update is None:
            return f"is {self.status} but has no latest_update" if self.status in UPDATING else None
        return (_object_problem("latest_update", update, _UPDATE_KEYS, _UPDATE_REQUIRED)
                or _status_problem("latest_update.status", update["status"],
                                   CREATION_STATUSES, "a campaign update")
                or _status_problem("latest_update.from_status", update.get("from_status"),
                                   (ACTIVE, CREATE_FAILED, None), "a campaign"))

    @property
    def updating_to(self) -> str | None:
        """The solution version an update in progress is deploying, else None."""
        if self.status in UPDATING and self.latest_update:
            return self.latest_update["solution_version_arn"]
        return None

    def uses(self, solution_version_arn: str) -> bool:
        """Whether it serves that version or an update in progress is deploying it: either way
        the version's model and data must stay (deletes check this)."""
        return solution_version_arn in (self.solution_version_arn, self.updating_to)

    def to_dict(self, full: bool = True) -> dict[str, Any]:
        out = self.base()
        if full:
            out |= {
                "solution_version_arn": self.solution_version_arn,
                "min_provisioned_tps": self.min_provisioned_tps,
                "campaign_config": self.campaign_config,
            }
            update = self.latest_update
            if update is not None:
                out["latest_campaign_update"] = {
                    "solution_version_arn": update["solution_version_arn"],
                    "min_provisioned_tps": update["min_provisioned_tps"],
                    "campaign_config": update["campaign_config"],
                    "status": update["status"],
                    "failure_reason": update.get("failure_reason"),
                    "creation_date_time": update["created"],
                    "last_updated_date_time": update["updated"],
                }
        return out


@dataclass
class Filter(Resource):
    kind: ClassVar[str] = "filter"
    arn_key: ClassVar[str] = "filter_arn"
    dataset_group_arn: str = ""
    filter_expression: str = ""

    def to_dict(self, full: bool = True) -> dict[str, Any]:
        out = self.base() | {"dataset_group_arn": self.dataset_group_arn}
        if full:
            out["filter_expression"] = self.filter_expression
        return out


# The keys of the nested objects stored in state.json, with their types.
_SETTINGS_KEYS = {"perform_hpo": bool, "perform_auto_ml": bool, "recipe_arn": str,
                  "dataset_group_arn": str, "event_type": str | None,
                  "solution_config": dict | None}
_UPDATE_KEYS = {"solution_version_arn": str, "min_provisioned_tps": int,
                "campaign_config": dict | None, "status": str, "failure_reason": str | None,
                "created": float, "updated": float, "from_status": str | None,
                "from_reason": str | None}
_UPDATE_REQUIRED = ("solution_version_arn", "min_provisioned_tps", "campaign_config", "status",
                    "created", "updated")

KINDS: dict[str, type[Resource]] = {
    cls.kind: cls
    for cls in (DatasetGroup, Schema, Dataset, DatasetImportJob, Solution, SolutionVersion,
                Campaign, Filter)
}
