"""The engine's workspace folder: resource state, trained models and imported data on disk.

Layout of a workspace::

    state.json          every resource, as JSON (written atomically)
    .lock               taken (flock) while a process reads-modifies-writes state.json
    models/<id>.model   trained models, one per solution version (TrainedModel.save)
    data/<id>.csv       the data imported into each dataset (CSV with header)

Every write goes to a temporary file in the same folder and is renamed over the target, so a
reader never sees half a file. A process notices that another one changed ``state.json`` by
its inode, size and modification time, and reloads it.

A ``state.json`` the engine cannot read (not JSON, another version, an entry it does not know,
a field of the wrong type or a nested object missing keys) is never written over: it counts as
read only once the backend has built its resources from it, so every call refuses it again
(:class:`~.exceptions.StateFileException`, naming the file and the problem) until someone moves
it away or repairs it, and :meth:`WorkspaceStore.save` refuses to
replace a file this process has not read.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from videorecs_widgets.errors import InvalidParameterError
from videorecs_widgets.local.exceptions import StateFileException

try:  # POSIX only; on other systems two processes writing at once is simply not guarded.
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

STATE_VERSION = 1
WORKSPACE_ENV = "VIDEORECS_WORKSPACE"
T = TypeVar("T")


def _as_is(state: dict) -> Any:
    return state


def resolve_workspace(workspace: str | os.PathLike[str] | None = None) -> Path:
    """The workspace folder: the argument, else $VIDEORECS_WORKSPACE, else ./.videorecs."""
    if workspace is None:
        workspace = os.environ.get(WORKSPACE_ENV) or ".videorecs"
    return Path(workspace).expanduser().resolve()


def _unusable(root: Path, exc: OSError) -> InvalidParameterError:
    """The error for a workspace folder the engine cannot write to, saying why and what to do."""
    if isinstance(exc, FileExistsError) or (root.exists() and not root.is_dir()):
        why = "it is a file, not a folder"
    elif isinstance(exc, NotADirectoryError):
        why = "a part of that path is a file, not a folder"
    else:
        why = f"{exc.strerror or exc} ({str(exc.filename or root)!r})"
    return InvalidParameterError(
        f"The embedded engine's workspace {str(root)!r} cannot be used: {why}. The engine keeps "
        "its state there and must be able to write to it; pass workspace= (or set "
        f"${WORKSPACE_ENV}) to a folder you can write to."
    )


def check_workspace(root: Path) -> Path:
    """Create ``root`` if needed and make sure the engine can take its lock there.

    Raises :class:`~videorecs_widgets.errors.InvalidParameterError` naming the folder when it
    cannot be created or written to (a read-only or immutable folder, a path under a file), so
    the problem shows when the clients are made, not as an OSError inside the first call.
    """
    try:
        root.mkdir(parents=True, exist_ok=True)
        # Opening the lock file for appending is exactly what every write needs first.
        with open(root / ".lock", "a+b"):
            pass
    except OSError as exc:
        raise _unusable(root, exc) from None
    return root


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so readers see either the old file or the whole new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _file_id(arn: str) -> str:
    """A file name for a resource: readable tail of the ARN plus a short hash of all of it."""
    tail = arn.rsplit(":", 1)[-1].replace("/", "_")
    digest = hashlib.sha1(arn.encode()).hexdigest()[:10]
    return f"{tail[:80]}-{digest}"


class WorkspaceStore:
    """Reads and writes one workspace folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.state_path = root / "state.json"
        self.models_dir = root / "models"
        self.data_dir = root / "data"
        self._seen: tuple[int, int, int] | None = None

    def _signature(self) -> tuple[int, int, int] | None:
        # Every save renames a new file into place, so the inode changes even when two saves
        # fall within one timestamp tick and have the same size.
        try:
            st = self.state_path.stat()
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def changed_on_disk(self) -> bool:
        """True when state.json differs from what this process last read or wrote."""
        return self._signature() != self._seen

    def load(self, build: Callable[[dict], T] = _as_is) -> T:
        """What ``build`` makes of the stored state (an empty state when the workspace is new).

        The file counts as read only once ``build`` has returned: when it raises (a state this
        library cannot use), the next :meth:`changed_on_disk` is still true, so the next call
        reads and refuses the file again instead of working on an empty workspace.
        """
        signature = self._signature()
        if signature is None:
            built = build({"version": STATE_VERSION, "resources": {}})
            self._seen = None
            return built
        text = self.state_path.read_text(encoding="utf-8")
        try:
            state = json.loads(text)
        except json.JSONDecodeError as exc:
            raise self.unreadable(f"it is not valid JSON ({exc})") from None
        built = build(state)
        self._seen = signature
        return built

    def unreadable(self, problem: str) -> StateFileException:
        """The error for a state file the engine cannot use, naming the file and the problem."""
        return StateFileException(
            f"The engine state {str(self.state_path)!r} cannot be read: {problem}. The engine "
            "leaves the file as it is; move it away to start an empty workspace (its resources "
            "are then forgotten), or repair it."
        )

    def save(self, state: dict) -> None:
        if self.changed_on_disk():  # never replace a state this process has not read
            raise self.unreadable(
                "it changed on disk after this process last read it, and it was not read again "
                "before saving"
            )
        data = json.dumps(state, indent=1, sort_keys=True).encode("utf-8")
        atomic_write_bytes(self.state_path, data)
        self._seen = self._signature()

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the workspace's inter-process lock (a no-op where flock does not exist)."""
        if fcntl is None:  # pragma: no cover
            yield
            return
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            handle = open(self.root / ".lock", "a+b")  # noqa: SIM115 - closed by the with below
        except OSError as exc:  # the folder became unwritable after the clients were made
            raise _unusable(self.root, exc) from None
        with handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    def model_path(self, solution_version_arn: str) -> Path:
        return self.models_dir / f"{_file_id(solution_version_arn)}.model"

    def data_path(self, dataset_arn: str) -> Path:
        return self.data_dir / f"{_file_id(dataset_arn)}.csv"
