"""videorecs_widgets.serve without a browser: the page's notebook, when the lab's models must be
built, the server's start, offline page and clean stop, and its refusals.

It lives beside the browser tests to share their session fixture ``lab`` (the lab's models,
built once).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import nbformat
import pytest
from processes import stop_process, wait_for_http

from videorecs_widgets import cli
from videorecs_widgets.errors import InvalidParameterError
from videorecs_widgets.registry import ModelRegistry, ModelSpec
from videorecs_widgets.serve import (
    HOST,
    READY_PATH,
    AppServer,
    AppServerError,
    app_notebook,
    ensure_lab_models,
    free_port,
    lab_models_missing,
    port_is_free,
)

AWS_ARN = "arn:aws:personalize:us-east-1:123456789012:campaign/recs"
MISSING_ARN = "arn:aws:personalize:local:000000000000:campaign/does-not-exist"


def run_app(*args: str) -> tuple[int, str]:
    """`videorecs-widgets app --no-browser ARGS` in this process: exit code and stderr."""
    import contextlib
    import io

    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = cli.main(["app", "--no-browser", *args])
    return code, err.getvalue()


def test_app_notebook_shows_the_app_from_the_registry_folder(tmp_path):
    nb = app_notebook(tmp_path / "ws", tmp_path / "conf" / "models.yaml", user_id="196")
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    assert nb.metadata.title == "Video Recommendations"
    parameters, app = nb.cells
    assert parameters.metadata.tags == ["parameters"]
    namespace: dict = {}
    exec(parameters.source, namespace)  # plain literals only
    assert namespace["WORKSPACE"] == str((tmp_path / "ws").resolve())
    assert namespace["REGISTRY_FOLDER"] == str((tmp_path / "conf").resolve())
    assert namespace["REGISTRY_FILE"] == "models.yaml"
    assert namespace["DATA_DIR"] is None and namespace["USER_ID"] == "196"
    assert "VideoRecsApp(catalog, REGISTRY_FILE, workspace=WORKSPACE" in app.source
    assert app.source.rstrip().endswith("app")


def test_lab_models_missing_when_there_is_no_registry_file(tmp_path):
    reason = lab_models_missing(tmp_path / "ws", tmp_path / "models.yaml")
    assert reason == f"{tmp_path / 'models.yaml'} does not exist"


def test_lab_models_missing_when_the_registry_lists_no_model(tmp_path):
    (tmp_path / "models.yaml").write_text("models: []\n")
    assert lab_models_missing(tmp_path / "ws", tmp_path / "models.yaml") == (
        f"{tmp_path / 'models.yaml'} lists no models")


def test_lab_models_missing_when_a_local_campaign_is_not_in_the_workspace(lab, tmp_path):
    empty = tmp_path / "empty-workspace"
    first = lab.registry.models[0].name
    assert lab_models_missing(empty, lab.registry_path) == (
        f"model {first!r} of {lab.registry_path} is not in the engine's folder {empty}")


def test_lab_models_present_in_their_workspace(lab):
    assert lab_models_missing(lab.workspace, lab.registry_path) is None
    assert ensure_lab_models(lab.workspace, lab.registry_path, echo=pytest.fail) is False


def test_aws_models_are_not_asked_about(tmp_path):
    registry = ModelRegistry(tmp_path / "models.yaml")
    registry.add(ModelSpec("On AWS", AWS_ARN, "recommendations", 1))
    assert lab_models_missing(tmp_path / "ws", registry.path) is None


def test_server_refuses_an_invalid_port(lab):
    with pytest.raises(InvalidParameterError, match=r"Invalid port 70000: use a number"):
        AppServer(lab.workspace, lab.registry_path, port=70000)


def test_server_refuses_a_port_in_use(lab):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind((HOST, 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert not port_is_free(port)
        server = AppServer(lab.workspace, lab.registry_path, port=port)
        with pytest.raises(AppServerError, match=rf"127\.0\.0\.1:{port}: the port is already"):
            server.start()
        assert not server.running


def test_cli_app_says_the_port_is_in_use(lab, capsys):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind((HOST, 0))
        busy.listen()
        port = busy.getsockname()[1]
        code = cli.main(["app", "--no-browser", "--port", str(port), "--workspace",
                         str(lab.workspace), "--registry", str(lab.registry_path)])
    assert code == 2
    err = capsys.readouterr().err
    assert f"videorecs-widgets app: Cannot serve the app on 127.0.0.1:{port}" in err


def test_server_serves_an_offline_page_and_stops_cleanly(lab, tmp_path):
    server = AppServer(lab.workspace, lab.registry_path, log_path=tmp_path / "voila.log")
    with server:
        assert server.running
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", server.url)
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(server.url, timeout=60) as response:
            page = response.read().decode()
        folder = server._folder.name
    assert "<title>Video Recommendations</title>" in page
    # nothing the page loads (style sheets, scripts, images) comes from another host
    sources = re.findall(r"""<(?:link|script|img)\b[^>]*?\b(?:href|src)=["']([^"']+)""", page)
    assert sources, "the page loads nothing?"
    assert not [s for s in sources if re.match(r"(https?:)?//", s)], sources
    assert not server.running
    assert not Path(folder).exists()
    log = (tmp_path / "voila.log").read_text()
    assert "Kernel started" in log and "Kernel shutdown" in log
    assert port_is_free(int(server.url.rsplit(":", 1)[1].strip("/")))


def test_free_port_is_free():
    assert port_is_free(free_port())


def test_cli_app_refuses_a_registry_folder_before_building_anything(tmp_path):
    workspace = tmp_path / "ws"
    code, err = run_app("--workspace", str(workspace), "--registry", str(tmp_path))
    assert code == 2
    assert err == (
        f"videorecs-widgets app: Cannot serve the app with registry {str(tmp_path)!r}: it is a "
        f"folder, not a file; pass the models.yaml inside it (--registry "
        f"{str(tmp_path / 'models.yaml')!r}).\n")
    assert not workspace.exists()  # nothing was trained


def test_cli_app_refuses_a_registry_in_a_missing_folder_before_building_anything(tmp_path):
    workspace, registry = tmp_path / "ws", tmp_path / "nope" / "models.yaml"
    code, err = run_app("--workspace", str(workspace), "--registry", str(registry),
                        "--build-lab-models")
    assert code == 2
    assert err == (
        f"videorecs-widgets app: Cannot serve the app with registry {str(registry)!r}: its "
        f"folder {str(tmp_path / 'nope')!r} does not exist; create the folder first, or pass "
        "a registry in an existing folder.\n")
    assert not workspace.exists() and not registry.parent.exists()


def test_cli_app_refuses_a_busy_port_before_building_anything(tmp_path):
    workspace, registry = tmp_path / "ws", tmp_path / "models.yaml"
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind((HOST, 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, err = run_app("--port", str(port), "--workspace", str(workspace),
                            "--registry", str(registry), "--build-lab-models")
    assert code == 2
    assert err == (f"videorecs-widgets app: Cannot serve the app on 127.0.0.1:{port}: the "
                   "port is already in use; pass another port, or none to use a free one.\n")
    assert not workspace.exists() and not registry.exists()


def test_cli_app_refuses_a_workspace_that_is_a_file(tmp_path):
    (tmp_path / "ws").write_text("not a folder")
    (tmp_path / "models.yaml").write_text("models: []\n")
    code, err = run_app("--workspace", str(tmp_path / "ws"), "--registry",
                        str(tmp_path / "models.yaml"))
    assert code == 2
    assert err == (
        "videorecs-widgets app: Cannot serve the app with the embedded engine's workspace "
        f"{str(tmp_path / 'ws')!r}: it is a file, not a folder; pass --workspace with a "
        "folder.\n")


def test_cli_app_serves_a_users_registry_as_it_is(tmp_path):
    """A user's own models.yaml is never added to: no lab models are built or registered in
    it; the page is served and its panels say which campaign is missing."""
    registry = tmp_path / "mine.yaml"
    ModelRegistry(registry).add(ModelSpec("Mine", MISSING_ARN, "recommendations", 1))
    before = registry.read_bytes()
    workspace, port, log = tmp_path / "ws", free_port(), tmp_path / "app.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "videorecs_widgets.cli", "app", "--no-browser",
             "--port", str(port), "--workspace", str(workspace), "--registry", str(registry)],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        wait_for_http(f"http://{HOST}:{port}/{READY_PATH}", process, log, timeout=90)
    finally:
        code = stop_process(process)
    text = log.read_text(errors="replace")
    assert code == 0, text[-3000:]
    assert f"Voilà is running at:\nhttp://127.0.0.1:{port}/" in text
    assert "Building the lab's models" not in text and "Registered" not in text
    assert registry.read_bytes() == before
    assert not (workspace / "lab-data").exists()
