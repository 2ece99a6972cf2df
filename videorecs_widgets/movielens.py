"""MovieLens 100k: fetch, verify and load.

``fetch()`` puts verified MovieLens 100k in ``<data_dir>/ml-100k`` and returns that folder.
Sources, first that works wins:

1. a folder the caller names (``source=`` or the ``VIDEORECS_DATA`` environment variable),
   holding the GroupLens files (``u.data``, ``u.item``, ``u.user``) or the recbole wheel's
   files (``ml-100k.inter``, ``ml-100k.item``, ``ml-100k.user``). A named folder that fails
   verification is an error: we never fall back silently from what the user asked for.
   ``source=`` is always read, even when verified data is present; ``VIDEORECS_DATA`` only
   when there is something to fetch;
2. the GroupLens archive :data:`GROUPLENS_URL` (short timeout; offline machines move on);
3. the copy of ML-100k inside the PyPI wheel ``recbole==1.2.1``, obtained with
   ``pip download --no-deps`` and read with :mod:`zipfile` (recbole is never installed or
   imported).

Every candidate is written into a temporary folder next to the target, verified
(:func:`verify`), stamped with a ``.verified`` marker and only then renamed into place, so a
failed fetch never leaves a folder that looks good. A later ``fetch()`` that finds the marker,
with every listed file at its recorded size, returns at once without any network work. Data
that fails that check is fetched again, with a warning (logged once) saying what failed and,
once replaced, where the copy that failed and the new one came from (:func:`verified_source`).

``load()`` reads any of three layouts into the same frames:

- GroupLens: ``u.data`` (tab-separated), ``u.item`` (pipe-separated, Latin-1, titles
  "Title (Year)", release date, IMDb URL, 19 genre flags), ``u.user`` (pipe-separated);
- the recbole wheel: ``ml-100k.{inter,item,user}`` (tab-separated with a typed header row;
  titles without the year, ``release_year``, ``class`` = space-separated genres);
- the original lab's tab-separated ``u.item`` with a poster URL (see :func:`read_items`).

Frames (ids are strings everywhere, as the Personalize API returns them):

- movies: ``item_id`` str, ``title`` str (no trailing " (1995)"), ``year`` pandas ``Int64``
  (missing where the data has none), ``genres`` list of str in :data:`GENRES` order,
  ``poster_url`` str or None;
- users: ``user_id`` str, ``age`` int, ``gender`` str, ``occupation`` str, ``zip`` str;
- ratings: ``user_id`` str, ``item_id`` str, ``rating`` int, ``timestamp`` int, in file order.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from videorecs_widgets.errors import DataError

log = logging.getLogger(__name__)

__all__ = [
    "EXPECTED_MOVIES",
    "EXPECTED_RATINGS",
    "EXPECTED_USERS",
    "GENRES",
    "GROUPLENS_URL",
    "RECBOLE_REQUIREMENT",
    "MovieLensData",
    "default_data_dir",
    "detect_layout",
    "fetch",
    "load",
    "read_items",
    "read_ratings",
    "read_users",
    "verified_source",
    "verify",
]

#: The 19 genres of ML-100k, in the order of the flags in ``u.item`` (and of ``u.genre``).
GENRES: tuple[str, ...] = (
    "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime",
    "Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance",
    "Sci-Fi", "Thriller", "War", "Western",
)
_GENRE_INDEX = {g: i for i, g in enumerate(GENRES)}

EXPECTED_RATINGS = 100_000
EXPECTED_USERS = 943
EXPECTED_MOVIES = 1_682

GROUPLENS_URL = "https://files.grouplens.org/datasets/movielens/ml-100k.zip"
GROUPLENS_TIMEOUT = 10.0  # seconds; offline machines should move on quickly
RECBOLE_REQUIREMENT = "recbole==1.2.1"
PIP_TIMEOUT = 600.0
_WHEEL_PREFIX = "recbole/dataset_example/ml-100k/"

DATASET_DIRNAME = "ml-100k"
MARKER_NAME = ".verified"

#: Files of each layout: (ratings, items, users).
LAYOUTS: dict[str, tuple[str, str, str]] = {
    "grouplens": ("u.data", "u.item", "u.user"),
    "recbole": ("ml-100k.inter", "ml-100k.item", "ml-100k.user"),
}
_LAYOUT_NAMES = {"grouplens": "GroupLens", "recbole": "recbole wheel's"}
# Extra GroupLens files worth keeping when they come with a source (licence text, lists).
_GROUPLENS_EXTRAS = ("README", "u.genre", "u.occupation", "u.info")

RATING_COLUMNS = ["user_id", "item_id", "rating", "timestamp"]
MOVIE_COLUMNS = ["item_id", "title", "year", "genres", "poster_url"]
USER_COLUMNS = ["user_id", "age", "gender", "occupation", "zip"]


@dataclass(frozen=True)
class MovieLensData:
    """The three MovieLens frames (see the module docstring for their columns)."""

    movies: pd.DataFrame
    users: pd.DataFrame
    ratings: pd.DataFrame
    layout: str = "grouplens"
    path: Path | None = None


# --------------------------------------------------------------------------------------------
# Where the data lives


def default_data_dir() -> Path:
    """The folder that holds ``ml-100k/``.

    ``VIDEORECS_DATA_DIR`` if set; else the ``data/`` folder of the source checkout this
    package sits in (the package folder's parent, when it holds ``pyproject.toml``); else
    ``~/.cache/videorecs_widgets/data``.
    """
    env = os.environ.get("VIDEORECS_DATA_DIR")
    if env:
        return Path(env).expanduser()
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "pyproject.toml").is_file():
        return checkout / "data"
    return Path.home() / ".cache" / "videorecs_widgets" / "data"


def _dataset_dir(data_dir: str | os.PathLike[str] | None) -> Path:
    """The folder to read: ``data_dir`` itself when it holds the files, else its ml-100k/."""
    if data_dir is None:
        return default_data_dir() / DATASET_DIRNAME
    base = Path(data_dir).expanduser()
    if detect_layout(base) is not None:
        return base
    return base / DATASET_DIRNAME


# --------------------------------------------------------------------------------------------
# Fetch


def fetch(
    data_dir: str | os.PathLike[str] | None = None,
    source: str | os.PathLike[str] | None = None,
    force: bool = False,
) -> Path:
    """Put verified MovieLens 100k in ``<data_dir>/ml-100k`` and return that folder.

    ``data_dir`` defaults to :func:`default_data_dir`. ``source`` (or ``VIDEORECS_DATA``) names
    a folder to copy the files from instead of downloading. With good data already present (the
    ``.verified`` marker, every file at its recorded size) nothing is fetched unless ``force``
    or ``source`` is given (``VIDEORECS_DATA`` alone does not re-import).

    Raises :class:`DataError` naming each source tried and what was wrong with it.
    """
    base = Path(data_dir).expanduser() if data_dir is not None else default_data_dir()
    target = base / DATASET_DIRNAME
    # A source named here is what the caller wants now: always read and verified. One from
    # the environment is a standing preference, used only when there is something to fetch.
    reuse = not force and source is None
    if source is None and os.environ.get("VIDEORECS_DATA"):
        source = os.environ["VIDEORECS_DATA"]

    if reuse and _marker_problem(target) is None:
        log.info("MovieLens 100k already verified in %s", target)
        return target

    try:
        base.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(
            f"Cannot fetch MovieLens 100k into {str(base)!r}: {exc.strerror or exc}; choose a "
            "data folder you can write (--data-dir, or VIDEORECS_DATA_DIR)."
        ) from exc
    with _lock(base):
        # Another process may have finished the same fetch while we waited for the lock; the
        # check is said here only, once.
        problem = _marker_problem(target) if reuse else _NOT_ASKED
        if problem is None:
            return target
        replaced = None  # where a copy that failed its check came from
        if problem not in (_NOT_ASKED, _NO_MARKER):
            log.warning("MovieLens 100k in %s failed its check (%s); fetching it again.",
                        target, problem)
            replaced = verified_source(target) or "an unknown source"
        path = _fetch_locked(base, target, source)
        if replaced is not None:
            log.warning("Replaced MovieLens 100k in %s (it came from the %s) with the copy from "
                        "the %s.", target, replaced, verified_source(target))
        return path


def _fetch_locked(base: Path, target: Path, source: str | os.PathLike[str] | None) -> Path:
    """The fetch itself, from ``source`` when given, else the network sources in turn."""
    if source is not None:
        src = Path(source).expanduser()
        try:
            folder, layout = _source_files(src)
            _install(base, target, lambda stage: _copy_files(folder, layout, stage),
                     f"folder {folder}")
        except DataError as exc:
            # The reader names the file and line; the folder it came from is said here.
            raise DataError(
                f"Cannot fetch MovieLens 100k from the source folder {str(src)!r}: {exc}"
            ) from exc
        return target

    failures: list[str] = []
    for name, filler in (
        (f"GroupLens archive {GROUPLENS_URL}", _fill_from_grouplens),
        (f"PyPI wheel {RECBOLE_REQUIREMENT}", _fill_from_recbole_wheel),
    ):
        try:
            _install(base, target, filler, name)
        except DataError as exc:
            log.warning("MovieLens 100k from the %s failed: %s", name, exc)
            failures.append(f"{name}: {exc}")
            continue
        return target
    raise DataError(
        "Could not fetch MovieLens 100k from any source:\n"
        + "\n".join(f"- {f}" for f in failures)
        + "\nName a folder holding the files with --source DIR or VIDEORECS_DATA."
    )


def _install(
    base: Path, target: Path, filler: Callable[[Path], None], description: str
) -> None:
    """Fill a staging folder with ``filler``, verify it, mark it and rename it to ``target``."""
    stage = Path(tempfile.mkdtemp(prefix=f".{DATASET_DIRNAME}-partial-", dir=base))
    try:
        stage.chmod(0o755)  # mkdtemp makes it private; the data is not
        filler(stage)
        layout = detect_layout(stage)
        if layout is None:
            raise DataError(f"the files lack {_missing_text(stage)}.")
        data = _read_folder(stage, layout)
        verify(data)
        _write_marker(stage, data, description)
        old = None
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{DATASET_DIRNAME}-old-", dir=base))
            os.replace(target, old / DATASET_DIRNAME)
        os.replace(stage, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        log.info("MovieLens 100k from the %s verified into %s", description, target)
    finally:
        if stage.exists():
            shutil.rmtree(stage, ignore_errors=True)


@contextlib.contextmanager
def _lock(base: Path) -> Iterator[None]:
    """An advisory lock so two processes do not fetch into the same folder at once."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no lock, the rename is still atomic
        yield
        return
    with open(base / f".{DATASET_DIRNAME}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _source_files(src: Path) -> tuple[Path, str]:
    """The folder holding a full file set (``src`` or its ml-100k/) and its layout."""
    if not src.is_dir():
        raise DataError("it does not exist or is not a folder.")  # the caller names it
    for folder in (src, src / DATASET_DIRNAME):
        layout = detect_layout(folder)
        if layout is not None:
            return folder, layout
    raise DataError(_lacking(src, src / DATASET_DIRNAME) + ".")


def _copy_files(folder: Path, layout: str, stage: Path) -> None:
    for name in LAYOUTS[layout] + (_GROUPLENS_EXTRAS if layout == "grouplens" else ()):
        if (folder / name).is_file():
            shutil.copyfile(folder / name, stage / name)


def _closest_set(folder: Path) -> tuple[str, list[str], list[str]]:
    """(layout, files present, files missing) of the layout with the most files in ``folder``."""
    best = ("grouplens", [], list(LAYOUTS["grouplens"]))
    for layout, files in LAYOUTS.items():
        present = [name for name in files if (folder / name).is_file()]
        if len(present) > len(best[1]):
            best = (layout, present, [name for name in files if name not in present])
    return best


def _lacking(*folders: Path) -> str:
    """What is missing, said of whichever of ``folders`` holds the most of a file set."""
    folder = max(folders, key=lambda f: len(_closest_set(f)[1]))  # ties: the first
    if not _closest_set(folder)[1]:
        names = " / ".join(", ".join(files) for files in LAYOUTS.values())
        return f"{str(folders[0])!r} holds none of the file sets {names}"
    return f"{str(folder)!r} lacks {_missing_text(folder)}"


def _missing_text(folder: Path) -> str:
    """``"u.item (it has u.data, u.user; the GroupLens set is u.data, u.item, u.user)"``."""
    layout, present, missing = _closest_set(folder)
    has = f"it has {', '.join(present)}; " if present else ""
    return (f"{', '.join(missing)} ({has}the {_LAYOUT_NAMES[layout]} set is "
            f"{', '.join(LAYOUTS[layout])})")


def _fill_from_grouplens(stage: Path) -> None:
    url = GROUPLENS_URL  # read at call time, so tests can point it at a local file:// archive
    archive = stage / "ml-100k.zip"
    try:
        with urllib.request.urlopen(url, timeout=GROUPLENS_TIMEOUT) as response, open(
            archive, "wb"
        ) as out:
            shutil.copyfileobj(response, out)
    except (OSError, ValueError) as exc:  # URLError, timeouts and HTTP errors are OSErrors
        raise DataError(f"download failed ({exc})") from exc
    try:
        with zipfile.ZipFile(archive) as zf:
            members = {Path(n).name: n for n in zf.namelist() if not n.endswith("/")}
            for name in LAYOUTS["grouplens"] + _GROUPLENS_EXTRAS:
                if name in members:
                    (stage / name).write_bytes(zf.read(members[name]))
    except zipfile.BadZipFile as exc:
        raise DataError(f"{url}: not a valid zip archive (the download is damaged): {exc}") from exc
    finally:
        archive.unlink(missing_ok=True)
    missing = [n for n in LAYOUTS["grouplens"] if not (stage / n).is_file()]
    if missing:
        raise DataError(f"{url}: the archive lacks {', '.join(missing)}.")


def _fill_from_recbole_wheel(stage: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="videorecs-recbole-") as tmp:
        cmd = [
            sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
            "--disable-pip-version-check", "--quiet", RECBOLE_REQUIREMENT, "-d", tmp,
        ]
        log.info("Running %s", " ".join(cmd))
        try:
            proc = subprocess.run(
                cmd, capture_output=True, text=True, timeout=PIP_TIMEOUT, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise DataError(f"pip download {RECBOLE_REQUIREMENT} could not run: {exc}") from exc
        if proc.returncode != 0:
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
            raise DataError(
                f"pip download {RECBOLE_REQUIREMENT} failed (exit {proc.returncode}): "
                + " | ".join(tail)
            )
        wheels = sorted(Path(tmp).glob("recbole-*.whl"))
        if not wheels:
            raise DataError(f"pip download {RECBOLE_REQUIREMENT} produced no wheel.")
        extract_from_wheel(wheels[0], stage)


def extract_from_wheel(wheel: Path, stage: Path) -> None:
    """Copy ``ml-100k.{inter,item,user}`` out of a recbole wheel into ``stage``."""
    try:
        with zipfile.ZipFile(wheel) as zf:
            for name in LAYOUTS["recbole"]:
                try:
                    data = zf.read(_WHEEL_PREFIX + name)
                except KeyError as exc:
                    raise DataError(f"{wheel.name}: lacks {_WHEEL_PREFIX + name}.") from exc
                (stage / name).write_bytes(data)
    except zipfile.BadZipFile as exc:
        raise DataError(f"{wheel.name}: not a valid wheel (zip) file: {exc}") from exc


# --------------------------------------------------------------------------------------------
# The .verified marker


def _write_marker(folder: Path, data: MovieLensData, description: str) -> None:
    layout = detect_layout(folder)
    assert layout is not None
    marker = {
        "layout": layout,
        "source": description,
        "counts": {
            "ratings": len(data.ratings),
            "users": len(data.users),
            "movies": len(data.movies),
        },
        "files": {name: (folder / name).stat().st_size for name in LAYOUTS[layout]},
    }
    (folder / MARKER_NAME).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")


# what _marker_problem says of a folder never fetched, and what fetch() uses when it did not ask
_NO_MARKER = "no .verified marker"
_NOT_ASKED = "not asked"


def _marker_problem(folder: Path) -> str | None:
    """Why the data in ``folder`` cannot be trusted as verified, or ``None`` when it can: its
    marker is there and every file it lists is present at its recorded size."""
    try:
        text = (folder / MARKER_NAME).read_text(encoding="utf-8")
    except OSError:
        return _NO_MARKER
    try:
        files = json.loads(text)["files"]
        if not files:
            return "its .verified marker lists no files"
        for name, size in files.items():
            try:
                found = (folder / name).stat().st_size
            except OSError:
                return f"{name} is missing"
            if found != size:
                return f"{name}: size changed since it was verified"
    except (ValueError, KeyError, TypeError, AttributeError):
        return "its .verified marker is damaged"
    return None


def verified_source(folder: str | os.PathLike[str]) -> str | None:
    """Where the verified data in ``folder`` came from, as its ``.verified`` marker records it
    (``"folder /data/src"``, ``"GroupLens archive https://..."``, ``"PyPI wheel recbole==..."``);
    ``None`` without a readable marker."""
    try:
        marker = json.loads((Path(folder) / MARKER_NAME).read_text(encoding="utf-8"))
        source = marker["source"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return source if isinstance(source, str) else None


# --------------------------------------------------------------------------------------------
# Verification


def verify(data: MovieLensData) -> None:
    """Check ``data`` is the whole of ML-100k; raise :class:`DataError` listing what is wrong.

    Checks: 100,000 ratings, 943 users, 1,682 movies, unique user and movie ids, ratings 1..5,
    and every rating's user and movie known.
    """
    rfile, ifile, ufile = LAYOUTS.get(data.layout, LAYOUTS["grouplens"])
    problems: list[str] = []

    def count(name: str, found: int, expected: int, what: str) -> None:
        # what was found, not a guess at its cause: the files may come from a local folder
        if found == 0:
            problems.append(f"{name}: 0 {what}, expected {expected:,} (the file is empty)")
        elif found < expected:
            problems.append(f"{name}: {found:,} {what}, expected {expected:,} "
                            f"({expected - found:,} rows missing)")
        elif found > expected:
            problems.append(f"{name}: {found:,} {what}, expected {expected:,} "
                            f"({found - expected:,} rows more)")

    ratings, users, movies = data.ratings, data.users, data.movies
    count(rfile, len(ratings), EXPECTED_RATINGS, "ratings")
    count(ufile, len(users), EXPECTED_USERS, "users")
    count(ifile, len(movies), EXPECTED_MOVIES, "movies")
    for name, frame, col in ((ufile, users, "user_id"), (ifile, movies, "item_id")):
        dup = frame[col][frame[col].duplicated()]
        if len(dup):
            problems.append(f"{name}: {len(dup)} duplicate {col}(s), e.g. {dup.iloc[0]!r}")
    bad = ratings[~ratings["rating"].between(1, 5)]
    if len(bad):
        problems.append(
            f"{rfile}: {len(bad):,} rating(s) outside 1..5, e.g. {int(bad['rating'].iloc[0])} "
            f"at {_where_row(data, rfile, bad.index[0])}"
        )
    for col, frame, name in (("user_id", users, ufile), ("item_id", movies, ifile)):
        unknown = ratings[~ratings[col].isin(frame[col])]
        if len(unknown):
            article = "an" if col[0] in "aeiou" else "a"
            problems.append(
                f"{rfile}: {len(unknown):,} rating(s) name {article} {col} missing from {name}, "
                f"e.g. {unknown[col].iloc[0]!r} at {_where_row(data, rfile, unknown.index[0])}"
            )
    if problems:
        raise DataError("MovieLens 100k failed verification: " + "; ".join(problems))


def _where_row(data: MovieLensData, rfile: str, row: int) -> str:
    """``"line N"`` of the ratings file for the frame's 0-based ``row`` (as the readers'
    messages say), found by reading the file again: only an error pays for it. A frame built
    in code, with no file, is counted in data rows."""
    if data.path is not None:
        path = data.path / rfile
        with contextlib.suppress(DataError):
            for index, (number, _) in enumerate(_rating_lines(path)[0]):
                if index == row:
                    return f"line {number}"
    return f"data row {row + 1}"


# --------------------------------------------------------------------------------------------
# Load


def detect_layout(folder: Path) -> str | None:
    """``"grouplens"`` or ``"recbole"`` by which files exist in ``folder``; None if neither."""
    for layout, files in LAYOUTS.items():
        if all((folder / name).is_file() for name in files):
            return layout
    return None


def load(data_dir: str | os.PathLike[str] | None = None) -> MovieLensData:
    """Read MovieLens 100k from ``data_dir`` (the ``ml-100k`` folder or its parent).

    ``data_dir`` defaults to :func:`default_data_dir`. The layout is detected by which files
    exist; loading does not verify counts (:func:`fetch` did) and never touches the network.
    """
    folder = _dataset_dir(data_dir)
    layout = detect_layout(folder)
    if layout is None:
        given = Path(data_dir).expanduser() if data_dir is not None else folder
        raise DataError(
            f"Cannot load MovieLens 100k: {_lacking(folder, given)}; run `videorecs-widgets "
            "fetch-data` (or videorecs_widgets.movielens.fetch()) first."
        )
    try:
        return _read_folder(folder, layout)
    except DataError as exc:
        raise DataError(f"Cannot load MovieLens 100k from {str(folder)!r}: {exc}") from exc


def _read_folder(folder: Path, layout: str) -> MovieLensData:
    """The three frames of ``folder``; errors name the file and line, not the folder."""
    rfile, ifile, ufile = LAYOUTS[layout]
    return MovieLensData(
        movies=read_items(folder / ifile),
        users=read_users(folder / ufile),
        ratings=read_ratings(folder / rfile),
        layout=layout,
        path=folder,
    )


def _read_text(path: Path) -> str:
    """UTF-8 if the bytes are valid UTF-8 (recbole, re-encoded copies), else Latin-1 (GroupLens)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(f"{path.name}: cannot be read ({exc}).") from exc
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    """(1-based line number, line) for each non-blank line."""
    return _numbered(_read_text(path))


def _numbered(text: str) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            yield number, line


def _rating_lines(path: Path) -> tuple[list[tuple[int, str]], bool]:
    """The ratings file's data lines (a recbole header left out) as (line number, line), and
    whether the file ends in the middle of its last line (no final newline)."""
    text = _read_text(path)
    lines = [(number, line) for number, line in _numbered(text)
             if not (number == 1 and _is_recbole_header(line))]
    return lines, bool(text) and not text.endswith(("\n", "\r"))


# anything but printable ASCII and tabs: ratings are numbers, so such a line is not the data
_NOT_RATINGS_TEXT = re.compile(r"[^\t\x20-\x7e]")


def _is_recbole_header(line: str) -> bool:
    return ":token" in line or ":float" in line


def _int(value: str, path: Path, number: int, column: str) -> int:
    text = value.strip()
    try:
        number_value = float(text)
        if not number_value.is_integer():
            raise ValueError
        return int(number_value)
    except ValueError:
        raise DataError(
            f"{path.name}, line {number}: {column} {value!r} is not a whole number."
        ) from None


def _id(value: str, path: Path, number: int, column: str) -> str:
    text = value.strip()
    if not text:
        raise DataError(f"{path.name}, line {number}: {column} is empty.")
    return text


def read_ratings(path: Path) -> pd.DataFrame:
    """Ratings from ``u.data`` (tab-separated, no header) or ``ml-100k.inter`` (typed header)."""
    path = Path(path)
    rows: list[tuple[str, str, int, int]] = []
    lines, unterminated = _rating_lines(path)
    for index, (number, line) in enumerate(lines):
        fields = line.split("\t")
        if len(fields) != 4:
            cut = unterminated and index == len(lines) - 1 and len(fields) < 4
            raise DataError(
                f"{path.name}, line {number}: {len(fields)} tab-separated field(s), expected 4 "
                f"(user, item, rating, timestamp): {line!r}{_ratings_line_hint(line, cut)}"
            )
        rows.append(
            (
                _id(fields[0], path, number, "user_id"),
                _id(fields[1], path, number, "item_id"),
                _int(fields[2], path, number, "rating"),
                _int(fields[3], path, number, "timestamp"),
            )
        )
    frame = pd.DataFrame(rows, columns=RATING_COLUMNS)
    return frame.astype({"user_id": object, "item_id": object, "rating": "int64",
                         "timestamp": "int64"})


def _ratings_line_hint(line: str, cut: bool) -> str:
    """What a ratings line with the wrong number of fields looks like, when that is clear."""
    if _NOT_RATINGS_TEXT.search(line):
        return " (this is not text: the file is damaged, or is not a ratings file)"
    if cut:
        return " (the file ends in the middle of this line: it looks cut short)"
    if "\t" not in line and len(line.split()) == 4:
        return " (the fields are separated by spaces, not tabs)"
    return ""


def read_users(path: Path) -> pd.DataFrame:
    """Users from ``u.user`` (pipe-separated) or ``ml-100k.user`` (tab-separated, typed header)."""
    path = Path(path)
    rows: list[tuple[str, int, str, str, str]] = []
    for number, line in _lines(path):
        if number == 1 and _is_recbole_header(line):
            continue
        sep = "|" if "|" in line else "\t"
        fields = [f.strip() for f in line.split(sep)]
        if len(fields) != 5:
            raise DataError(
                f"{path.name}, line {number}: {len(fields)} field(s), expected 5 "
                f"(user, age, gender, occupation, zip): {line!r}"
            )
        rows.append(
            (
                _id(fields[0], path, number, "user_id"),
                _int(fields[1], path, number, "age"),
                fields[2],
                fields[3],
                fields[4],
            )
        )
    frame = pd.DataFrame(rows, columns=USER_COLUMNS)
    return frame.astype({"user_id": object, "age": "int64"})


# "Title (1995)", "Title (1995) (V)"; the year is the last 4-digit group followed only by
# further parenthesised remarks.
_TITLE_YEAR = re.compile(r"^(?P<title>.*?)\s*\((?P<year>\d{4})\)(?P<rest>(?:\s*\([^()]*\))*)\s*$")
_YEAR = re.compile(r"^\d{4}$")
_DATE_YEAR = re.compile(r"(\d{4})\s*$")


def split_title(raw: str) -> tuple[str, int | None]:
    """``"Toy Story (1995)"`` -> ``("Toy Story", 1995)``; a title without a year keeps all.

    Remarks after the year are kept: ``"Land Before Time III: ... (1995) (V)"`` ->
    ``("Land Before Time III: ... (V)", 1995)``.
    """
    raw = raw.strip()
    match = _TITLE_YEAR.match(raw)
    if not match:
        return raw, None
    title = (match["title"] + match["rest"]).strip()
    return title, int(match["year"])


def _genres_from_flags(flags: list[str], path: Path, number: int) -> list[str]:
    genres = []
    for genre, flag in zip(GENRES, flags, strict=True):
        flag = flag.strip()
        if flag not in ("0", "1"):
            raise DataError(
                f"{path.name}, line {number}: genre flag {genre!r} is {flag!r}, expected 0 or 1."
            )
        if flag == "1":
            genres.append(genre)
    return genres


def read_items(path: Path) -> pd.DataFrame:
    """Movies from any of the three item layouts, told apart by their first line.

    - GroupLens ``u.item``: ``id|Title (Year)|release date|video release date|IMDb URL|``
      then 19 genre flags (Latin-1). The year comes from the title, else from the release
      date; a blank date leaves it missing.
    - recbole ``ml-100k.item``: typed header, then ``id<TAB>title<TAB>release_year<TAB>class``.
      Item 267's ``"unkonwn"`` title and year (sic) become title ``"unknown"``, year missing;
      item 1412's year ``"V"`` (a split of "... (1995) (V)") is repaired to match GroupLens.
    - the original lab's tab-separated ``u.item``: ``id, title, year, (ignored), poster URL,``
      then 19 genre flags (24 fields, as the lab's ``uploadMovies.py`` read it), or the 24
      GroupLens fields followed by a poster URL (25 fields). A header row is skipped.
    """
    path = Path(path)
    rows: list[tuple[str, str, int | None, list[str], str | None]] = []
    reader = None
    for number, line in _lines(path):
        if reader is None:
            if _is_recbole_header(line):
                reader = _recbole_item
                continue
            reader = _grouplens_item if "|" in line else _poster_item
            if reader is _poster_item and not line.split("\t")[0].strip().isdigit():
                continue  # a header row in the poster variant
        rows.append(reader(line, path, number))
    frame = pd.DataFrame(rows, columns=MOVIE_COLUMNS)
    frame["year"] = pd.array(list(frame["year"]), dtype="Int64")
    frame["item_id"] = frame["item_id"].astype(object)
    return frame


def _grouplens_item(line: str, path: Path, number: int):
    fields = line.split("|")
    if len(fields) != 5 + len(GENRES):
        raise DataError(
            f"{path.name}, line {number}: {len(fields)} pipe-separated field(s), expected "
            f"{5 + len(GENRES)}: {line!r}"
        )
    title, year = split_title(fields[1])
    if year is None:
        date = _DATE_YEAR.search(fields[2])
        year = int(date.group(1)) if date else None
    genres = _genres_from_flags(fields[5:], path, number)
    return (_id(fields[0], path, number, "item_id"), title, year, genres, None)


def _recbole_item(line: str, path: Path, number: int):
    fields = line.split("\t")
    if len(fields) != 4:
        raise DataError(
            f"{path.name}, line {number}: {len(fields)} tab-separated field(s), expected 4 "
            f"(item, title, release_year, class): {line!r}"
        )
    item_id = _id(fields[0], path, number, "item_id")
    title, year_text = fields[1].strip(), fields[2].strip()
    if title == "unkonwn":  # sic, in the wheel
        title = "unknown"
    if _YEAR.match(year_text):
        year: int | None = int(year_text)
    elif year_text in ("", "unkonwn", "unknown"):
        year = None
    else:  # "Title (1995)" + "V": the converter split "Title (1995) (V)" at the last " ("
        title, year = split_title(f"{title} ({year_text})")
    genres = []
    for genre in fields[3].split():
        if genre not in _GENRE_INDEX:
            raise DataError(f"{path.name}, line {number}: unknown genre {genre!r}.")
        genres.append(genre)
    genres.sort(key=_GENRE_INDEX.__getitem__)
    return (item_id, title, year, genres, None)


def _poster_item(line: str, path: Path, number: int):
    fields = line.split("\t")
    if len(fields) == 5 + len(GENRES):  # id, title, year, (ignored), poster, flags
        year_text, poster, flags = fields[2].strip(), fields[4].strip(), fields[5:]
    elif len(fields) == 6 + len(GENRES):  # the GroupLens fields, then the poster
        date, poster, flags = fields[2], fields[-1].strip(), fields[5:-1]
        found = _DATE_YEAR.search(date)
        year_text = found.group(1) if found else ""
    else:
        raise DataError(
            f"{path.name}, line {number}: {len(fields)} tab-separated field(s), expected "
            f"{5 + len(GENRES)} or {6 + len(GENRES)} (the lab's u.item with a poster URL): "
            f"{line!r}"
        )
    title, title_year = split_title(fields[1])
    year = title_year
    if _YEAR.match(year_text) and (len(fields) == 5 + len(GENRES) or year is None):
        year = int(year_text)
    genres = _genres_from_flags(flags, path, number)
    return (_id(fields[0], path, number, "item_id"), title, year, genres, poster or None)
