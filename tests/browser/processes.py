"""Servers the browser tests start as subprocesses: waiting for them to answer, stopping them.

A module of its own, not the conftest, so that test files can import it: ``conftest`` is a
name several folders of the suite share.
"""

from __future__ import annotations

import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest


def wait_for_http(url: str, process: subprocess.Popen, log: Path, timeout: float) -> None:
    """Wait until ``url`` answers 200; fail with the server's log if it exits or never does."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"The server for {url} exited with code {process.returncode} before "
                        f"answering. Its log:\n{log.read_text(errors='replace')[-4000:]}")
        try:
            with opener.open(url, timeout=2) as response:
                if response.status == 200:
                    return
                last = f"HTTP {response.status}"
        except urllib.error.HTTPError as exc:
            last = f"HTTP {exc.code}"
        except OSError as exc:
            last = str(exc)
        time.sleep(0.25)
    pytest.fail(f"{url} did not answer within {timeout:g} s ({last}). Server log:\n"
                f"{log.read_text(errors='replace')[-4000:]}")


def stop_process(process: subprocess.Popen, timeout: float = 30.0) -> int:
    """SIGTERM (what a service manager sends), then SIGKILL if it does not stop in time."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode
