"""Servers the browser tests start as subprocesses: waiting for them to answer, stopping them.

A module of its own, not the conftest, so that test files can import it: ``conftest`` is a
name several folders of the suite share.
"""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import pytest

from videorecs_widgets import serve


def wait_for_http(url: str, process: subprocess.Popen, log: Path, timeout: float) -> None:
    """Wait until ``url`` answers 200; fail with the server's log if it exits or never does."""
    why = serve.wait_for_http(url, timeout, lambda: process.poll() is None)
    if why == serve.EXITED:
        pytest.fail(f"The server for {url} exited with code {process.returncode} before "
                    f"answering. Its log:\n{log.read_text(errors='replace')[-4000:]}")
    if why is not None:
        pytest.fail(f"{url} did not answer within {timeout:g} s ({why}). Server log:\n"
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
