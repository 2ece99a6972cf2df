"""What the browser tests check on a page: requests that leave the machine, widget errors;
and the Chromium they use."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from videorecs_widgets.lab import project_root

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--no-first-run",
    "--no-proxy-server",  # every page here is on 127.0.0.1
]
SCREENSHOTS = (project_root() or Path.cwd()) / "build" / "screenshots"
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}
#: schemes a page uses without any network: in-page blobs, inline data, the empty page
LOCAL_SCHEMES = {"blob", "data", "about"}

# Markers of a widget or cell that failed, in Voila and in JupyterLab.
ERROR_SELECTORS = {
    "a cell's error or stderr output":
        ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']",
    "a widget view that failed": ".jupyter-widgets-error-widget",
}
ERROR_TEXTS = ("Error displaying widget", "Failed to create view for",
               "Traceback (most recent call last)")


def is_local_url(url: str) -> bool:
    """Whether loading ``url`` stays on this machine (loopback, or no network at all)."""
    parts = urlsplit(url)
    if parts.scheme in LOCAL_SCHEMES:
        return True
    return parts.scheme in {"http", "https", "ws", "wss"} and (
        parts.hostname in LOOPBACK_HOSTS or (parts.hostname or "").startswith("127.")
    )


def _excerpt(text: str, size: int = 900) -> str:
    # a traceback's message is at its end: keep the start and the end of long texts
    return text if len(text) <= size else f"{text[:200]} … {text[-(size - 200):]}"


def widget_errors(page) -> list[str]:
    """What the page shows of failed widgets or cells (empty when there is none)."""
    problems = []
    for what, selector in ERROR_SELECTORS.items():
        found = page.locator(selector)
        if found.count():
            problems.append(f"{what}: {_excerpt(found.first.inner_text())!r}")
    for text in ERROR_TEXTS:
        found = page.get_by_text(text)
        if found.count():
            problems.append(f"text {text!r}: {_excerpt(found.first.inner_text())!r}")
    return problems


def assert_no_widget_error(page, where: str) -> None:
    problems = widget_errors(page)
    if problems:
        pytest.fail(f"The page shows a widget error {where}:\n- " + "\n- ".join(problems),
                    pytrace=False)
