"""Fixtures for the browser tests: Debian's Chromium driven by Playwright, the lab's models in a
temporary workspace, the app served by ``videorecs-widgets app`` and JupyterLab on a free port.

Chromium is the system's (``/usr/bin/chromium``, installed by .ci/run with apt-get), never a
browser downloaded by a test tool. When it is missing the tests fail and say how to install it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from page_checks import CHROMIUM, CHROMIUM_ARGS
from processes import stop_process, wait_for_http

from videorecs_widgets.lab import project_root
from videorecs_widgets.serve import HOST, READY_PATH, free_port


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(
            f"The browser tests need Debian's Chromium at {CHROMIUM}, which is missing. "
            "Install it with `apt-get update && apt-get install -y chromium` (.ci/run does "
            "this); these tests never download a browser.",
            pytrace=False,
        )
    return CHROMIUM


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(chromium_path),
                                              headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser):
    """A fresh page (1400 x 1150) that records every URL it requests in ``page.requests``."""
    context = browser.new_context(viewport={"width": 1400, "height": 1150})
    page = context.new_page()
    page.set_default_timeout(30_000)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.requests = requests
    yield page
    context.close()


@pytest.fixture(scope="session")
def lab(ml100k_dir, tmp_path_factory):
    """The lab's six campaigns in a temporary workspace, registered in a temporary models.yaml
    (lab.build_lab_models, as `videorecs-widgets app` does on a fresh checkout)."""
    from videorecs_widgets.catalog import Catalog
    from videorecs_widgets.lab import build_lab_models
    from videorecs_widgets.registry import ModelRegistry

    root = tmp_path_factory.mktemp("browser-lab")
    workspace, registry_path = root / "workspace", root / "models.yaml"
    arns = build_lab_models(workspace, registry_path, lab_data_dir=root / "lab-data")
    return SimpleNamespace(root=root, workspace=workspace, registry_path=registry_path,
                           arns=arns, registry=ModelRegistry(registry_path),
                           catalog=Catalog.from_movielens(ml100k_dir.parent))


@pytest.fixture(scope="session")
def app_url(lab) -> Iterator[str]:
    """`videorecs-widgets app --no-browser` on a free port, stopped (SIGTERM) after the tests;
    the stop must be clean: exit code 0 and Voila gone."""
    port = free_port()
    log = lab.root / "app.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "videorecs_widgets.cli", "app", "--no-browser",
             "--port", str(port), "--workspace", str(lab.workspace),
             "--registry", str(lab.registry_path)],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
    url = f"http://{HOST}:{port}/"
    try:
        wait_for_http(url + READY_PATH, process, log, timeout=90)
        yield url
    finally:
        code = stop_process(process)
    text = log.read_text(errors="replace")
    assert code == 0, f"videorecs-widgets app exited with {code}:\n{text[-3000:]}"
    assert "Stopping the app." in text
    assert "Kernel shutdown" in text or "Kernel started" not in text, text[-3000:]


@pytest.fixture(scope="session")
def jupyterlab_url(lab) -> Iterator[SimpleNamespace]:
    """JupyterLab on a free port with no token, serving a folder holding a copy of notebook 03
    whose parameters point at the test's workspace and registry. Settings, workspaces and
    runtime files stay in the temporary folder; nothing is asked of the internet."""
    import nbformat

    from videorecs_widgets.notebook_runner import inject_parameters

    folder = lab.root / "jupyterlab"
    (folder / "notebooks").mkdir(parents=True)
    nb = nbformat.read(project_root() / "notebooks" / "03_explore.ipynb", as_version=4)
    inject_parameters(nb, {"WORKSPACE": str(lab.workspace),
                           "REGISTRY_PATH": str(lab.registry_path)})
    nbformat.write(nb, folder / "notebooks" / "03_explore.ipynb")
    # Render every cell (no windowing), so the app's output is in the page wherever the
    # notebook is scrolled; and no news toast over the screenshot.
    settings = folder / "settings" / "@jupyterlab"
    for name, value in {"notebook-extension/tracker": {"windowingMode": "none"},
                        "apputils-extension/notification": {"fetchNews": "false"}}.items():
        path = settings / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value))
    port = free_port()
    env = dict(os.environ,
               JUPYTER_CONFIG_DIR=str(folder / "config"),
               JUPYTER_RUNTIME_DIR=str(folder / "runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(folder / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(folder / "workspaces"),
               JUPYTER_PLATFORM_DIRS="1")
    log = folder / "jupyterlab.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}",
             "--ServerApp.port_retries=0", f"--ServerApp.ip={HOST}",
             "--IdentityProvider.token=", "--ServerApp.password=",
             f"--ServerApp.root_dir={folder / 'notebooks'}",
             "--ServerApp.allow_root=True",  # CI runs as root
             "--LabApp.news_url=None", "--LabApp.extension_manager=readonly",
             "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
            start_new_session=True,  # its kernels are stopped with it
        )
    url = f"http://{HOST}:{port}/"
    try:
        wait_for_http(url + "api/status", process, log, timeout=90)
        yield SimpleNamespace(url=url, notebook="03_explore.ipynb", log=log)
    finally:
        stop_process(process)
