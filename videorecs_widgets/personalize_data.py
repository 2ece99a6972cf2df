"""The lab's data preparation for Personalize: CSV files, Avro schemas, and a validator.

The interactions file is the original lab's: ratings above :data:`LAB_MIN_RATING` (four and
five stars), the rating dropped, timestamps shifted forward by :data:`TIMESTAMP_SHIFT` seconds
so the 1997-98 data looks recent, columns ``USER_ID, ITEM_ID, TIMESTAMP``. On the verified
ML-100k that is 55,375 interactions (34,174 four-star + 21,201 five-star ratings) from 942 users
on 1,447 films. (The figure 55,370 / 1,446 quoted for the original lab does not follow from the
full data set; the lab's own copy of ``u.data`` was 218 bytes shorter than GroupLens's.)

The items file (``ITEM_ID, YEAR, GENRES``; genres ``|``-joined, a categorical field) and the
users file (``USER_ID, AGE, GENDER, OCCUPATION``) feed the metadata and demographics models.

:func:`validate_interactions` checks what Personalize would refuse before any training.
Its messages name the column, the row and the value. Rows are counted as **data rows from 1**,
with the file line alongside: the header is line 1, so data row 1 is line 2
("TIMESTAMP, data row 3 (line 4): ...").
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from videorecs_widgets.errors import InteractionsValidationError

if TYPE_CHECKING:  # pragma: no cover
    from videorecs_widgets.catalog import Catalog

__all__ = [
    "INTERACTIONS_FILE",
    "INTERACTIONS_SCHEMA",
    "ITEMS_FILE",
    "ITEMS_SCHEMA",
    "LAB_MIN_RATING",
    "MILLISECONDS_ABOVE",
    "MIN_INTERACTIONS",
    "MIN_USERS_WITH_TWO",
    "TIMESTAMP_SHIFT",
    "USERS_FILE",
    "USERS_SCHEMA",
    "interactions_frame",
    "items_frame",
    "users_frame",
    "validate_interactions",
    "write_lab_files",
]

#: Ratings strictly above this are kept as interactions (4 and 5 stars).
LAB_MIN_RATING = 3.6
#: Seconds added to every timestamp, as the original lab did.
TIMESTAMP_SHIFT = 660_833_618

INTERACTIONS_FILE = "DEMO-movie-lens-100k.csv"
ITEMS_FILE = "items.csv"
USERS_FILE = "users.csv"

#: Personalize's minimums for an interactions dataset.
MIN_INTERACTIONS = 1_000
MIN_USERS_WITH_TWO = 25
#: A timestamp above this (year 5138 in seconds) is taken for milliseconds.
MILLISECONDS_ABOVE = 100_000_000_000

_NAMESPACE = "com.amazonaws.personalize.schema"

INTERACTIONS_SCHEMA: dict[str, Any] = {
    "type": "record",
    "name": "Interactions",
    "namespace": _NAMESPACE,
    "fields": [
        {"name": "USER_ID", "type": "string"},
        {"name": "ITEM_ID", "type": "string"},
        {"name": "TIMESTAMP", "type": "long"},
    ],
    "version": "1.0",
}

ITEMS_SCHEMA: dict[str, Any] = {
    "type": "record",
    "name": "Items",
    "namespace": _NAMESPACE,
    "fields": [
        {"name": "ITEM_ID", "type": "string"},
        # Item 267 ("unknown") has no year.
        {"name": "YEAR", "type": ["null", "int"]},
        {"name": "GENRES", "type": "string", "categorical": True},
    ],
    "version": "1.0",
}

USERS_SCHEMA: dict[str, Any] = {
    "type": "record",
    "name": "Users",
    "namespace": _NAMESPACE,
    "fields": [
        {"name": "USER_ID", "type": "string"},
        {"name": "AGE", "type": "int"},
        {"name": "GENDER", "type": "string", "categorical": True},
        {"name": "OCCUPATION", "type": "string", "categorical": True},
    ],
    "version": "1.0",
}

REQUIRED_COLUMNS = ("USER_ID", "ITEM_ID", "TIMESTAMP")


# --------------------------------------------------------------------------------------------
# Frames


def interactions_frame(ratings: pd.DataFrame) -> pd.DataFrame:
    """USER_ID, ITEM_ID, TIMESTAMP: ratings above 3.6, shifted timestamps, in file order."""
    kept = ratings.loc[ratings["rating"] > LAB_MIN_RATING]
    return pd.DataFrame(
        {
            "USER_ID": kept["user_id"].astype(str).to_numpy(),
            "ITEM_ID": kept["item_id"].astype(str).to_numpy(),
            "TIMESTAMP": kept["timestamp"].astype("int64").to_numpy() + TIMESTAMP_SHIFT,
        }
    )


def items_frame(movies: pd.DataFrame) -> pd.DataFrame:
    """ITEM_ID, YEAR (Int64, missing where unknown), GENRES (``|``-joined in dataset order)."""
    return pd.DataFrame(
        {
            "ITEM_ID": movies["item_id"].astype(str).to_numpy(),
            "YEAR": pd.array(movies["year"], dtype="Int64"),
            "GENRES": ["|".join(g) for g in movies["genres"]],
        }
    )


def users_frame(users: pd.DataFrame) -> pd.DataFrame:
    """USER_ID, AGE, GENDER, OCCUPATION."""
    return pd.DataFrame(
        {
            "USER_ID": users["user_id"].astype(str).to_numpy(),
            "AGE": users["age"].astype("int64").to_numpy(),
            "GENDER": users["gender"].astype(str).to_numpy(),
            "OCCUPATION": users["occupation"].astype(str).to_numpy(),
        }
    )


def _write_atomically(path: Path, write: Callable[[Path], None]) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_lab_files(catalog: Catalog, out_dir: str | os.PathLike[str]) -> dict[str, Path]:
    """Write the lab's three CSV files and their schemas into ``out_dir``.

    CSV with a header row and no index, UTF-8 without a byte-order mark, ``\\n`` line ends.
    Returns ``{"interactions", "items", "users", "interactions_schema", "items_schema",
    "users_schema"}`` -> path. Files are replaced atomically.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    frames = {
        "interactions": (
            INTERACTIONS_FILE, interactions_frame(catalog.ratings), INTERACTIONS_SCHEMA
        ),
        "items": (ITEMS_FILE, items_frame(catalog.movies), ITEMS_SCHEMA),
        "users": (USERS_FILE, users_frame(catalog.users), USERS_SCHEMA),
    }
    paths: dict[str, Path] = {}
    for key, (name, frame, schema) in frames.items():
        path = out / name
        _write_atomically(
            path, lambda p, f=frame: f.to_csv(p, index=False, lineterminator="\n", encoding="utf-8")
        )
        paths[key] = path
        schema_path = out / f"{Path(name).stem}.schema.json"
        text = json.dumps(schema, indent=2) + "\n"
        _write_atomically(schema_path, lambda p, t=text: p.write_text(t, encoding="utf-8"))
        paths[f"{key}_schema"] = schema_path
    return paths


# --------------------------------------------------------------------------------------------
# Validation

_EXAMPLES = 3  # rows quoted per problem before "and N more"


def _where(index: int) -> str:
    """Position ``index`` (0-based) as a data row and file line (header = line 1)."""
    return f"data row {index + 1} (line {index + 2})"


def _rows_problem(column: str, bad: np.ndarray, values: np.ndarray, what: str) -> str:
    """One sentence naming the column, the first offending rows with values, and the count."""
    positions = np.flatnonzero(bad)
    shown = ", ".join(f"{_where(p)}: {values[p]!r}" for p in positions[:_EXAMPLES])
    more = len(positions) - _EXAMPLES
    tail = f" and {more:,} more row(s)" if more > 0 else ""
    return f"{column}, {shown}{tail}: {what}"


def _normalise_name(name: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", name.replace("\ufeff", "").strip().upper())


def _read_interactions(path: Path, problems: list[str]) -> pd.DataFrame | None:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        problems.append(f"{path.name}: cannot be read ({exc}).")
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.append(
            f"{path.name}, line {line}: byte {raw[exc.start]:#04x} is not UTF-8; "
            "Personalize reads CSV files as UTF-8."
        )
        text = raw.decode("latin-1")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    rows = [r for r in rows if r]  # blank lines
    if not rows:
        problems.append(f"{path.name}: the file is empty; it needs a header row and data rows.")
        return None
    header, data = rows[0], rows[1:]
    ragged = [(i, len(r)) for i, r in enumerate(data) if len(r) != len(header)]
    if ragged:
        i, n = ragged[0]
        more = f" and {len(ragged) - 1:,} more row(s)" if len(ragged) > 1 else ""
        problems.append(
            f"{_where(i)}{more}: {n} field(s) where the header has {len(header)}."
        )
        data = [r for r in data if len(r) == len(header)]
    return pd.DataFrame(data, columns=header, dtype=object)


def validate_interactions(
    path_or_frame: str | os.PathLike[str] | pd.DataFrame, *, minimums: bool = True
) -> None:
    """Check an interactions CSV file (or frame) for what Personalize would refuse.

    Raises :class:`~videorecs_widgets.errors.InteractionsValidationError` whose ``problems``
    list one sentence per problem, each naming the column, the row and the value (rows counted
    as data rows from 1, with the file line, the header being line 1):

    - USER_ID, ITEM_ID or TIMESTAMP missing, or misnamed (``user_id``, ``UserId``, stray
      spaces, or a UTF-8 byte-order mark glued to the first header name; letter case alone
      may differ, as the service allows);
    - timestamps that are not whole epoch seconds: milliseconds (above 1e11), date strings,
      empty or fractional values;
    - empty USER_ID or ITEM_ID values;
    - fewer than 1,000 interactions, or fewer than 25 users with at least 2 interactions
      (the counts found are reported); training needs these, an import does not, so
      ``minimums=False`` leaves them out (the embedded engine's import jobs do);
    - an EVENT_TYPE column whose values are all empty.
    """
    problems: list[str] = []
    if isinstance(path_or_frame, pd.DataFrame):
        frame: pd.DataFrame | None = path_or_frame.reset_index(drop=True)
        source = "interactions frame"
    else:
        path = Path(path_or_frame)
        source = path.name
        frame = _read_interactions(path, problems)
    if frame is None:
        raise InteractionsValidationError(problems, source=source)

    columns = _check_columns([str(c) for c in frame.columns], problems)
    frame = frame.set_axis([str(c) for c in frame.columns], axis=1)

    for name in ("USER_ID", "ITEM_ID"):
        if name in columns:
            values = frame[columns[name]].to_numpy(dtype=object)
            empty = np.array([_is_blank(v) for v in values], dtype=bool)
            if empty.any():
                what = f"empty {name}; every interaction needs one."
                problems.append(_rows_problem(name, empty, values, what))

    if "TIMESTAMP" in columns:
        _check_timestamps(frame[columns["TIMESTAMP"]].to_numpy(dtype=object), problems)

    n = len(frame)
    if minimums and n < MIN_INTERACTIONS:
        problems.append(
            f"rows: {n:,} interactions found; Personalize needs at least {MIN_INTERACTIONS:,}."
        )
    if minimums and "USER_ID" in columns:
        users = frame[columns["USER_ID"]].astype(str).str.strip()
        counts = users[users != ""].value_counts()
        with_two = int((counts >= 2).sum())
        if with_two < MIN_USERS_WITH_TWO:
            problems.append(
                f"USER_ID: {with_two:,} user(s) with at least 2 interactions (of {len(counts):,} "
                f"users); Personalize needs at least {MIN_USERS_WITH_TWO}."
            )

    event = next((c for c in frame.columns if _normalise_name(c) == "EVENTTYPE"), None)
    if event is not None and n and all(_is_blank(v) for v in frame[event]):
        problems.append(
            f"{event}, data rows 1-{n:,} (lines 2-{n + 1:,}): every value is empty; "
            "fill in the event types or drop the column."
        )

    if problems:
        raise InteractionsValidationError(problems, source=source)


def _is_blank(value: object) -> bool:
    if value is None or value is pd.NA:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _check_columns(names: list[str], problems: list[str]) -> dict[str, str]:
    """Map each required column to the header name that holds it; report the misnamed."""
    found: dict[str, str] = {}
    for required in REQUIRED_COLUMNS:
        # The service matches header names to the schema without regard to case (its
        # maintainers confirmed a lower-case user_id header imports), and so does the engine.
        same = [n for n in names if n == required] or [n for n in names if n.upper() == required]
        if same:
            found[required] = same[0]
            continue
        close = [n for n in names if _normalise_name(n) == _normalise_name(required)]
        if not close:
            problems.append(
                f"header: required column {required} is missing; the columns are {names!r}."
            )
            continue
        name = close[0]
        found[required] = name
        if name.startswith("\ufeff"):
            problems.append(
                f"header, line 1: column {name!r} starts with a UTF-8 byte-order mark "
                f"(\\ufeff), so Personalize does not see {required}; save the file as UTF-8 "
                "without BOM."
            )
        else:
            problems.append(
                f"header, line 1: column {name!r} should be named {required!r} "
                "(Personalize matches column names to the schema; only letter case may differ)."
            )
    return found


_INT = re.compile(r"^[+-]?\d+$")


def _check_timestamps(values: np.ndarray, problems: list[str]) -> None:
    seconds = np.full(len(values), np.nan)
    empty = np.zeros(len(values), dtype=bool)
    dates = np.zeros(len(values), dtype=bool)
    other = np.zeros(len(values), dtype=bool)
    for i, value in enumerate(values):
        if _is_blank(value):
            empty[i] = True
        elif _is_whole_number(value):
            seconds[i] = float(value)
        elif isinstance(value, str) and _INT.match(value.strip()):
            seconds[i] = float(int(value.strip()))
        elif isinstance(value, (str, pd.Timestamp, np.datetime64)) and _looks_like_date(value):
            dates[i] = True
        else:
            other[i] = True
    if empty.any():
        problems.append(_rows_problem("TIMESTAMP", empty, values, "empty timestamp."))
    if dates.any():
        problems.append(
            _rows_problem(
                "TIMESTAMP", dates, values,
                "a date, not epoch seconds; convert to whole seconds since 1970-01-01 UTC.",
            )
        )
    millis = seconds > MILLISECONDS_ABOVE
    if millis.any():
        problems.append(
            _rows_problem(
                "TIMESTAMP", millis, values,
                "looks like milliseconds (above 1e11); Personalize wants epoch seconds, so "
                "divide by 1000.",
            )
        )
    negative = seconds < 0
    if negative.any():
        problems.append(
            _rows_problem("TIMESTAMP", negative, values, "negative; epoch seconds are positive.")
        )
    if other.any():
        problems.append(
            _rows_problem(
                "TIMESTAMP", other, values, "not a whole number of epoch seconds."
            )
        )


def _is_whole_number(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, np.integer)):
        return True
    return isinstance(value, (float, np.floating)) and float(value).is_integer()


def _looks_like_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    text = value.strip()
    if not re.search(r"\d{4}|\d{1,2}[-/.]\d{1,2}", text):
        return False
    try:
        pd.Timestamp(text)
    except (ValueError, TypeError, OverflowError):
        return False
    return True
