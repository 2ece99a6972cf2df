"""Serve :class:`~videorecs_widgets.VideoRecsApp` as a standalone web page with Voila.

``videorecs-widgets app`` checks its arguments (:func:`check_app_arguments`), fetches MovieLens
100k if it is missing, builds the lab's
models when it serves the lab's own ``models.yaml`` or is asked to (:func:`ensure_lab_models`;
a user's own registry file is never added to otherwise), and then runs an :class:`AppServer`:

- the page is a small notebook written at start into a temporary folder (one cell of
  parameters, one that builds the app); Voila runs it in a fresh kernel for each visit, in the
  registry's folder, and shows only the widgets;
- Voila listens on 127.0.0.1 only, on a free port unless one is given;
- the page works offline: it uses the ``videorecs`` Voila template shipped in this package
  (``web/voila/templates/videorecs``), which is Voila's lab template without the style sheets
  that template links from a CDN (the icons the widgets use are in Voila's own bundle);
- :meth:`AppServer.start` returns once the server answers HTTP, :meth:`AppServer.stop` stops
  Voila (which shuts its kernels down) and removes the temporary folder.
"""

from __future__ import annotations

import contextlib
import errno
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import warnings
import webbrowser
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

import nbformat

from videorecs_widgets.errors import InvalidParameterError, VideorecsError

HOST = "127.0.0.1"
TEMPLATE = "videorecs"
#: a Jupyter data folder: it holds voila/templates/videorecs (added to JUPYTER_PATH for Voila)
WEB_DIR = Path(__file__).resolve().parent / "web"
APP_NOTEBOOK = "videorecs_app.ipynb"
PAGE_TITLE = "Video Recommendations"
#: a file Voila serves without starting a kernel: what "the server answers" is checked with
READY_PATH = "voila/static/voila.js"

# The kernel works in the registry's folder, so the page names the file as its user knows it
# ("models.yaml"), not by the temporary folder Voila runs the page from.
_APP_SOURCE = """\
import os

from videorecs_widgets import Catalog, VideoRecsApp

os.chdir(REGISTRY_FOLDER)
catalog = Catalog.from_movielens(DATA_DIR, fetch=True)
app = VideoRecsApp(catalog, REGISTRY_FILE, workspace=WORKSPACE, user_id=USER_ID)
app"""


class AppServerError(VideorecsError):
    """The app's web server could not be started (or answered nothing); the message says why."""


def app_notebook(
    workspace: str | os.PathLike[str],
    registry_path: str | os.PathLike[str],
    *,
    data_dir: str | os.PathLike[str] | None = None,
    user_id: str | None = None,
) -> nbformat.NotebookNode:
    """The page's notebook: a ``parameters`` cell and the cell showing the app."""
    registry = Path(registry_path).resolve()
    parameters = {
        "WORKSPACE": str(Path(workspace).resolve()),
        "REGISTRY_FOLDER": str(registry.parent),
        "REGISTRY_FILE": registry.name,
        "DATA_DIR": None if data_dir is None else str(Path(data_dir).resolve()),
        "USER_ID": user_id,
    }
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.metadata["title"] = PAGE_TITLE
    nb.cells = [
        nbformat.v4.new_code_cell("\n".join(f"{k} = {v!r}" for k, v in parameters.items()),
                                  metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(_APP_SOURCE),
    ]
    return nb


def free_port(host: str = HOST) -> int:
    """A TCP port nobody listens on at ``host`` right now (the system picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_bind_error(port: int, host: str = HOST) -> OSError | None:
    """Why a server (Voila, tornado) could not listen on ``port`` at ``host``: the OS's error
    from trying to bind it, or ``None`` when it could."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # as servers do: connections closed a moment ago (TIME_WAIT) do not hold the port
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            return exc
        return None


def port_is_free(port: int, host: str = HOST) -> bool:
    """Whether a server (Voila, tornado) could listen on ``port`` at ``host``."""
    return port_bind_error(port, host) is None


def _port_unavailable(port: int, error: OSError) -> AppServerError:
    """The refusal for a port that cannot be bound, saying what the OS said (a port below
    1024 without privileges is not "in use")."""
    if error.errno == errno.EADDRINUSE:
        reason = "the port is already in use; pass another port"
    elif error.errno == errno.EACCES and port < 1024:
        reason = "listening on a port below 1024 needs privileges; pick a port above 1023"
    else:
        reason = f"{error.strerror or error}; pass another port"
    return AppServerError(
        f"Cannot serve the app on {HOST}:{port}: {reason}, or none to use a free one.")


def check_app_arguments(
    workspace: str | os.PathLike[str],
    registry_path: str | os.PathLike[str],
    *,
    port: int | None = None,
    create_registry: bool = False,
) -> None:
    """Refuse, before anything is built or served, what would stop the app later: a registry
    path that is a folder or whose folder does not exist, a registry file that is missing
    (unless ``create_registry``: the lab's models will be registered in a new one) or cannot
    be read, a workspace that is a file, a port out of range or that cannot be bound (in use, or
    below 1024 without privileges).

    Raises :class:`~videorecs_widgets.errors.InvalidParameterError` (or
    :class:`AppServerError` for a port that cannot be bound) naming the offending value.
    """
    from videorecs_widgets.registry import DuplicateModelWarning, ModelRegistry

    path = Path(registry_path)
    if path.is_dir():
        raise InvalidParameterError(
            f"Cannot serve the app with registry {str(path)!r}: it is a folder, not a file; "
            f"pass the models.yaml inside it (--registry {str(path / 'models.yaml')!r})."
        )
    folder = path.resolve().parent
    if not folder.is_dir():
        raise InvalidParameterError(
            f"Cannot serve the app with registry {str(path)!r}: its folder {str(folder)!r} "
            "does not exist; create the folder first, or pass a registry in an existing folder."
        )
    if not path.exists() and not create_registry:
        # a mistyped path must not serve an empty app
        raise InvalidParameterError(
            f"Cannot serve the app with registry {str(path)!r}: {str(path.resolve())!r} does "
            "not exist; pass an existing registry file, or --build-lab-models to build the "
            "lab's models and register them in a new one."
        )
    if path.is_file():
        # broken YAML or an invalid model: refused now (RegistryError), not in the page
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DuplicateModelWarning)  # the page notes those
            ModelRegistry(path)
    ws = Path(workspace).resolve()
    blocker = next((p for p in (ws, *ws.parents) if p.exists()), None)
    if blocker is not None and not blocker.is_dir():
        where = "it is a file" if blocker == ws else f"{str(blocker)!r} is a file"
        raise InvalidParameterError(
            f"Cannot serve the app with the embedded engine's workspace {str(ws)!r}: {where}, "
            "not a folder; pass --workspace with a folder."
        )
    if port is not None:
        if not 0 < port < 65536:
            raise InvalidParameterError(
                f"Invalid port {port!r}: use a number from 1 to 65535.")
        if (error := port_bind_error(port)) is not None:
            raise _port_unavailable(port, error)


def lab_models_missing(
    workspace: str | os.PathLike[str], registry_path: str | os.PathLike[str]
) -> str | None:
    """Why the lab's models must be built before the app can show anything, or ``None``.

    They must when the registry file is missing or lists no model, or when a model of the
    embedded engine that it lists is not in ``workspace`` (a fresh checkout has models.yaml
    but no engine state). Models on AWS are not asked about.
    """
    from videorecs_widgets.clients import personalize_clients
    from videorecs_widgets.registry import ModelRegistry
    from videorecs_widgets.registry_check import NOT_FOUND, check_model

    path = Path(registry_path)
    if not path.is_file():
        return f"{path} does not exist"
    registry = ModelRegistry(path)
    if not registry.models:
        return f"{path} lists no models"
    local = [spec for spec in registry.models if spec.backend == "local"]
    if not local:
        return None
    clients = personalize_clients("local", workspace=workspace)
    for spec in local:
        if check_model(spec, clients).status == NOT_FOUND:
            return f"model {spec.name!r} of {path} is not in the engine's folder {workspace}"
    return None


def ensure_lab_models(
    workspace: str | os.PathLike[str],
    registry_path: str | os.PathLike[str],
    *,
    lab_data_dir: str | os.PathLike[str] | None = None,
    echo: Callable[[str], Any] = print,
) -> bool:
    """Build the lab's models (:func:`videorecs_widgets.lab.build_lab_models`) when
    :func:`lab_models_missing` says so. Returns True when it built them."""
    reason = lab_models_missing(workspace, registry_path)
    if reason is None:
        return False
    from videorecs_widgets.lab import build_lab_models

    echo(f"Building the lab's models first ({reason}); this takes a few seconds.")
    arns = build_lab_models(workspace, registry_path, lab_data_dir=lab_data_dir)
    echo(f"Registered {', '.join(arns)} in {registry_path}.")
    return True


#: what :func:`wait_for_http` answers when the server process ended first
EXITED = "the server exited"


def wait_for_http(url: str, timeout: float, running: Callable[[], bool]) -> str | None:
    """Poll ``url`` (loopback, no proxy) until it answers HTTP 200: ``None`` when it did,
    else why not: :data:`EXITED` once ``running()`` turns false, or the last answer seen
    ("HTTP 404", "Connection refused") when ``timeout`` seconds pass."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + timeout
    last = "no answer yet"
    while time.monotonic() < deadline:
        if not running():
            return EXITED
        try:
            with opener.open(url, timeout=2) as response:
                if response.status == 200:
                    return None
                last = f"HTTP {response.status}"
        except urllib.error.HTTPError as exc:
            last = f"HTTP {exc.code}"
        except OSError as exc:  # refused while it starts
            last = str(exc)
        time.sleep(0.2)
    return last


class AppServer:
    """Voila serving the app on ``127.0.0.1:port`` (a free port when ``port`` is ``None``).

    ``log_path``: where Voila's own log goes (default: the terminal). Use it as a context
    manager, or call :meth:`start` and :meth:`stop`.
    """

    def __init__(
        self,
        workspace: str | os.PathLike[str],
        registry_path: str | os.PathLike[str],
        *,
        port: int | None = None,
        data_dir: str | os.PathLike[str] | None = None,
        user_id: str | None = None,
        log_path: str | os.PathLike[str] | None = None,
    ) -> None:
        if port is not None and not 0 < port < 65536:
            raise InvalidParameterError(f"Invalid port {port!r}: use a number from 1 to 65535.")
        self.workspace = Path(workspace)
        self.registry_path = Path(registry_path)
        self.data_dir = data_dir
        self.user_id = user_id
        self.port = port
        self.log_path = Path(log_path) if log_path is not None else None
        self._process: subprocess.Popen[bytes] | None = None
        self._folder: tempfile.TemporaryDirectory[str] | None = None
        self._log: Any = None

    @property
    def url(self) -> str:
        """The page's address (known once the port is chosen, at :meth:`start`)."""
        if self.port is None:
            raise AppServerError("The app server has no port yet: call start() first.")
        return f"http://{HOST}:{self.port}/"

    @property
    def running(self) -> bool:
        """Whether Voila is running."""
        return self._process is not None and self._process.poll() is None

    def command(self, notebook: Path) -> list[str]:
        """The Voila command line for ``notebook``."""
        return [
            sys.executable, "-m", "voila", str(notebook),
            f"--Voila.ip={HOST}", f"--port={self.port}", "--Voila.port_retries=0",
            "--no-browser", f"--template={TEMPLATE}", "--theme=light",
            "--show_tracebacks=True",
        ]

    def start(self, timeout: float = 60.0) -> str:
        """Start Voila and wait until it answers; returns the page's address."""
        if self.running:
            return self.url
        if importlib.util.find_spec("voila") is None:
            raise AppServerError(
                "Cannot serve the app: Voila is not installed in this environment; install "
                "the package's app extra (pip install 'videorecs_widgets[app]') or run make setup."
            )
        if self.port is None:
            self.port = free_port()
        elif (error := port_bind_error(self.port)) is not None:
            raise _port_unavailable(self.port, error)
        self._folder = tempfile.TemporaryDirectory(prefix="videorecs-app-")
        notebook = Path(self._folder.name) / APP_NOTEBOOK
        nbformat.write(app_notebook(self.workspace, self.registry_path, data_dir=self.data_dir,
                                    user_id=self.user_id), notebook)
        env = dict(os.environ)
        env["JUPYTER_PATH"] = os.pathsep.join(
            p for p in (str(WEB_DIR), env.get("JUPYTER_PATH", "")) if p)
        env.setdefault("JUPYTER_PLATFORM_DIRS", "1")  # silences jupyter_core's migration notice
        if self.log_path is not None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        # Its own session: a Ctrl+C in the terminal reaches only our command, which then stops
        # Voila cleanly (Voila would otherwise get the SIGINT too, mid-shutdown).
        self._process = subprocess.Popen(
            self.command(notebook), cwd=self._folder.name, env=env, stdin=subprocess.DEVNULL,
            stdout=self._log, stderr=subprocess.STDOUT if self._log else None,
            start_new_session=True,
        )
        try:
            self.wait_ready(timeout)
        except BaseException:
            self.stop()
            raise
        return self.url

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Wait until Voila answers HTTP on its port; raise :class:`AppServerError` if it
        exits first or does not answer within ``timeout`` seconds."""
        probe = self.url + READY_PATH
        why = wait_for_http(probe, timeout, lambda: self._process is not None
                            and self._process.poll() is None)
        if why is None:
            return
        if why == EXITED:
            code = None if self._process is None else self._process.returncode
            raise AppServerError(
                f"Voila stopped (exit code {code!r}) before answering on {self.url}"
                f"{self._log_hint()}."
            )
        raise AppServerError(
            f"Voila did not answer on {probe} within {timeout:g} s ({why}){self._log_hint()}."
        )

    def wait(self) -> int:
        """Block until Voila exits; returns its exit code."""
        if self._process is None:
            raise AppServerError("The app server is not running: call start() first.")
        return self._process.wait()

    def stop(self, timeout: float = 15.0) -> None:
        """Stop Voila (SIGTERM: it shuts its kernels down), then remove the page's folder."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process is not None:
            # kernels left behind by a Voila that had to be killed: our session's group only
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
        if self._log is not None:
            self._log.close()
            self._log = None
        if self._folder is not None:
            self._folder.cleanup()
            self._folder = None

    def _log_hint(self) -> str:
        return f"; see its log in {self.log_path}" if self.log_path is not None else ""

    def __enter__(self) -> AppServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def serve_app(
    workspace: str | os.PathLike[str],
    registry_path: str | os.PathLike[str],
    *,
    port: int | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    lab_data_dir: str | os.PathLike[str] | None = None,
    build_lab_models: bool = False,
    open_browser: bool = True,
    echo: Callable[[str], Any] = print,
) -> None:
    """What ``videorecs-widgets app`` does: check the arguments; fetch MovieLens 100k into
    ``data_dir`` if it is not there yet; with ``build_lab_models``, build the lab's models if
    they are missing (and register them in ``registry_path``); serve the app until Ctrl+C (or
    SIGTERM), then stop Voila cleanly.

    Without ``build_lab_models`` the registry file, which must exist, is served as it is: the
    panels say which of its models are missing.
    """
    check_app_arguments(workspace, registry_path, port=port, create_registry=build_lab_models)
    from videorecs_widgets import movielens

    # now, not when the first visitor's kernel starts: a bad data folder is said here, and
    # the page does not wait for a download
    movielens.fetch(data_dir=data_dir)
    if build_lab_models:
        ensure_lab_models(workspace, registry_path, lab_data_dir=lab_data_dir, echo=echo)
    server = AppServer(workspace, registry_path, port=port, data_dir=data_dir)
    previous = _stop_on_sigterm()
    try:
        url = server.start()
        echo(f"The Video Recommendations app is at {url} (Ctrl+C stops it).")
        if open_browser:
            webbrowser.open(url)
        code = server.wait()
        raise AppServerError(f"Voila stopped unexpectedly (exit code {code!r}); see its log above.")
    except KeyboardInterrupt:
        echo("Stopping the app.")
    finally:
        server.stop()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _stop_on_sigterm() -> Any:
    """Make SIGTERM stop like Ctrl+C, so Voila (in its own session) is stopped too."""
    def _on_sigterm(_signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    try:
        return signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:  # not the main thread: signals cannot be handled here
        return None
