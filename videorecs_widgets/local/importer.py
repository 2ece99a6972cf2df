"""Dataset import: read a local path, a file:// URI or s3://, and check it against the schema.

Schemas are Personalize's Avro records. A file must have a header row whose columns are the
schema's fields (case is ignored, the schema's spelling is kept; the names must not be in
quotation marks, as the Developer Guide says); every value must fit its field's type.
Interactions data must also pass what the service checks beyond the schema
(:func:`check_interactions`: no byte-order mark on the header, epoch seconds, ...). Problems
become an :class:`ImportFailed` whose message is the job's ``failureReason`` and names the
column (and the row, counting the header as row 1).
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

import pandas as pd

from videorecs_widgets.errors import EngineError, InteractionsValidationError
from videorecs_widgets.local.exceptions import InvalidInputException
from videorecs_widgets.personalize_data import validate_interactions

# The fields each dataset type must have, as the service requires.
REQUIRED_FIELDS = {
    "INTERACTIONS": ("USER_ID", "ITEM_ID", "TIMESTAMP"),
    "ITEMS": ("ITEM_ID",),
    "USERS": ("USER_ID",),
}
_TYPES = {"string", "long", "int", "float", "double", "boolean"}


class ImportFailed(EngineError):
    """The data cannot be imported; the message is the import job's failureReason."""


@dataclass(frozen=True)
class SchemaField:
    name: str
    type: str
    nullable: bool


def parse_schema(text: str) -> list[SchemaField]:
    """The fields of a Personalize Avro schema; InvalidInputException when it is not one."""
    try:
        schema = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInputException(f"The schema is not valid JSON: {exc}.") from None
    if not isinstance(schema, dict) or schema.get("type") != "record":
        raise InvalidInputException(
            'The schema must be an Avro record: {"type": "record", "name": ..., "fields": [...]}.'
        )
    fields = schema.get("fields")
    if not isinstance(fields, list) or not fields:
        raise InvalidInputException("The schema must list its fields in \"fields\".")
    out: list[SchemaField] = []
    for field in fields:
        if not isinstance(field, dict) or not isinstance(field.get("name"), str):
            raise InvalidInputException(f"Schema field {field!r} has no name.")
        kind = field.get("type")
        types = kind if isinstance(kind, list) else [kind]
        nullable = "null" in types
        concrete = [t for t in types if t != "null"]
        if len(concrete) != 1 or concrete[0] not in _TYPES:
            raise InvalidInputException(
                f"Schema field {field['name']!r} has type {kind!r}; use one of "
                f"{', '.join(sorted(_TYPES))}, optionally with \"null\"."
            )
        out.append(SchemaField(field["name"], concrete[0], nullable))
    return out


def check_schema_for_dataset_type(fields: list[SchemaField], dataset_type: str) -> None:
    """Refuse a schema that lacks a field the dataset type needs, as the service does."""
    names = {f.name.upper() for f in fields}
    missing = [f for f in REQUIRED_FIELDS.get(dataset_type, ()) if f not in names]
    if missing:
        raise InvalidInputException(
            f"The schema does not fit a {dataset_type} dataset: it lacks the required "
            f"field(s) {', '.join(missing)}."
        )


def read_location(location: str, *, s3_client: Callable[[], object] | None = None) -> bytes:
    """The bytes at a local path, a file:// URI, or s3://bucket/key (all CSVs under a prefix/)."""
    parsed = urlparse(location)
    if parsed.scheme == "s3":
        return _read_s3(parsed.netloc, parsed.path.lstrip("/"), location, s3_client)
    path = Path(unquote(parsed.path)) if parsed.scheme == "file" else Path(location)
    if parsed.scheme not in ("", "file") and len(parsed.scheme) > 1:
        raise ImportFailed(
            f"Data location {location!r} is not supported: use a local path, file:// or s3://."
        )
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ImportFailed(f"Reading data location {location!r} failed: {exc.strerror}.") from None


def _read_s3(bucket: str, key: str, location: str, s3_client) -> bytes:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    client = s3_client() if s3_client is not None else boto3.client("s3")
    try:
        if key == "" or key.endswith("/"):
            pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=key)
            keys = sorted(
                o["Key"] for p in pages for o in p.get("Contents", []) if o["Key"].endswith(".csv")
            )
            if not keys:
                raise ImportFailed(f"Data location {location!r} holds no .csv file.")
            parts = [client.get_object(Bucket=bucket, Key=k)["Body"].read() for k in keys]
            # Keep the first file's header only.
            return parts[0] + b"".join(b"\n" + p.split(b"\n", 1)[1] for p in parts[1:])
        return client.get_object(Bucket=bucket, Key=key)["Body"].read()
    except (ClientError, BotoCoreError) as exc:
        raise ImportFailed(f"Reading data location {location!r} from S3 failed: {exc}.") from None


def load_csv(data: bytes, fields: list[SchemaField], location: str,
             dataset_type: str | None = None) -> pd.DataFrame:
    """Parse CSV bytes and check them against the schema; the columns get the schema's names.

    For an ``INTERACTIONS`` dataset the data must also pass :func:`check_interactions`.
    """
    try:
        frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ImportFailed(f"Data at {location!r} is not a readable CSV file: {exc}.") from None
    quoted = _quoted_header_names(data)
    if quoted:
        raise ImportFailed(
            f"Data at {location!r} would be refused by Amazon Personalize: header, line 1: "
            f"{', '.join(quoted)} {'is' if len(quoted) == 1 else 'are'} in quotation marks; "
            "the first row must hold the column names without quotation marks (write the "
            "header unquoted, e.g. USER_ID,ITEM_ID,TIMESTAMP)."
        )
    raw = frame
    by_upper = {f.name.upper(): f for f in fields}
    renames: dict[str, str] = {}
    for column in frame.columns:
        field = by_upper.get(str(column).strip().upper())
        if field is None:
            raise ImportFailed(
                f"Data at {location!r} has the column {column!r}, which is not in the schema "
                f"(fields: {', '.join(f.name for f in fields)})."
            )
        renames[column] = field.name
    frame = frame.rename(columns=renames)
    out: dict[str, pd.Series] = {}
    for field in fields:
        if field.name not in frame.columns:
            if not field.nullable:
                raise ImportFailed(
                    f"Data at {location!r} lacks the column {field.name!r}, which the schema "
                    "requires (its type is not nullable)."
                )
            out[field.name] = pd.Series([None] * len(frame), dtype=object)
            continue
        out[field.name] = _typed(frame[field.name], field, location)
    bom = data.startswith(codecs.BOM_UTF8)
    if dataset_type == "INTERACTIONS":
        check_interactions(raw, location, bom=bom)
    elif bom and dataset_type is not None:
        # Items and users files have no validator; the mark hides their first column the same way.
        first = "\ufeff" + str(raw.columns[0])
        raise ImportFailed(
            f"Data at {location!r} would be refused by Amazon Personalize: header, line 1: "
            f"column {first!r} starts with a UTF-8 byte-order mark (\\ufeff), so Personalize "
            f"does not see {first[1:]}; save the file as UTF-8 without BOM."
        )
    return pd.DataFrame(out)


def _quoted_header_names(data: bytes) -> list[str]:
    """The header's names as written when in quotation marks (pandas drops the marks)."""
    first = data.removeprefix(codecs.BOM_UTF8).split(b"\n", 1)[0].rstrip(b"\r")
    names = next(csv.reader([first.decode("utf-8", errors="replace")],
                            quoting=csv.QUOTE_NONE), [])
    return [name for name in names if name.strip().startswith('"')]


def check_interactions(frame: pd.DataFrame, location: str, *, bom: bool = False) -> None:
    """Refuse interactions data that Amazon Personalize refuses, in the validator's words.

    ``frame`` is the file as read (text values, header as written; ``bom`` says whether the
    bytes began with a UTF-8 byte-order mark, which pandas drops). The rules are those of
    :func:`videorecs_widgets.personalize_data.validate_interactions` without the training
    minimums (an import of 600 rows succeeds; training on them fails, see ``_training_data``).

    What the Personalize Developer Guide says ("Data format guidelines", "Formatting your
    input data"): the first row holds the column headers, not in quotation marks, and they must
    map to the schema's fields; TIMESTAMP is Unix epoch time in seconds; a file with non-ASCII
    characters must be UTF-8. It never makes the case of a header significant, and in
    aws-samples/amazon-personalize-samples issue 17 the service team confirmed that a file whose
    header says ``user_id`` imports, so the case of header names is ignored here, as by
    :func:`load_csv`. A byte-order mark glued to the first header is not a case difference: the
    column is then named ``"\\ufeffUSER_ID"``, which maps to no field (the symptom in that same
    issue, a first column ``user_id`` reported missing, is what such a mark produces), so the
    validator's BOM rule applies.
    """
    header = [str(c) for c in frame.columns]
    if bom and header:
        header[0] = "\ufeff" + header[0]
    # Only the case of a required name is forgiven; anything else is shown as written.
    required = REQUIRED_FIELDS["INTERACTIONS"]
    header = [name.upper() if name.upper() in required else name for name in header]
    try:
        validate_interactions(frame.set_axis(header, axis=1), minimums=False)
    except InteractionsValidationError as exc:
        raise ImportFailed(
            f"Data at {location!r} would be refused by Amazon Personalize: "
            + " ".join(exc.problems)
        ) from None


def _typed(column: pd.Series, field: SchemaField, location: str) -> pd.Series:
    empty = column.str.strip() == ""
    if empty.any() and not field.nullable:
        row = int(empty.to_numpy().argmax()) + 2
        raise ImportFailed(
            f"Data at {location!r}, column {field.name!r}, row {row}: the value is empty but "
            f"the schema's type {field.type!r} is not nullable."
        )
    if field.type == "string":
        return column.where(~empty, None)
    if field.type == "boolean":
        lowered = column.str.strip().str.lower()
        bad = ~lowered.isin(["true", "false"]) & ~empty
        _raise_first_bad(bad, column, field, location)
        return lowered.map({"true": True, "false": False})
    numbers = pd.to_numeric(column.where(~empty, None), errors="coerce")
    bad = numbers.isna() & ~empty
    if field.type in ("long", "int"):
        bad |= numbers.notna() & (numbers != numbers.round())
    _raise_first_bad(bad, column, field, location)
    if field.type in ("long", "int"):
        # Int64 keeps a nullable int an int: its gaps stay empty and 1995 is not written 1995.0.
        return numbers.astype("int64" if not empty.any() else "Int64")
    return numbers


def _raise_first_bad(bad: pd.Series, column: pd.Series, field: SchemaField, location: str) -> None:
    if bad.any():
        position = int(bad.to_numpy().argmax())
        raise ImportFailed(
            f"Data at {location!r}, column {field.name!r}, row {position + 2}: "
            f"{column.iloc[position]!r} is not a {field.type} ({int(bad.sum())} such value(s))."
        )
