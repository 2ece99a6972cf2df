"""``videorecs-widgets app``'s refusals that need neither Voila nor a browser: each is said
before anything is built, fetched or served."""

from __future__ import annotations

import contextlib
import errno
import importlib.util
import io
import socket

import pytest

from videorecs_widgets import cli, serve


@pytest.fixture(autouse=True)
def restored_data_dir_variable(monkeypatch):
    """`app --data-dir` sets VIDEORECS_DATA_DIR for its kernels; undo that after each test
    (an empty value means unset to the library)."""
    monkeypatch.setenv("VIDEORECS_DATA_DIR", "")


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


@pytest.fixture
def bind_fails(monkeypatch):
    """Make binding port 1000 fail with the given errno, as the OS would."""
    def install(code: int, text: str) -> int:
        real_bind = socket.socket.bind

        def bind(self, address):
            if address[1] == 1000:
                raise OSError(code, text)
            return real_bind(self, address)

        monkeypatch.setattr(socket.socket, "bind", bind)
        return 1000

    return install


def test_cli_app_says_a_low_port_needs_privileges(tmp_path, bind_fails, no_server):
    port = bind_fails(errno.EACCES, "Permission denied")
    (tmp_path / "models.yaml").write_text("models: []\n")
    code, _, err = run_app("--port", str(port), "--workspace", str(tmp_path / "ws"),
                           "--registry", str(tmp_path / "models.yaml"))
    assert code == 2
    assert err == (
        "videorecs-widgets app: Cannot serve the app on 127.0.0.1:1000: listening on a port "
        "below 1024 needs privileges; pick a port above 1023, or none to use a free one.\n")


def test_cli_app_says_what_the_os_said_for_other_bind_errors(tmp_path, bind_fails, no_server):
    port = bind_fails(errno.EADDRNOTAVAIL, "Cannot assign requested address")
    (tmp_path / "models.yaml").write_text("models: []\n")
    code, _, err = run_app("--port", str(port), "--workspace", str(tmp_path / "ws"),
                           "--registry", str(tmp_path / "models.yaml"))
    assert code == 2
    assert err == (
        "videorecs-widgets app: Cannot serve the app on 127.0.0.1:1000: Cannot assign "
        "requested address; pass another port, or none to use a free one.\n")


def test_server_start_reports_the_bind_error(tmp_path, bind_fails, monkeypatch):
    port = bind_fails(errno.EACCES, "Permission denied")
    # the port is refused before Voila would run, whether or not the app extra is installed
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: object() if name == "voila" else find_spec(name, *a))
    server = serve.AppServer(tmp_path / "ws", tmp_path / "models.yaml", port=port)
    with pytest.raises(serve.AppServerError, match=r"127\.0\.0\.1:1000: listening on a port "
                                                   r"below 1024 needs privileges"):
        server.start()
    assert not server.running


def test_port_in_use_is_still_reported_as_in_use(tmp_path, no_server):
    (tmp_path / "models.yaml").write_text("models: []\n")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind((serve.HOST, 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, _, err = run_app("--port", str(port), "--workspace", str(tmp_path / "ws"),
                               "--registry", str(tmp_path / "models.yaml"))
    assert code == 2
    assert err == (f"videorecs-widgets app: Cannot serve the app on 127.0.0.1:{port}: the "
                   "port is already in use; pass another port, or none to use a free one.\n")


def test_cli_app_refuses_a_data_dir_it_cannot_make_before_serving(tmp_path, monkeypatch,
                                                                  no_server):
    (tmp_path / "models.yaml").write_text("models: []\n")
    (tmp_path / "file").write_text("in the way")
    data_dir = tmp_path / "file" / "data"
    code, _, err = run_app("--workspace", str(tmp_path / "ws"), "--registry",
                           str(tmp_path / "models.yaml"), "--data-dir", str(data_dir))
    assert code == 2
    assert err == (
        f"videorecs-widgets app: Cannot fetch MovieLens 100k into {str(data_dir)!r}: Not a "
        "directory; choose a data folder you can write (--data-dir, or VIDEORECS_DATA_DIR).\n")


def test_cli_app_fetches_the_data_before_serving(tmp_path, monkeypatch, ml100k_dir):
    from videorecs_widgets import movielens

    (tmp_path / "models.yaml").write_text("models: []\n")
    data_dir = tmp_path / "new-data"
    monkeypatch.setenv("VIDEORECS_DATA", str(ml100k_dir))  # the copy to fetch, no network
    seen = []

    def start(self, *args, **kwargs):
        seen.append(movielens.verified_source(data_dir / "ml-100k"))
        raise KeyboardInterrupt  # what Ctrl+C does: serve_app stops cleanly

    monkeypatch.setattr(serve.AppServer, "start", start)
    code, out, _ = run_app("--workspace", str(tmp_path / "ws"), "--registry",
                           str(tmp_path / "models.yaml"), "--data-dir", str(data_dir))
    assert code == 0, out
    assert seen == [f"folder {ml100k_dir}"]


@pytest.fixture()
def http_server():
    """A loopback HTTP server answering 200 for /ready and 404 for anything else."""
    import http.server
    import threading

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the stdlib's name)
            self.send_response(200 if self.path == "/ready" else 404)
            self.end_headers()

        def log_message(self, *args):  # keep the test output clean
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_wait_for_http_answers_none_once_the_url_gives_200(http_server):
    assert serve.wait_for_http(f"{http_server}/ready", 5, lambda: True) is None


def test_wait_for_http_gives_the_last_answer_when_time_runs_out(http_server):
    assert serve.wait_for_http(f"{http_server}/other", 0.5, lambda: True) == "HTTP 404"


def test_wait_for_http_says_the_server_exited_before_asking(http_server):
    asked = []

    def running() -> bool:
        asked.append(1)
        return False

    assert serve.wait_for_http(f"{http_server}/ready", 5, running) == serve.EXITED
    assert asked == [1]  # asked before the URL, and once
