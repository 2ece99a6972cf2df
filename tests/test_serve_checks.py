"""``videorecs-widgets app``'s refusals that need neither Voila nor a browser: each is said
before anything is built, fetched or served."""

from __future__ import annotations

import contextlib
import io

import pytest

from videorecs_widgets import cli, serve


@pytest.fixture
def no_server(monkeypatch):
    """Fail the test if the app would be served (or the lab's models built)."""
    monkeypatch.setattr(serve.AppServer, "start", lambda self, *a, **k: pytest.fail("served"))
    monkeypatch.setattr(serve, "ensure_lab_models", lambda *a, **k: pytest.fail("built"))


def run_app(*args: str) -> tuple[int, str, str]:
    """`videorecs-widgets app --no-browser ARGS` in this process: exit code, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(["app", "--no-browser", *args])
    return code, out.getvalue(), err.getvalue()


def test_cli_app_refuses_a_missing_registry_file(tmp_path, monkeypatch, no_server):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_app("--workspace", str(tmp_path / "ws"), "--registry", "nothere.yaml")
    assert code == 2
    assert out == ""
    assert err == (
        "videorecs-widgets app: Cannot serve the app with registry 'nothere.yaml': "
        f"{str(tmp_path / 'nothere.yaml')!r} does not exist; pass an existing registry file, "
        "or --build-lab-models to build the lab's models and register them in a new one.\n")
    assert not (tmp_path / "nothere.yaml").exists() and not (tmp_path / "ws").exists()
