"""Dataset import: reading the data, checking it against the schema; the workspace store."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from videorecs_widgets.errors import EngineError
from videorecs_widgets.local.exceptions import InvalidInputException
from videorecs_widgets.local.importer import (
    ImportFailed,
    SchemaField,
    check_interactions,
    check_schema_for_dataset_type,
    load_csv,
    parse_schema,
    read_location,
)
from videorecs_widgets.local.store import WorkspaceStore, atomic_write_bytes, resolve_workspace

FIELDS = [SchemaField("USER_ID", "string", False), SchemaField("ITEM_ID", "string", False),
          SchemaField("TIMESTAMP", "long", False), SchemaField("EVENT_VALUE", "float", True)]


def test_parse_schema__nullable_union():
    fields = parse_schema(json.dumps({"type": "record", "name": "Items", "fields": [
        {"name": "ITEM_ID", "type": "string"}, {"name": "YEAR", "type": ["null", "int"]}]}))
    assert fields == [SchemaField("ITEM_ID", "string", False), SchemaField("YEAR", "int", True)]


def test_parse_schema__not_a_record():
    with pytest.raises(InvalidInputException, match="The schema must be an Avro record"):
        parse_schema(json.dumps({"type": "array"}))


def test_check_schema_for_dataset_type__users_need_user_id():
    with pytest.raises(InvalidInputException, match="lacks the required field.* USER_ID"):
        check_schema_for_dataset_type([SchemaField("AGE", "int", False)], "USERS")


def test_load_csv__types_and_case_insensitive_header():
    data = b"user_id,Item_Id,TIMESTAMP,EVENT_VALUE\n1,10,100,4.5\n2,20,200,\n"
    frame = load_csv(data, FIELDS, "mem.csv")
    assert list(frame.columns) == ["USER_ID", "ITEM_ID", "TIMESTAMP", "EVENT_VALUE"]
    assert list(frame["USER_ID"]) == ["1", "2"]
    assert list(frame["TIMESTAMP"]) == [100, 200] and str(frame["TIMESTAMP"].dtype) == "int64"
    assert frame["EVENT_VALUE"].iloc[0] == 4.5 and frame["EVENT_VALUE"].isna().iloc[1]


def test_load_csv__nullable_int_keeps_its_type():
    # YEAR ["null", "int"] with a gap: stored as 1995 and an empty cell, never 1995.0.
    fields = [SchemaField("ITEM_ID", "string", False), SchemaField("YEAR", "int", True)]
    frame = load_csv(b"ITEM_ID,YEAR\n1,1995\n267,\n", fields, "mem.csv")
    assert str(frame["YEAR"].dtype) == "Int64"
    assert frame["YEAR"].iloc[0] == 1995 and pd.isna(frame["YEAR"].iloc[1])
    assert frame.to_csv(index=False) == "ITEM_ID,YEAR\n1,1995\n267,\n"


def test_load_csv__missing_required_column():
    with pytest.raises(ImportFailed, match="lacks the column 'TIMESTAMP', which the schema "
                                           "requires"):
        load_csv(b"USER_ID,ITEM_ID\n1,2\n", FIELDS, "mem.csv")


def test_load_csv__empty_required_value():
    with pytest.raises(ImportFailed, match=r"column 'ITEM_ID', row 3: the value is empty but "
                                           r"the schema's type 'string' is not nullable"):
        load_csv(b"USER_ID,ITEM_ID,TIMESTAMP\n1,2,3\n4,,6\n", FIELDS, "mem.csv")


def test_load_csv__fraction_in_long_column():
    with pytest.raises(ImportFailed, match=r"column 'TIMESTAMP', row 2: '1.5' is not a long"):
        load_csv(b"USER_ID,ITEM_ID,TIMESTAMP\n1,2,1.5\n", FIELDS, "mem.csv")


def test_load_csv__interactions_checked_beyond_the_schema():
    data = b"\xef\xbb\xbfUSER_ID,ITEM_ID,TIMESTAMP\n1,10,100\n"
    assert len(load_csv(data, FIELDS, "mem.csv")) == 1  # no dataset type: schema only
    with pytest.raises(ImportFailed) as excinfo:
        load_csv(data, FIELDS, "mem.csv", "INTERACTIONS")
    assert str(excinfo.value) == (
        "Data at 'mem.csv' would be refused by Amazon Personalize: header, line 1: column "
        "'\\ufeffUSER_ID' starts with a UTF-8 byte-order mark (\\ufeff), so Personalize does "
        "not see USER_ID; save the file as UTF-8 without BOM.")


def test_check_interactions__case_forgiven_minimums_left_to_training():
    frame = pd.DataFrame({"user_id": ["1"], "Item_Id": ["10"], "timestamp": ["881250949"]})
    check_interactions(frame, "mem.csv")  # one row, lower-case names: an import accepts it


def test_check_interactions__every_problem_named():
    frame = pd.DataFrame({"USER_ID ": ["1", "2"], "ITEM_ID": ["10", "11"],
                          "TIMESTAMP": ["881250949", "1997-12-04"]})
    with pytest.raises(ImportFailed) as excinfo:
        check_interactions(frame, "mem.csv")
    assert str(excinfo.value) == (
        "Data at 'mem.csv' would be refused by Amazon Personalize: header, line 1: column "
        "'USER_ID ' should be named 'USER_ID' (Personalize matches column names to the "
        "schema; only letter case may differ). "
        "TIMESTAMP, data row 2 (line 3): '1997-12-04': a date, not epoch seconds; convert to "
        "whole seconds since 1970-01-01 UTC.")


def test_read_location__unsupported_scheme():
    with pytest.raises(ImportFailed, match="'https://example.org/x.csv' is not supported"):
        read_location("https://example.org/x.csv")


def test_read_location__file_uri_with_spaces(tmp_path):
    path = tmp_path / "with space.csv"
    path.write_bytes(b"a\n1\n")
    assert read_location(path.as_uri()) == b"a\n1\n"


def test_workspace_store__sees_other_writers(tmp_path):
    first, second = WorkspaceStore(tmp_path), WorkspaceStore(tmp_path)
    assert first.load() == {"version": 1, "resources": {}}
    second.load()
    first.save({"version": 1, "resources": {"x": {}}})
    assert not first.changed_on_disk()
    assert second.changed_on_disk()
    assert second.load()["resources"] == {"x": {}}
    assert not second.changed_on_disk()


def test_atomic_write_bytes__leaves_no_temporary_files(tmp_path):
    target = tmp_path / "sub" / "file.csv"
    atomic_write_bytes(target, b"one")
    atomic_write_bytes(target, b"two")
    assert target.read_bytes() == b"two"
    assert [p.name for p in target.parent.iterdir()] == ["file.csv"]


def test_resolve_workspace__argument_then_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("VIDEORECS_WORKSPACE", str(tmp_path / "env"))
    assert resolve_workspace(tmp_path / "arg") == (tmp_path / "arg").resolve()
    assert resolve_workspace() == (tmp_path / "env").resolve()
    monkeypatch.delenv("VIDEORECS_WORKSPACE")
    monkeypatch.chdir(tmp_path)
    assert resolve_workspace() == (tmp_path / ".videorecs").resolve()


def test_workspace_store__damaged_state(tmp_path):
    (tmp_path / "state.json").write_text("[1, 2")
    with pytest.raises(EngineError, match="move it away to start an empty workspace"):
        WorkspaceStore(tmp_path).load()
