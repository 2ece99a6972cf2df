"""The embedded engine's resources: their fields, ARNs, describe / list shapes and statuses.

Each resource builds its own ARN (region ``local``, account ``000000000000``) and gives its
describe dict with ``to_dict(full=True)`` and its list summary with ``full=False``, in
snake_case (the protocol module turns names into the API's camelCase). Fields are plain JSON
values so the workspace store can persist them as they are.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
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


def make_arn(resource: str) -> str:
    return f"arn:aws:personalize:{REGION}:{ACCOUNT}:{resource}"


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

    def __post_init__(self) -> None:
        if not self.arn:
            self.arn = self.build_arn()
        self.updated = self.updated or self.created

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


KINDS: dict[str, type[Resource]] = {
    cls.kind: cls
    for cls in (DatasetGroup, Schema, Dataset, DatasetImportJob, Solution, SolutionVersion,
                Campaign, Filter)
}
