"""The model registry: ``models.yaml`` as :class:`ModelSpec` objects that panels can rely on.

::

    registry = ModelRegistry("models.yaml")      # absent or empty file: an empty registry
                                                  # (a missing folder: RegistryError)
    registry.of_type("similar-items")             # ordered by sort_order, then name
    registry.add(ModelSpec("SIMS", arn, "similar-items", 1), check_with=True)   # saved
    registry.update("SIMS", sort_order=2)         # saved
    registry.remove("SIMS", save=False)           # in memory only ...
    registry.save()                               # ... until save()
    registry.observe(lambda reg: panel.refresh()) # after every change, ours or the file's
    registry.reload()                             # cheap: picks up an outside edit, if any

Saving
    ``add``, ``update`` and ``remove`` change the models in memory and, by default
    (``save=True``), write the file at once; if that save fails (invalid file on disk, conflict,
    disk error) the edit is undone and the error raised, so the registry and the file agree.
    With ``save=False`` edits stay pending (:attr:`ModelRegistry.dirty`) until :meth:`save`;
    :meth:`revert` drops them. Observers hear about an edit as soon as it is applied in memory.

    A save is atomic: the text goes to a temporary file in the same folder, is flushed and
    fsynced, then renamed over ``models.yaml``; a failure at any point leaves the old file
    byte-identical. A read-only file (no write permission bit) is refused, not replaced. The
    file's leading comment block is kept (or a default one explaining the fields is written);
    other comments are not. The file's line ending (LF or CRLF) is kept for every line. Models
    are written in the registry's stable order, and text YAML could misread is quoted.

Concurrent edits (another notebook, a text editor)
    Before writing, a save re-reads the file. If it changed since this registry last loaded or
    saved it, the two sets of edits are **merged** when they touch different models (by name: a
    rename touches the old and the new name); when both touched the same model differently the
    save is refused with :class:`RegistryConflictError` naming the model(s), and nothing is
    written. :meth:`reload` merges the same way. On POSIX systems the read-merge-write runs
    under an advisory lock on the folder, so two registries saving at once cannot interleave.

Validation
    See :mod:`videorecs_widgets.registry_file` (the file format) and
    :mod:`videorecs_widgets.model_spec` (the rules for one model). Two models with the same ARN
    and type are allowed; :attr:`ModelRegistry.warnings` lists them and a
    :class:`DuplicateModelWarning` is issued once per such pair.

Checking against the service
    :meth:`ModelRegistry.check` asks Personalize (AWS or the embedded engine, chosen by each
    ARN) for every model's status and recipe; see :mod:`videorecs_widgets.registry_check`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import logging
import os
import stat
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from videorecs_widgets.errors import (
    RegistryConflictError,
    RegistryError,
    RegistryValidationError,
    UnknownModelError,
)
from videorecs_widgets.local.store import WORKSPACE_ENV
from videorecs_widgets.model_spec import (
    FIELDS,
    MODEL_TYPES,
    ModelSpec,
    name_key,
    recipe_model_type,
    type_problem,
)
from videorecs_widgets.registry_file import (
    ParsedFile,
    parse,
    render,
    same_target_pairs,
    same_target_warnings,
    sort_key,
)

if TYPE_CHECKING:
    from videorecs_widgets.registry_check import ModelCheck

try:  # advisory locking of the folder during a save; not available on Windows
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "MODEL_TYPES",
    "DuplicateModelWarning",
    "ModelRegistry",
    "ModelSpec",
    "recipe_model_type",
]

log = logging.getLogger(__name__)

Observer = Callable[["ModelRegistry"], Any]


_LOOK_ALIKE = ("model {!r} exists already, and names that differ only in letter case, "
               "Unicode form or spacing would look the same")


class DuplicateModelWarning(UserWarning):
    """Two models have the same ARN and type (allowed, but usually a slip)."""


@dataclasses.dataclass(frozen=True)
class _Fingerprint:
    """What the file was when last read or written; two are equal when these agree."""

    mtime_ns: int
    size: int
    sha256: str
    # When the content was last seen to be this (wall clock, taken before reading or writing;
    # not compared): see _stat_matches.
    checked_ns: int = dataclasses.field(default=0, compare=False)


# A file changed again within its file system's timestamp granularity (up to 2 s on FAT, 1 s on
# some network file systems) keeps its mtime, and a same-size edit its size too: while the
# mtime is this close to (or after) when the content was checked, stat alone proves nothing.
_RACY_NS = 2_000_000_000


class ModelRegistry:
    """The models in ``path`` (``models.yaml``), with validated edits, atomic saves and change
    notifications. See the module docstring for when edits are written and how concurrent edits
    are merged."""

    def __init__(self, path: str | os.PathLike[str] = "models.yaml") -> None:
        self.path = Path(path)
        #: Sentences about valid but suspicious content (same ARN and type twice).
        self.warnings: list[str] = []
        self._lock = threading.RLock()
        self._observers: list[Observer] = []
        # Pairs already warned about, as (names, ARN, type): a pair is described with file lines
        # after a load and without them after an edit, but is one slip, told once.
        self._warned: set[tuple[frozenset[str], str, str]] = set()
        self._warning_keys: list[tuple[frozenset[str], str, str]] = []
        self._check_folder()
        fingerprint, parsed = self._read()
        self._fingerprint: _Fingerprint | None = fingerprint
        self._header: str | None = parsed.header
        self._newline = parsed.newline  # the file's line ending, kept by saves
        self._base: dict[str, ModelSpec] = {s.name: s for s in parsed.specs}  # as on disk
        self._specs: dict[str, ModelSpec] = dict(self._base)  # with edits not yet saved
        # Unsaved renames, old name -> new name: renaming a model that the file's other editor
        # removed is a conflict, not a coincidence of two removals.
        self._renames: dict[str, str] = {}
        self._set_warnings(parsed.specs, parsed.warnings)
        self._emit_warnings()

    def __repr__(self) -> str:
        pending = ", unsaved edits" if self.dirty else ""
        return f"<ModelRegistry {str(self.path)!r}: {len(self._specs)} models{pending}>"

    # ----------------------------------------------------------------------------- queries

    @property
    def models(self) -> list[ModelSpec]:
        """Every model, by type (recommendations, personal-ranking, similar-items), then sort
        order, then name."""
        with self._lock:
            return sorted(self._specs.values(), key=sort_key)

    def of_type(self, model_type: str) -> list[ModelSpec]:
        """The models of one type, by sort order, then name."""
        if problem := type_problem(model_type):
            raise RegistryValidationError(f"Cannot list models of {self.path}: {problem}.")
        return [spec for spec in self.models if spec.type == model_type]

    def get(self, name: str) -> ModelSpec:
        """The model called ``name``; :class:`UnknownModelError` (a ``KeyError``) if none."""
        with self._lock:
            try:
                return self._specs[name]
            except KeyError:
                raise UnknownModelError(name, str(self.path),
                                        look_alike=self._look_alike(name)) from None

    def __iter__(self) -> Iterator[ModelSpec]:
        return iter(self.models)

    def __len__(self) -> int:
        return len(self._specs)

    def __contains__(self, name: object) -> bool:
        return name in self._specs

    def name_taken(self, name: str, besides: str | None = None) -> str | None:
        """The model that ``name`` is taken by: one of that very name, or one whose name differs
        only in letter case, Unicode form or spacing (see
        :func:`~videorecs_widgets.model_spec.name_key`), which :meth:`add` and :meth:`update`
        refuse as a look-alike; ``None`` when the name is free. ``besides`` is left out (the
        model being renamed, which may change the case of its own name)."""
        with self._lock:
            if name in self._specs and name != besides:
                return name
            return self._look_alike(name, besides)

    @property
    def names(self) -> list[str]:
        """Model names in the stable order."""
        return [spec.name for spec in self.models]

    @property
    def dirty(self) -> bool:
        """True while edits made with ``save=False`` are not saved."""
        with self._lock:
            return self._specs != self._base

    # ------------------------------------------------------------------------------- edits

    def add(
        self, spec: ModelSpec, *, check_with: Any = None, save: bool = True
    ) -> ModelSpec:
        """Add a model. Its name must be new.

        ``check_with`` runs :meth:`check` on it first and refuses a model whose recipe does not
        fit its type, or whose campaign is missing, failed or unreachable: pass ``True`` to pick
        clients by the ARN, or a clients object (``.personalize``) or a ``personalize`` client.
        """
        if not isinstance(spec, ModelSpec):
            raise RegistryValidationError(
                f"Cannot add {spec!r} to {self.path}: expected a ModelSpec."
            )
        with self._lock:
            if spec.name in self._specs:
                raise RegistryValidationError(
                    f"Cannot add model {spec.name!r} to {self.path}: a model with that name "
                    "exists already; pick another name, or update that model."
                )
            if (twin := self._look_alike(spec.name)) is not None:
                raise RegistryValidationError(
                    f"Cannot add model {spec.name!r} to {self.path}: {_LOOK_ALIKE.format(twin)}; "
                    f"pick another name, or update {twin!r}."
                )
            if check_with is not None and check_with is not False:
                self._refuse_unless_fits(spec, check_with, "add")

            def mutate(specs: dict[str, ModelSpec]) -> None:
                specs[spec.name] = spec

            self._apply(mutate, save)
            return spec

    def update(
        self, name: str, /, *, check_with: Any = None, save: bool = True, **changes: Any
    ) -> ModelSpec:
        """Change fields of model ``name`` (``name=`` renames it); returns the new spec.

        ``check_with`` works as in :meth:`add`.
        """
        with self._lock:
            current = self.get(name)
            unknown = sorted(set(changes) - set(FIELDS))
            if unknown:
                raise RegistryValidationError(
                    f"Cannot update model {name!r} in {self.path}: unknown field(s) "
                    f"{', '.join(map(repr, unknown))}; a model has {', '.join(FIELDS)}."
                )
            try:
                new = dataclasses.replace(current, **changes)
            except RegistryValidationError as exc:
                raise RegistryValidationError(
                    f"Cannot update model {name!r} in {self.path}: {exc}"
                ) from None
            if new.name != name and new.name in self._specs:
                raise RegistryValidationError(
                    f"Cannot rename model {name!r} to {new.name!r} in {self.path}: a model "
                    "with that name exists already."
                )
            if (twin := self._look_alike(new.name, besides=name)) is not None:
                raise RegistryValidationError(
                    f"Cannot rename model {name!r} to {new.name!r} in {self.path}: "
                    f"{_LOOK_ALIKE.format(twin)}."
                )
            if check_with is not None and check_with is not False:
                self._refuse_unless_fits(new, check_with, "update")

            def mutate(specs: dict[str, ModelSpec]) -> None:
                del specs[name]
                specs[new.name] = new
                if new.name != name:
                    for old, renamed_to in list(self._renames.items()):
                        if renamed_to == name:
                            self._renames[old] = new.name
                    if name in self._base:
                        self._renames[name] = new.name

            self._apply(mutate, save)
            return new

    def remove(self, name: str, *, save: bool = True) -> ModelSpec:
        """Remove model ``name``; returns what was removed."""
        with self._lock:
            removed = self.get(name)

            def mutate(specs: dict[str, ModelSpec]) -> None:
                del specs[name]

            self._apply(mutate, save)
            return removed

    def revert(self) -> bool:
        """Drop unsaved edits and read the file again; True if the models changed."""
        with self._lock:
            before = dict(self._specs)
            fingerprint, parsed = self._read()
            self._adopt(fingerprint, parsed, {s.name: s for s in parsed.specs})
            return self._notify_if_changed(before)

    def save(self) -> None:
        """Write the models to the file (atomically), merging an outside edit of other models.

        Does nothing when there is nothing to write (no edits, file unchanged and present).
        Raises :class:`RegistryConflictError` when an outside edit touched a model edited here,
        :class:`RegistryValidationError` when the file on disk is now invalid, and
        :class:`RegistryError` for a disk error; in every case the file is left as it was.
        """
        with self._lock:
            before = dict(self._specs)
            self._save_locked()
            self._notify_if_changed(before)

    def reload(self) -> bool:
        """Pick up an outside edit of the file; True if the models changed.

        Cheap when nothing changed (one ``stat``; the file is read and hashed only when its
        modification time or size differ, or when it was modified less than about 2 seconds
        before it was last read, where the file system's timestamps cannot tell two writes
        apart; it is parsed only when its content changed). Unsaved edits are kept and merged
        as in :meth:`save`.
        """
        with self._lock:
            if self._stat_matches():
                return False
            raw = self._read_raw()
            if raw is not None and self._fingerprint is not None and (
                    raw[0].sha256 == self._fingerprint.sha256):
                self._fingerprint = raw[0]  # touched or checked again, not changed
                return False
            fingerprint, parsed = (None, ParsedFile()) if raw is None else (
                raw[0], self._parse(raw[1]))
            before = dict(self._specs)
            theirs = {s.name: s for s in parsed.specs}
            merged = self._merge(theirs)
            self._adopt(fingerprint, parsed, merged)
            return self._notify_if_changed(before)

    # ----------------------------------------------------------------------- notifications

    def observe(self, callback: Observer, remove: bool = False) -> None:
        """Call ``callback(registry)`` after every change of the models: an edit here (when it
        is applied), or an outside edit picked up by :meth:`reload` or merged by :meth:`save`.

        ``remove=True`` unregisters it. An exception in a callback is logged, not raised, so one
        broken panel does not stop the others or make a successful save look failed.
        """
        with self._lock:
            if remove:
                with contextlib.suppress(ValueError):
                    self._observers.remove(callback)
            elif callback not in self._observers:
                self._observers.append(callback)

    # ------------------------------------------------------------------------------- check

    @property
    def workspace(self) -> Path:
        """The embedded engine's workspace that this registry's local ARNs refer to by default:
        ``$VIDEORECS_WORKSPACE`` when set, else ``.videorecs`` beside the registry file (where the
        lab keeps it: ``models.yaml`` and ``.videorecs/`` side by side). Local ARNs do not name
        a workspace, so panels and checks that are given none use this one."""
        env = os.environ.get(WORKSPACE_ENV)
        if env:
            return Path(env).expanduser().resolve()
        return self.path.resolve().parent / ".videorecs"

    def check(self, clients: Any = None) -> list[ModelCheck]:
        """Ask the service about every model (in the stable order): status, recipe, and whether
        the recipe fits the declared type. ``clients=None`` picks clients by each ARN, local ones
        in :attr:`workspace` (a workspace that does not exist is reported, not created)."""
        from videorecs_widgets.registry_check import check_models

        return check_models(self.models, clients, workspace=self.workspace)

    # ---------------------------------------------------------------------------- internals

    def _check_folder(self) -> None:
        """Refuse a path whose folder does not exist: an absent file there is almost always a
        wrong working directory (a notebook started elsewhere), not a new registry."""
        folder = Path(os.path.abspath(self.path.parent))
        if folder.is_dir():
            return
        why = "is a file, not a folder" if folder.exists() else "does not exist"
        relative = "" if self.path.is_absolute() else (
            f" (paths are taken from the current folder, {os.getcwd()!r})")
        raise RegistryError(
            f"Cannot open registry {self.path}: the folder {str(folder)!r} {why}{relative}; "
            "check the path."
        )

    def _look_alike(self, name: str, besides: str | None = None) -> str | None:
        """Another model's name equal to ``name`` but for case, Unicode form or spacing (see
        :func:`~videorecs_widgets.model_spec.name_key`), or ``None``."""
        key = name_key(name)
        return next((other for other in self._specs
                     if other != besides and other != name and name_key(other) == key), None)

    def _refuse_unless_fits(self, spec: ModelSpec, check_with: Any, verb: str) -> None:
        from videorecs_widgets.registry_check import check_model, refusal

        # Local ARNs name no workspace: with clients chosen by the ARN, ask the one beside the
        # file, as check() does, not one in the current folder.
        if check_with is True:
            result = check_model(spec, workspace=self.workspace)
        else:
            result = check_model(spec, check_with)
        reason = refusal(result)
        if reason:
            where = "to" if verb == "add" else "in"
            raise RegistryValidationError(
                f"Cannot {verb} model {spec.name!r} {where} {self.path}: {reason}"
            )

    def _apply(self, mutate: Callable[[dict[str, ModelSpec]], None], save: bool) -> None:
        before = dict(self._specs)
        renames_before = dict(self._renames)
        after = dict(before)
        mutate(after)
        self._specs = after
        if save:
            try:
                self._save_locked()
            except BaseException:
                # the edit and the file stay in step
                self._specs, self._renames = before, renames_before
                raise
        self._set_warnings(self.models)
        self._notify_if_changed(before)

    def _save_locked(self) -> None:
        with _folder_lock(self.path):
            fingerprint, parsed = self._read()
            header = parsed.header if parsed.header is not None else self._header
            newline = parsed.newline if fingerprint is not None else self._newline
            if fingerprint is not None and fingerprint == self._fingerprint:
                if not self.dirty:
                    return  # nothing to write
                merged = dict(self._specs)
            elif fingerprint is None and self._fingerprint is None:
                merged = dict(self._specs)
            else:
                merged = self._merge({s.name: s for s in parsed.specs})
            text = render(list(merged.values()), header, str(self.path), newline)
            written = self._write_atomic(text.encode("utf-8"))
        self._adopt(written, ParsedFile(specs=list(merged.values()), header=header,
                                        newline=newline), merged)

    def _merge(self, theirs: dict[str, ModelSpec]) -> dict[str, ModelSpec]:
        """Three-way merge by name of our edits (base -> ours) into the file's (base -> theirs)."""
        base, ours = self._base, self._specs
        ours_changed = {n for n in base.keys() | ours.keys() if base.get(n) != ours.get(n)}
        theirs_changed = {n for n in base.keys() | theirs.keys() if base.get(n) != theirs.get(n)}
        conflicts = sorted(
            n for n in ours_changed & theirs_changed
            if ours.get(n) != theirs.get(n) or n in self._renames
        )
        if conflicts:
            names = ", ".join(map(repr, conflicts))
            raise RegistryConflictError(
                f"Registry {self.path} changed on disk since it was loaded, and that change and "
                f"the edits here both touch model {names}; nothing was written. Call revert() "
                "to load the file's version, then make the edit again."
            )
        merged = dict(theirs)
        for name in ours_changed:
            if name in ours:
                merged[name] = ours[name]
            else:
                merged.pop(name, None)
        return merged

    def _adopt(
        self, fingerprint: _Fingerprint | None, parsed: ParsedFile,
        specs: dict[str, ModelSpec],
    ) -> None:
        """Make ``parsed`` the new on-disk base and ``specs`` the in-memory models."""
        self._fingerprint = fingerprint
        if parsed.header is not None:
            self._header = parsed.header
        if fingerprint is not None:
            self._newline = parsed.newline
        self._base = {s.name: s for s in parsed.specs}
        self._specs = specs
        self._renames = {
            old: new for old, new in self._renames.items()
            if old in self._base and self._specs.get(old) != self._base.get(old)
        }
        self._set_warnings(self.models)

    def _set_warnings(self, specs: list[ModelSpec], found: list[str] | None = None) -> None:
        """Describe the same-target pairs of ``specs`` (``found``: as the file parser did)."""
        self.warnings = list(found if found is not None
                             else same_target_warnings(specs, str(self.path)))
        self._warning_keys = [
            (frozenset({a.name, b.name}), b.arn, b.type) for a, b in same_target_pairs(specs)
        ]

    def _emit_warnings(self) -> None:
        # Only once the registry and the file agree: with warnings turned into errors this
        # raises, and must not interrupt a save half-way.
        for key, sentence in zip(self._warning_keys, self.warnings, strict=True):
            if key not in self._warned:
                self._warned.add(key)
                warnings.warn(sentence, DuplicateModelWarning, stacklevel=4)

    def _notify_if_changed(self, before: dict[str, ModelSpec]) -> bool:
        """Issue new warnings, then call the observers if the models changed."""
        self._emit_warnings()
        if before == self._specs:
            return False
        for callback in list(self._observers):
            try:
                callback(self)
            except Exception:
                log.exception("A registry observer %r failed", callback)
        return True

    def _stat_matches(self) -> bool:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return self._fingerprint is None
        except OSError:
            return False
        fp = self._fingerprint
        if fp is None or (st.st_mtime_ns, st.st_size) != (fp.mtime_ns, fp.size):
            return False
        # Git's "racy" rule: a modification close to (or after) the check may be a second write
        # in the same timestamp tick; such a file is hashed until its mtime is safely older.
        return st.st_mtime_ns < fp.checked_ns - _RACY_NS

    def _read(self) -> tuple[_Fingerprint | None, ParsedFile]:
        """Read and validate the file; ``(None, empty)`` when it does not exist."""
        raw = self._read_raw()
        if raw is None:
            return None, ParsedFile()
        return raw[0], self._parse(raw[1])

    def _read_raw(self) -> tuple[_Fingerprint, bytes] | None:
        """The file's fingerprint and bytes; ``None`` when it does not exist."""
        checked_ns = time.time_ns()  # before reading: a write during the read counts as later
        try:
            with open(self.path, "rb") as f:
                st = os.fstat(f.fileno())
                data = f.read()
        except FileNotFoundError:
            return None
        except IsADirectoryError:
            raise RegistryError(
                f"Cannot read registry {self.path}: it is a folder, not a file."
            ) from None
        except OSError as exc:
            raise RegistryError(
                f"Cannot read registry {self.path}: {exc.strerror or exc}."
            ) from exc
        return _Fingerprint(st.st_mtime_ns, st.st_size, hashlib.sha256(data).hexdigest(),
                            checked_ns), data

    def _parse(self, data: bytes) -> ParsedFile:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise RegistryValidationError(
                f"Registry {self.path}, line {line}: byte {data[exc.start]:#04x} is not UTF-8 "
                "text; save the file as UTF-8."
            ) from None
        return parse(text, str(self.path))

    def _write_atomic(self, data: bytes) -> _Fingerprint:
        """Write ``data`` to the file via a fsynced temporary file and a rename."""
        target = Path(os.path.realpath(self.path))  # a symlinked models.yaml stays a symlink
        try:
            st_mode = os.stat(target).st_mode
        except FileNotFoundError:
            st_mode = None
        # The rename below needs only the folder's write permission, so a read-only file would
        # be replaced without a word; its mode is the owner's wish. Root passes os.access for
        # any file, hence the permission bits too.
        if st_mode is not None and (not st_mode & 0o222 or not os.access(target, os.W_OK)):
            raise RegistryError(
                f"Could not save registry {self.path}: {target.name} is read-only (mode "
                f"{stat.filemode(st_mode)[1:]}); make it writable (chmod u+w) to save changes. "
                "The file was left as it was."
            )
        mode = st_mode & 0o7777 if st_mode is not None else 0o644
        left = "the file was left as it was" if st_mode is not None else "nothing was written"
        if not target.parent.is_dir():
            raise RegistryError(
                f"Could not save registry {self.path}: the folder {str(target.parent)!r} does "
                f"not exist; {left}."
            )
        tmp_name: str | None = None
        checked_ns = time.time_ns()
        # What was being done, for the message: the temporary file's name means nothing to
        # whoever reads it (it is gone by then).
        step = f"while creating a temporary file in {str(target.parent)!r}"
        try:
            fd, tmp_name = tempfile.mkstemp(
                prefix=f".{target.name}.", suffix=".tmp", dir=target.parent
            )
            step = f"while writing the new {target.name}"
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp_name, mode)
            step = f"while replacing {target.name}"
            os.replace(tmp_name, target)
            tmp_name = None
            st = os.stat(target)
        except OSError as exc:
            raise RegistryError(
                f"Could not save registry {self.path}: {exc.strerror or exc} ({step}); {left}."
            ) from exc
        finally:
            if tmp_name is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp_name)
        _fsync_folder(target.parent)
        return _Fingerprint(st.st_mtime_ns, st.st_size, hashlib.sha256(data).hexdigest(),
                            checked_ns)


@contextlib.contextmanager
def _folder_lock(path: Path) -> Iterator[None]:
    """Hold an advisory lock on the registry's folder (POSIX), so two processes' saves of the
    same registry run one after the other."""
    folder = Path(os.path.realpath(path)).parent
    if fcntl is None:  # pragma: no cover - Windows
        yield
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        yield  # cannot open the folder: save without the lock, the merge check still runs
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _fsync_folder(folder: Path) -> None:
    # Makes the rename itself durable; best effort (not possible on every platform).
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
