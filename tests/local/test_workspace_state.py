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
