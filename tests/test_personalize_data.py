"""The lab's Personalize files, their schemas, and validate_interactions' rules."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from videorecs_widgets import personalize_data as pdata
from videorecs_widgets.catalog import Catalog
from videorecs_widgets.errors import DataError, InteractionsValidationError


@pytest.fixture(scope="module")
def catalog(ml100k_dir):
    return Catalog.from_movielens(ml100k_dir)


@pytest.fixture(scope="module")
def lab_files(catalog, tmp_path_factory):
    return pdata.write_lab_files(catalog, tmp_path_factory.mktemp("lab"))


def good_frame(users: int = 50, per_user: int = 25) -> pd.DataFrame:
    """A small frame that passes: 50 users x 25 interactions = 1,250 rows."""
    rows = [
        (str(u), str(i), 1_500_000_000 + u * 1000 + i)
        for u in range(1, users + 1)
        for i in range(1, per_user + 1)
    ]
    return pd.DataFrame(rows, columns=["USER_ID", "ITEM_ID", "TIMESTAMP"])


def problems_of(target) -> list[str]:
    with pytest.raises(InteractionsValidationError) as info:
        pdata.validate_interactions(target)
    return info.value.problems


# --- the lab's files -----------------------------------------------------------------------


def test_interactions_frame_real_figures(catalog):
    frame = pdata.interactions_frame(catalog.ratings)
    assert list(frame.columns) == ["USER_ID", "ITEM_ID", "TIMESTAMP"]
    # 34,174 four-star + 21,201 five-star ratings in the verified ML-100k.
    assert len(frame) == 55_375
    assert frame["USER_ID"].nunique() == 942
    assert frame["ITEM_ID"].nunique() == 1_447


def test_interactions_frame_shifts_timestamps_and_keeps_file_order(catalog):
    frame = pdata.interactions_frame(catalog.ratings)
    kept = catalog.ratings[catalog.ratings["rating"] > 3.6]
    assert list(frame["TIMESTAMP"]) == list(kept["timestamp"] + 660_833_618)
    assert list(frame["ITEM_ID"][:3]) == list(kept["item_id"][:3])
    assert frame["TIMESTAMP"].dtype == "int64"
    assert all(isinstance(v, str) for v in frame["USER_ID"])


def test_interactions_frame_threshold_is_strictly_above_3_6():
    ratings = pd.DataFrame(
        {"user_id": ["1"] * 3, "item_id": ["1", "2", "3"], "rating": [3, 4, 5],
         "timestamp": [0, 1, 2]}
    )
    frame = pdata.interactions_frame(ratings)
    assert list(frame["ITEM_ID"]) == ["2", "3"]
    assert list(frame["TIMESTAMP"]) == [660_833_619, 660_833_620]


def test_items_frame(catalog):
    items = pdata.items_frame(catalog.movies).set_index("ITEM_ID")
    assert list(items.columns) == ["YEAR", "GENRES"]
    assert items.loc["1", "GENRES"] == "Animation|Children's|Comedy"
    assert items.loc["1", "YEAR"] == 1995
    assert pd.isna(items.loc["267", "YEAR"])
    assert len(items) == 1_682


def test_users_frame(catalog):
    users = pdata.users_frame(catalog.users)
    assert list(users.columns) == ["USER_ID", "AGE", "GENDER", "OCCUPATION"]
    assert users.iloc[0].tolist() == ["1", 24, "M", "technician"]


def test_write_lab_files_names_and_csv_shape(lab_files):
    assert lab_files["interactions"].name == "DEMO-movie-lens-100k.csv"
    assert lab_files["items"].name == "items.csv"
    assert lab_files["users"].name == "users.csv"
    raw = lab_files["interactions"].read_bytes()
    assert raw.startswith(b"USER_ID,ITEM_ID,TIMESTAMP\n")
    assert b"\r\n" not in raw
    assert raw.count(b"\n") == 55_375 + 1
    assert lab_files["items"].read_text(encoding="utf-8").startswith(
        "ITEM_ID,YEAR,GENRES\n1,1995,Animation|Children's|Comedy\n"
    )
    assert "\n267,,unknown\n" in lab_files["items"].read_text(encoding="utf-8")
    assert lab_files["users"].read_text(encoding="utf-8").startswith(
        "USER_ID,AGE,GENDER,OCCUPATION\n1,24,M,technician\n"
    )
    assert not list(lab_files["interactions"].parent.glob(".*"))  # no temporary files left


def test_write_lab_files_schemas_on_disk(lab_files):
    for key, schema in (
        ("interactions", pdata.INTERACTIONS_SCHEMA),
        ("items", pdata.ITEMS_SCHEMA),
        ("users", pdata.USERS_SCHEMA),
    ):
        assert json.loads(lab_files[f"{key}_schema"].read_text(encoding="utf-8")) == schema


def test_schemas_match_the_files_columns(lab_files):
    for key, schema in (
        ("interactions", pdata.INTERACTIONS_SCHEMA),
        ("items", pdata.ITEMS_SCHEMA),
        ("users", pdata.USERS_SCHEMA),
    ):
        header = lab_files[key].read_text(encoding="utf-8").split("\n", 1)[0].split(",")
        assert header == [f["name"] for f in schema["fields"]]
        assert schema["type"] == "record"
        assert schema["namespace"] == "com.amazonaws.personalize.schema"
        assert schema["version"] == "1.0"


def test_interactions_schema_types():
    assert pdata.INTERACTIONS_SCHEMA["name"] == "Interactions"
    assert pdata.INTERACTIONS_SCHEMA["fields"] == [
        {"name": "USER_ID", "type": "string"},
        {"name": "ITEM_ID", "type": "string"},
        {"name": "TIMESTAMP", "type": "long"},
    ]


def test_metadata_schemas_categorical_fields():
    items = {f["name"]: f for f in pdata.ITEMS_SCHEMA["fields"]}
    assert items["GENRES"] == {"name": "GENRES", "type": "string", "categorical": True}
    users = {f["name"]: f for f in pdata.USERS_SCHEMA["fields"]}
    assert users["GENDER"]["categorical"] and users["OCCUPATION"]["categorical"]
    assert users["AGE"]["type"] == "int"


def test_constants():
    assert pdata.LAB_MIN_RATING == 3.6
    assert pdata.TIMESTAMP_SHIFT == 660_833_618


# --- validate_interactions -----------------------------------------------------------------


def test_validate_real_lab_file_passes(lab_files):
    pdata.validate_interactions(lab_files["interactions"])


def test_validate_real_frame_passes(catalog):
    pdata.validate_interactions(pdata.interactions_frame(catalog.ratings))


def test_validate_good_small_frame_passes():
    pdata.validate_interactions(good_frame())


def test_validate_error_is_a_data_error_with_a_problem_list():
    frame = good_frame().drop(columns="TIMESTAMP")
    with pytest.raises(DataError) as info:
        pdata.validate_interactions(frame)
    assert isinstance(info.value, InteractionsValidationError)
    assert "1 problem(s) found" in str(info.value)


def test_validate_missing_column():
    problems = problems_of(good_frame().drop(columns="TIMESTAMP"))
    assert problems == [
        "header: required column TIMESTAMP is missing; the columns are ['USER_ID', 'ITEM_ID']."
    ]


@pytest.mark.parametrize("name", ["UserId", " USER_ID", "User Id", "USER-ID"])
def test_validate_misnamed_column(name):
    problems = problems_of(good_frame().rename(columns={"USER_ID": name}))
    assert problems == [
        f"header, line 1: column {name!r} should be named 'USER_ID' "
        "(Personalize matches column names to the schema; only letter case may differ)."
    ]


def test_validate_accepts_column_names_in_another_case():
    frame = good_frame().rename(columns={"USER_ID": "user_id", "TIMESTAMP": "Timestamp"})
    pdata.validate_interactions(frame)  # raises on any problem


def test_validate_byte_order_mark_on_the_header(tmp_path):
    path = tmp_path / "bom.csv"
    good_frame().to_csv(path, index=False, encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbfUSER_ID")
    problems = problems_of(path)
    assert len(problems) == 1
    assert "column '\\ufeffUSER_ID' starts with a UTF-8 byte-order mark" in problems[0]
    assert "without BOM" in problems[0]
    assert info_source(path) == "bom.csv"


def info_source(path) -> str:
    with pytest.raises(InteractionsValidationError) as info:
        pdata.validate_interactions(path)
    return info.value.source


def test_validate_milliseconds_name_row_and_value():
    frame = good_frame()
    frame.loc[2, "TIMESTAMP"] = 1_541_000_000_000
    problems = problems_of(frame)
    assert problems == [
        "TIMESTAMP, data row 3 (line 4): 1541000000000: looks like milliseconds (above 1e11); "
        "Personalize wants epoch seconds, so divide by 1000."
    ]


def test_validate_all_milliseconds_reports_count(tmp_path):
    frame = good_frame()
    frame["TIMESTAMP"] = frame["TIMESTAMP"] * 1000
    path = tmp_path / "ms.csv"
    frame.to_csv(path, index=False)
    (problem,) = problems_of(path)
    assert problem.startswith(
        "TIMESTAMP, data row 1 (line 2): '1500001001000', data row 2 (line 3): '1500001002000', "
        "data row 3 (line 4): '1500001003000' and 1,247 more row(s): looks like milliseconds"
    )


@pytest.mark.parametrize("value", ["2019-01-01T00:00:00", "1997-12-04 15:55:49", "2019-01-01"])
def test_validate_iso_date_strings(value):
    frame = good_frame().astype({"TIMESTAMP": object})
    frame.loc[0, "TIMESTAMP"] = value
    (problem,) = problems_of(frame)
    assert problem.startswith(f"TIMESTAMP, data row 1 (line 2): {value!r}: a date, not epoch")


@pytest.mark.parametrize("value", ["881250949.5", "soon", "1e9x"])
def test_validate_timestamp_not_a_whole_number(value):
    frame = good_frame().astype({"TIMESTAMP": object})
    frame.loc[4, "TIMESTAMP"] = value
    (problem,) = problems_of(frame)
    assert problem == (
        f"TIMESTAMP, data row 5 (line 6): {value!r}: not a whole number of epoch seconds."
    )


def test_validate_empty_timestamp_in_a_file(tmp_path):
    path = tmp_path / "t.csv"
    text = good_frame().to_csv(index=False).replace("1,1,1500001001\n", "1,1,\n", 1)
    path.write_text(text, encoding="utf-8")
    (problem,) = problems_of(path)
    assert problem == "TIMESTAMP, data row 1 (line 2): '': empty timestamp."


@pytest.mark.parametrize("column", ["USER_ID", "ITEM_ID"])
def test_validate_empty_ids(column):
    frame = good_frame()
    frame.loc[7, column] = "  "
    problems = problems_of(frame)
    assert problems[0] == (
        f"{column}, data row 8 (line 9): '  ': empty {column}; every interaction needs one."
    )


def test_validate_too_few_interactions_reports_count():
    problems = problems_of(good_frame(users=30, per_user=20))
    assert problems == [
        "rows: 600 interactions found; Personalize needs at least 1,000."
    ]


def test_validate_too_few_users_with_two_interactions_reports_counts():
    frame = good_frame(users=24, per_user=50)
    singles = pd.DataFrame(
        {"USER_ID": [f"s{i}" for i in range(10)], "ITEM_ID": "1", "TIMESTAMP": 1_500_000_000}
    )
    problems = problems_of(pd.concat([frame, singles], ignore_index=True))
    assert problems == [
        "USER_ID: 24 user(s) with at least 2 interactions (of 34 users); "
        "Personalize needs at least 25."
    ]


def test_validate_exactly_the_minimums_pass():
    pdata.validate_interactions(good_frame(users=25, per_user=40))


def test_validate_event_type_all_empty(tmp_path):
    frame = good_frame()
    frame["EVENT_TYPE"] = ""
    path = tmp_path / "events.csv"
    frame.to_csv(path, index=False)
    problems = problems_of(path)
    assert problems == [
        "EVENT_TYPE, data rows 1-1,250 (lines 2-1,251): every value is empty; "
        "fill in the event types or drop the column."
    ]


def test_validate_event_type_partly_filled_passes():
    frame = good_frame()
    frame["EVENT_TYPE"] = ""
    frame.loc[0, "EVENT_TYPE"] = "watch"
    pdata.validate_interactions(frame)


def test_validate_ragged_rows_in_a_file(tmp_path):
    path = tmp_path / "ragged.csv"
    text = good_frame().to_csv(index=False).replace("1,2,1500001002\n", "1,2\n", 1)
    path.write_text(text, encoding="utf-8")
    problems = problems_of(path)
    assert problems[0] == "data row 2 (line 3): 2 field(s) where the header has 3."


def test_validate_not_utf8(tmp_path):
    path = tmp_path / "latin.csv"
    text = good_frame().to_csv(index=False).replace("1,3,", "1,caf\xe9,", 1)
    path.write_bytes(text.encode("latin-1"))
    (problem,) = problems_of(path)
    assert problem == (
        "latin.csv, line 4: byte 0xe9 is not UTF-8; Personalize reads CSV files as UTF-8."
    )


def test_validate_empty_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("", encoding="utf-8")
    assert problems_of(path) == [
        "empty.csv: the file is empty; it needs a header row and data rows."
    ]


def test_validate_reports_every_problem_at_once():
    frame = good_frame(users=3, per_user=3).rename(columns={"ITEM_ID": "item"})
    frame = frame.astype({"TIMESTAMP": object})
    frame.loc[0, "TIMESTAMP"] = "2019-01-01"
    problems = problems_of(frame)
    assert len(problems) == 4
    assert problems[0].startswith("header: required column ITEM_ID is missing")
    assert problems[1].startswith("TIMESTAMP, data row 1 (line 2): '2019-01-01'")
    assert problems[2].startswith("rows: 9 interactions found")
    assert problems[3].startswith("USER_ID: 3 user(s) with at least 2 interactions (of 3 users)")
