"""The workspace's state.json as several processes share it: resources a process left in
progress when it ended, and stored entries whose fields have the wrong type.

Every call goes through real boto3 clients; errors are checked by code and message.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from botocore.exceptions import ClientError

from videorecs_widgets.clients import personalize_clients

ARN = "arn:aws:personalize:local:000000000000:"
CAMPAIGN = ARN + "campaign/c"
NOW = 1_700_000_000.0


def _error(excinfo) -> tuple[str, str]:
    return excinfo.value.response["Error"]["Code"], excinfo.value.response["Error"]["Message"]


def _write_state(workspace, resources: dict) -> None:
    """state.json holding ``resources`` (kind -> list of entries), as another process wrote it."""
    workspace.mkdir(exist_ok=True)
    state = {"version": 1, "resources": {
        kind: {e["arn"]: e for e in entries} for kind, entries in resources.items()}}
    (workspace / "state.json").write_text(json.dumps(state))


def _campaign(status: str, **fields) -> dict:
    return {"name": "c", "arn": CAMPAIGN, "created": NOW, "updated": NOW, "status": status,
            "solution_version_arn": ARN + "solution/s/1", **fields}


def _update(status: str = "CREATE PENDING", **fields) -> dict:
    return {"solution_version_arn": ARN + "solution/s/2", "min_provisioned_tps": 1,
            "campaign_config": None, "status": status, "failure_reason": None,
            "created": NOW, "updated": NOW, "from_status": "ACTIVE", "from_reason": None,
            **fields}


@pytest.fixture
def worker():
    """A live process standing for another kernel's engine; the test ends it."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    yield process
    process.kill()
    process.wait()


def _end(process) -> None:
    process.kill()
    process.wait()  # reaped: its pid no longer exists


# -- a worker that ends after this process has read the state -------------------------------------


def test_describe_campaign__updating_process_ends_after_state_was_read(tmp_path, worker):
    workspace = tmp_path / "ws"
    _write_state(workspace, {"campaign": [_campaign(
        "UPDATE PENDING", worker_pid=worker.pid, latest_update=_update())]})
    p = personalize_clients("local", workspace=workspace).personalize
    assert p.describe_campaign(campaignArn=CAMPAIGN)["campaign"]["status"] == "UPDATE PENDING"
    with pytest.raises(ClientError) as excinfo:
        p.delete_campaign(campaignArn=CAMPAIGN)
    assert _error(excinfo)[0] == "ResourceInUseException"

    _end(worker)  # nothing writes state.json after this

    described = p.describe_campaign(campaignArn=CAMPAIGN)["campaign"]
    assert described["status"] == "ACTIVE"
    assert described["solutionVersionArn"] == ARN + "solution/s/1"
    assert described["latestCampaignUpdate"]["status"] == "CREATE FAILED"
    assert described["latestCampaignUpdate"]["failureReason"] == (
        f"The process (pid {worker.pid}) that was updating this campaign ended before it "
        "finished; update it again.")
    # The repair is saved at once, so every process sees the same one.
    stored = json.loads((workspace / "state.json").read_text())["resources"]["campaign"][CAMPAIGN]
    assert stored["status"] == "ACTIVE" and stored["worker_pid"] is None
    assert stored["latest_update"]["status"] == "CREATE FAILED"
    p.delete_campaign(campaignArn=CAMPAIGN)
    assert p.list_campaigns()["campaigns"] == []


def test_delete_campaign__creating_process_ends_after_state_was_read(tmp_path, worker):
    workspace = tmp_path / "ws"
    _write_state(workspace, {"campaign": [_campaign("CREATE PENDING", worker_pid=worker.pid)]})
    p = personalize_clients("local", workspace=workspace).personalize
    summary, = p.list_campaigns()["campaigns"]
    assert summary["status"] == "CREATE PENDING"

    _end(worker)

    p.delete_campaign(campaignArn=CAMPAIGN)  # no longer ResourceInUseException
    assert p.list_campaigns()["campaigns"] == []


def test_describe_campaign__worker_alive_stays_in_progress(tmp_path, worker):
    workspace = tmp_path / "ws"
    _write_state(workspace, {"campaign": [_campaign(
        "UPDATE IN_PROGRESS", worker_pid=worker.pid,
        latest_update=_update("CREATE IN_PROGRESS"))]})
    before = (workspace / "state.json").read_bytes()
    p = personalize_clients("local", workspace=workspace).personalize
    for _ in range(3):
        assert p.describe_campaign(
            campaignArn=CAMPAIGN)["campaign"]["status"] == "UPDATE IN_PROGRESS"
    assert (workspace / "state.json").read_bytes() == before


# -- stored fields of the wrong type --------------------------------------------------------------


def _refused_every_time(workspace, problem: str) -> None:
    """Every call answers StateFileException naming the file and ``problem``; nothing is saved."""
    before = (workspace / "state.json").read_bytes()
    p = personalize_clients("local", workspace=workspace).personalize
    calls = [lambda: p.describe_campaign(campaignArn=CAMPAIGN), p.list_campaigns,
             lambda: p.update_campaign(campaignArn=CAMPAIGN, minProvisionedTPS=2),
             lambda: p.delete_campaign(campaignArn=CAMPAIGN),
             lambda: p.create_dataset_group(name="x")]
    for call in calls + calls:
        with pytest.raises(ClientError) as excinfo:
            call()
        assert _error(excinfo) == (
            "StateFileException",
            f"The engine state {str(workspace / 'state.json')!r} cannot be read: {problem}. The "
            "engine leaves the file as it is; move it away to start an empty workspace (its "
            "resources are then forgotten), or repair it.")
        assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert (workspace / "state.json").read_bytes() == before


@pytest.mark.parametrize(("fields", "problem"), [
    ({"created": "yesterday"}, "has created = 'yesterday', which is not a finite number"),
    ({"updated": float("inf")}, "has updated = inf, which is not a finite number"),
    ({"name": 7}, "has name = 7, which is not a string"),
    ({"worker_pid": "12"}, "has worker_pid = '12', which is not an integer or null"),
    ({"min_provisioned_tps": True}, "has min_provisioned_tps = True, which is not an integer"),
    ({"campaign_config": []}, "has campaign_config = [], which is not an object or null"),
    ({"status": "DONE"},
     "has status = 'DONE', which is not a status of a campaign (ACTIVE, CREATE FAILED, "
     "CREATE IN_PROGRESS, CREATE PENDING, UPDATE IN_PROGRESS, UPDATE PENDING)"),
    ({"tags": [{"tag_key": "lab"}]},
     "has tags[0] = {'tag_key': 'lab'}, which is not a tag (an object with the strings tag_key "
     "and tag_value)"),
    ({"latest_update": {"status": "ACTIVE"}},
     "has latest_update without the key(s) campaign_config, created, min_provisioned_tps, "
     "solution_version_arn, updated"),
    ({"latest_update": _update(created="soon")},
     "has latest_update.created = 'soon', which is not a finite number"),
    ({"latest_update": _update(status="DONE")},
     "has latest_update.status = 'DONE', which is not a status of a campaign update (ACTIVE, "
     "CREATE FAILED, CREATE IN_PROGRESS, CREATE PENDING)"),
    ({"latest_update": _update(colour="blue")},
     "has latest_update with the unknown key(s) colour"),
    ({"status": "UPDATE PENDING", "latest_update": None},
     "is UPDATE PENDING but has no latest_update"),
    ({"arn": ARN + "campaign/other"},
     f"has arn = '{ARN}campaign/other', which is not the ARN it is stored under"),
])
def test_describe_campaign__stored_field_of_the_wrong_type(tmp_path, fields, problem):
    workspace = tmp_path / "ws"
    _write_state(workspace, {"campaign": [_campaign("ACTIVE") | fields | {"arn": CAMPAIGN}]})
    if "arn" in fields:  # stored under CAMPAIGN, naming another ARN inside
        state = json.loads((workspace / "state.json").read_text())
        state["resources"]["campaign"][CAMPAIGN]["arn"] = fields["arn"]
        (workspace / "state.json").write_text(json.dumps(state))
    _refused_every_time(workspace, f"the campaign {CAMPAIGN!r} {problem}")


def test_describe_solution_version__stored_settings_without_recipe(tmp_path):
    workspace = tmp_path / "ws"
    version = ARN + "solution/s/1"
    _write_state(workspace, {"solution-version": [{
        "name": "1", "arn": version, "created": NOW, "updated": NOW, "status": "ACTIVE",
        "solution_arn": ARN + "solution/s", "settings": {"dataset_group_arn": ARN + "g"}}]})
    _refused_every_time(workspace, f"the solution-version {version!r} has settings without "
                                   "the key(s) recipe_arn")
