"""MovieLens 100k: fetch (each source), verification, the three readers, the marker."""

from __future__ import annotations

import shutil
import subprocess
import urllib.request
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from movielens_files import poster_url, write_grouplens, write_lab_poster_item

from videorecs_widgets import movielens
from videorecs_widgets.errors import DataError


@pytest.fixture(scope="module")
def real(ml100k_dir):
    return movielens.load(ml100k_dir)


@pytest.fixture
def no_network(monkeypatch):
    """Fail the test if anything tries the GroupLens download or runs pip."""
    calls: list[str] = []

    def urlopen(*args, **kwargs):
        calls.append("urlopen")
        raise AssertionError("network used: urlopen")

    def run(*args, **kwargs):
        calls.append("subprocess")
        raise AssertionError("network used: pip subprocess")

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    monkeypatch.setattr(subprocess, "run", run)
    return calls


def leftovers(base: Path) -> list[str]:
    return sorted(p.name for p in base.iterdir() if p.name.startswith(".ml-100k-"))


# --- the real data -------------------------------------------------------------------------


def test_fetch_real_data_has_the_ml100k_figures(real):
    assert (len(real.ratings), len(real.users), len(real.movies)) == (100_000, 943, 1_682)
    assert real.ratings["user_id"].nunique() == 943
    assert set(real.ratings["rating"]) == {1, 2, 3, 4, 5}


def test_load_frames_have_the_documented_columns_and_types(real):
    assert list(real.movies.columns) == ["item_id", "title", "year", "genres", "poster_url"]
    assert list(real.users.columns) == ["user_id", "age", "gender", "occupation", "zip"]
    assert list(real.ratings.columns) == ["user_id", "item_id", "rating", "timestamp"]
    assert str(real.movies["year"].dtype) == "Int64"
    assert real.ratings["rating"].dtype == "int64"
    assert real.ratings["timestamp"].dtype == "int64"
    assert real.users["age"].dtype == "int64"
    for frame, col in ((real.ratings, "user_id"), (real.ratings, "item_id"),
                       (real.movies, "item_id"), (real.users, "user_id"), (real.users, "zip")):
        assert all(isinstance(v, str) for v in frame[col]), col


def test_load_ids_are_strings_in_file_order(real):
    first = real.ratings.iloc[0]
    assert (first.user_id, first.item_id, first.rating, first.timestamp) == (
        "196", "242", 3, 881250949,
    )
    assert real.movies["item_id"].iloc[0] == "1"


def test_load_titles_have_no_year_and_keep_accents(real):
    titles = real.movies.set_index("item_id")["title"]
    assert titles["1"] == "Toy Story"
    assert titles["543"] == "Misérables, Les"
    assert titles["1633"] == "Á köldum klaka (Cold Fever)"
    assert not titles.str.contains(r"\(\d{4}\)$").any()


def test_load_item_267_is_unknown_with_no_year(real):
    movie = real.movies.set_index("item_id").loc["267"]
    assert movie["title"] == "unknown"
    assert pd.isna(movie["year"])
    assert movie["genres"] == ["unknown"]


def test_load_item_1412_video_remark_kept_and_year_repaired(real):
    movie = real.movies.set_index("item_id").loc["1412"]
    assert movie["title"] == "Land Before Time III: The Time of the Great Giving (V)"
    assert movie["year"] == 1995


def test_load_genres_are_in_dataset_order(real):
    order = {g: i for i, g in enumerate(movielens.GENRES)}
    for genres in real.movies["genres"]:
        assert [order[g] for g in genres] == sorted(order[g] for g in genres)
    assert real.movies.set_index("item_id").loc["1", "genres"] == [
        "Animation", "Children's", "Comedy",
    ]


def test_genres_are_the_19_of_ml100k_with_horror():
    assert len(movielens.GENRES) == 19
    assert movielens.GENRES[0] == "unknown" and movielens.GENRES[11] == "Horror"


# --- readers agree -------------------------------------------------------------------------


def test_readers_grouplens_layout_gives_the_same_frames(real, tmp_path):
    folder = write_grouplens(real, tmp_path / "gl")
    assert (folder / "u.item").read_bytes().count("Misérables".encode("latin-1")) == 1
    other = movielens.load(folder)
    assert other.layout == "grouplens"
    pd.testing.assert_frame_equal(other.movies, real.movies)
    pd.testing.assert_frame_equal(other.users, real.users)
    pd.testing.assert_frame_equal(other.ratings, real.ratings)


@pytest.mark.parametrize("grouplens_columns", [False, True])
def test_readers_lab_poster_variant_gives_the_same_frames(real, tmp_path, grouplens_columns):
    path = write_lab_poster_item(real, tmp_path / "u.item", grouplens_columns=grouplens_columns)
    movies = movielens.read_items(path)
    expected_posters = [None if i == "1" else poster_url(i) for i in real.movies["item_id"]]
    assert list(movies["poster_url"]) == expected_posters
    pd.testing.assert_frame_equal(
        movies.drop(columns="poster_url"), real.movies.drop(columns="poster_url")
    )


def test_readers_lab_poster_variant_skips_a_header_row(real, tmp_path):
    path = write_lab_poster_item(real, tmp_path / "u.item")
    path.write_text("movie_id\ttitle\tyear\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    assert len(movielens.read_items(path)) == 1_682


def test_read_items_blank_release_date_leaves_year_missing(tmp_path):
    flags = "|".join(["1"] + ["0"] * 18)
    path = tmp_path / "u.item"
    path.write_bytes(
        f"267|unknown||||{flags}\n543|Misérables, Les (1995)|01-Jan-1995||url|{flags}\n"
        f"9|No Year In Title||||{flags}\n10|Dated Only|05-Feb-1996||u|{flags}\n".encode("latin-1")
    )
    movies = movielens.read_items(path)
    assert list(movies["title"]) == ["unknown", "Misérables, Les", "No Year In Title", "Dated Only"]
    assert movies["year"].tolist() == [pd.NA, 1995, pd.NA, 1996]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Toy Story (1995)", ("Toy Story", 1995)),
        ("Shanghai Triad (Yao a yao yao dao waipo qiao) (1995)",
         ("Shanghai Triad (Yao a yao yao dao waipo qiao)", 1995)),
        ("Land Before Time III: The Time of the Great Giving (1995) (V)",
         ("Land Before Time III: The Time of the Great Giving (V)", 1995)),
        ("unknown", ("unknown", None)),
        ("  Spaced (1999)  ", ("Spaced", 1999)),
    ],
)
def test_split_title_cases(raw, expected):
    assert movielens.split_title(raw) == expected


def test_read_ratings_cut_short_line_is_reported(tmp_path):
    path = tmp_path / "u.data"
    path.write_text("196\t242\t3\t881250949\n186\t30", encoding="ascii")
    with pytest.raises(DataError, match=r"u\.data, line 2: 2 tab-separated field\(s\).*cut short"):
        movielens.read_ratings(path)


def test_read_ratings_missing_column_inside_the_file_is_not_called_cut_short(tmp_path):
    path = tmp_path / "u.data"
    path.write_text("196\t242\t3\t881250949\n186\t302\t3\n22\t377\t1\t878887116\n",
                    encoding="ascii")
    with pytest.raises(DataError) as caught:
        movielens.read_ratings(path)
    assert str(caught.value) == (
        "u.data, line 2: 3 tab-separated field(s), expected 4 (user, item, rating, "
        "timestamp): '186\\t302\\t3'")


def test_read_ratings_binary_data_is_called_not_text(tmp_path):
    path = tmp_path / "u.data"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(DataError) as caught:
        movielens.read_ratings(path)
    assert str(caught.value) == (
        "u.data, line 1: 1 tab-separated field(s), expected 4 (user, item, rating, "
        "timestamp): '\\x89PNG' (this is not text: the file is damaged, or is not a ratings "
        "file)")


def test_read_ratings_space_separated_line_says_so(tmp_path):
    path = tmp_path / "u.data"
    path.write_text("196 242 3 881250949\n", encoding="ascii")
    with pytest.raises(DataError, match=r"line 1: 1 tab-separated field\(s\).* \(the fields are "
                                        r"separated by spaces, not tabs\)$"):
        movielens.read_ratings(path)


def test_fetch_source_with_an_empty_u_data_says_the_file_is_empty(real, tmp_path, no_network):
    src = write_grouplens(real, tmp_path / "src")
    (src / "u.data").write_bytes(b"")
    with pytest.raises(DataError) as caught:
        movielens.fetch(data_dir=tmp_path / "data", source=src)
    message = str(caught.value)
    assert "u.data: 0 ratings, expected 100,000 (the file is empty)" in message
    assert "download" not in message


def test_verify_names_the_file_line_of_a_bad_rating(real, tmp_path):
    ratings = real.ratings.copy()
    ratings.loc[499, "item_id"] = "99999"
    ratings.loc[9, "rating"] = 0
    folder = write_grouplens(real, tmp_path / "gl", ratings=ratings)
    with pytest.raises(DataError) as caught:
        movielens.verify(movielens.load(folder))
    assert str(caught.value) == (
        "MovieLens 100k failed verification: u.data: 1 rating(s) outside 1..5, e.g. 0 at "
        "line 10; u.data: 1 rating(s) name an item_id missing from u.item, e.g. '99999' at "
        "line 500")


def test_verify_counts_the_header_in_the_line_of_a_recbole_rating(ml100k_dir, tmp_path):
    folder = tmp_path / "ml-100k"
    shutil.copytree(ml100k_dir, folder)
    inter = folder / "ml-100k.inter"
    lines = inter.read_text(encoding="utf-8").splitlines(keepends=True)
    assert lines[1] == "196\t242\t3\t881250949\n"
    lines[1] = "196\t242\t9\t881250949\n"  # the first data row, line 2
    inter.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(DataError, match=r"ml-100k\.inter: 1 rating\(s\) outside 1\.\.5, e\.g\. 9 "
                                        r"at line 2$"):
        movielens.verify(movielens.load(folder))


def test_read_ratings_non_number_is_reported(tmp_path):
    path = tmp_path / "u.data"
    path.write_text("196\t242\tthree\t881250949\n", encoding="ascii")
    with pytest.raises(DataError, match=r"u\.data, line 1: rating 'three' is not a whole number"):
        movielens.read_ratings(path)


def test_load_empty_folder_says_to_fetch(tmp_path):
    with pytest.raises(DataError, match="fetch-data"):
        movielens.load(tmp_path)


# --- verification --------------------------------------------------------------------------


def test_fetch_truncated_u_data_is_detected_and_not_left_behind(real, tmp_path):
    src = write_grouplens(real, tmp_path / "src", ratings=real.ratings.iloc[:-2])
    base = tmp_path / "data"
    with pytest.raises(
        DataError, match=r"u\.data: 99,998 ratings, expected 100,000 \(2 rows missing\)"
    ):
        movielens.fetch(data_dir=base, source=src)
    assert not (base / "ml-100k").exists()
    assert leftovers(base) == []


def test_verify_reports_bad_rating_unknown_ids_and_missing_users(real):
    ratings = real.ratings.copy()
    ratings.loc[5, "rating"] = 7
    ratings.loc[9, "item_id"] = "99999"
    bad = movielens.MovieLensData(real.movies, real.users.iloc[:-1], ratings, layout="grouplens")
    with pytest.raises(DataError) as info:
        movielens.verify(bad)
    message = str(info.value)
    assert "u.user: 942 users, expected 943" in message
    # without the file (a frame built in code), rows are counted in the frame
    assert "u.data: 1 rating(s) outside 1..5, e.g. 7 at data row 6" in message
    assert "name an item_id missing from u.item, e.g. '99999' at data row 10" in message
    assert "user_id missing from u.user" in message


def test_verify_passes_on_the_real_data(real):
    movielens.verify(real)


# --- fetch sources -------------------------------------------------------------------------


def test_fetch_from_named_grouplens_folder(real, tmp_path, no_network):
    src = write_grouplens(real, tmp_path / "src")
    path = movielens.fetch(data_dir=tmp_path / "data", source=src)
    assert path == tmp_path / "data" / "ml-100k"
    assert movielens.detect_layout(path) == "grouplens"
    assert (path / ".verified").is_file()
    pd.testing.assert_frame_equal(movielens.load(path).movies, real.movies)
    assert no_network == []


def test_fetch_source_from_environment(ml100k_dir, tmp_path, monkeypatch, no_network):
    monkeypatch.setenv("VIDEORECS_DATA", str(ml100k_dir))
    path = movielens.fetch(data_dir=tmp_path)
    assert path == tmp_path / "ml-100k"
    assert movielens.detect_layout(path) == movielens.detect_layout(ml100k_dir)
    assert no_network == []


def test_fetch_missing_source_folder_is_an_error(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        movielens.fetch(data_dir=tmp_path / "data", source=tmp_path / "nowhere")


def test_fetch_grouplens_archive(real, tmp_path, monkeypatch):
    """The GroupLens path end to end, from a local file:// archive laid out like the real one."""
    files = write_grouplens(real, tmp_path / "gl")
    archive = tmp_path / "ml-100k.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for name in ("u.data", "u.item", "u.user"):
            zf.write(files / name, f"ml-100k/{name}")
    monkeypatch.setattr(movielens, "GROUPLENS_URL", archive.as_uri())
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: pytest.fail("pip must not run"))
    path = movielens.fetch(data_dir=tmp_path / "data")
    assert movielens.detect_layout(path) == "grouplens"
    assert "GroupLens" in (path / ".verified").read_text()


def test_fetch_damaged_archive_falls_back_to_the_wheel(tmp_path, monkeypatch):
    archive = tmp_path / "ml-100k.zip"
    archive.write_bytes(b"PK\x03\x04 not really a zip")
    monkeypatch.setattr(movielens, "GROUPLENS_URL", archive.as_uri())
    path = movielens.fetch(data_dir=tmp_path / "data")
    assert movielens.detect_layout(path) == "recbole"
    assert leftovers(tmp_path / "data") == []


def test_fetch_recbole_wheel_for_real(tmp_path, monkeypatch):
    """The offline/CI path: GroupLens unreachable, the data comes from the recbole wheel."""
    monkeypatch.setattr(movielens, "GROUPLENS_URL", "http://127.0.0.1:9/ml-100k.zip")
    path = movielens.fetch(data_dir=tmp_path)
    assert sorted(p.name for p in path.iterdir()) == [
        ".verified", "ml-100k.inter", "ml-100k.item", "ml-100k.user",
    ]
    assert "recbole==1.2.1" in (path / ".verified").read_text()
    assert path.stat().st_mode & 0o777 == 0o755
    data = movielens.load(path)
    assert len(data.ratings) == 100_000


def test_fetch_every_source_failing_lists_each(tmp_path, monkeypatch):
    monkeypatch.setattr(movielens, "GROUPLENS_URL", "http://127.0.0.1:9/ml-100k.zip")
    monkeypatch.setattr(movielens, "RECBOLE_REQUIREMENT", "recbole==0.0.0.does-not-exist")
    with pytest.raises(DataError) as info:
        movielens.fetch(data_dir=tmp_path)
    message = str(info.value)
    assert "GroupLens archive" in message and "PyPI wheel" in message
    assert not (tmp_path / "ml-100k").exists()


# --- the marker: a second fetch does no network work -----------------------------------------


def test_fetch_second_time_does_no_network_work(ml100k_dir, tmp_path, no_network):
    shutil.copytree(ml100k_dir, tmp_path / "ml-100k")
    assert movielens.fetch(data_dir=tmp_path) == tmp_path / "ml-100k"
    assert no_network == []


def test_fetch_with_a_changed_file_fetches_again(ml100k_dir, tmp_path, no_network):
    shutil.copytree(ml100k_dir, tmp_path / "ml-100k")
    ratings_file = movielens.LAYOUTS[movielens.detect_layout(ml100k_dir)][0]
    inter = tmp_path / "ml-100k" / ratings_file
    inter.write_bytes(inter.read_bytes()[:-50])
    with pytest.raises(AssertionError, match="network used"):
        movielens.fetch(data_dir=tmp_path)
    assert no_network  # it went to the network instead of trusting the marker


def test_fetch_without_marker_fetches_again(ml100k_dir, tmp_path, no_network):
    shutil.copytree(ml100k_dir, tmp_path / "ml-100k")
    (tmp_path / "ml-100k" / ".verified").unlink()
    with pytest.raises(AssertionError, match="network used"):
        movielens.fetch(data_dir=tmp_path)


def test_fetch_force_replaces_good_data(ml100k_dir, tmp_path, real):
    shutil.copytree(ml100k_dir, tmp_path / "ml-100k")
    src = write_grouplens(real, tmp_path / "src")
    (tmp_path / "ml-100k" / "stale-file").write_text("from before", encoding="utf-8")
    path = movielens.fetch(data_dir=tmp_path, source=src, force=True)
    assert movielens.detect_layout(path) == "grouplens"
    assert not (path / "stale-file").exists()
    assert not (path / "ml-100k.inter").exists()
    assert leftovers(tmp_path) == []


# --- where the data lives -------------------------------------------------------------------


def test_default_data_dir_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("VIDEORECS_DATA_DIR", str(tmp_path))
    assert movielens.default_data_dir() == tmp_path


def test_default_data_dir_is_the_checkout_data_folder(monkeypatch):
    monkeypatch.delenv("VIDEORECS_DATA_DIR", raising=False)
    checkout = Path(movielens.__file__).resolve().parent.parent
    assert movielens.default_data_dir() == checkout / "data"


def test_load_accepts_the_parent_of_ml100k(ml100k_dir):
    assert len(movielens.load(ml100k_dir.parent).movies) == 1_682


# --- what a folder lacks, and where a bad line is --------------------------------------------


def test_fetch_source_without_u_item_names_the_missing_file(real, tmp_path, no_network):
    src = write_grouplens(real, tmp_path / "src")
    (src / "u.item").unlink()
    with pytest.raises(DataError) as caught:
        movielens.fetch(data_dir=tmp_path / "data", source=src)
    assert str(caught.value) == (
        f"Cannot fetch MovieLens 100k from the source folder {str(src)!r}: {str(src)!r} lacks "
        "u.item (it has u.data, u.user; the GroupLens set is u.data, u.item, u.user)."
    )
    assert not (tmp_path / "data" / "ml-100k").exists()


def test_fetch_source_with_a_bad_line_names_folder_file_and_line(real, tmp_path, no_network):
    src = write_grouplens(real, tmp_path / "src")
    (src / "u.user").write_text("1|24|M\n", encoding="ascii")
    with pytest.raises(DataError) as caught:
        movielens.fetch(data_dir=tmp_path / "data", source=src)
    assert str(caught.value) == (
        f"Cannot fetch MovieLens 100k from the source folder {str(src)!r}: u.user, line 1: "
        "3 field(s), expected 5 (user, age, gender, occupation, zip): '1|24|M'"
    )
    assert leftovers(tmp_path / "data") == []


def test_fetch_source_with_nothing_of_either_set(tmp_path, no_network):
    src = tmp_path / "src"
    src.mkdir()
    with pytest.raises(DataError) as caught:
        movielens.fetch(data_dir=tmp_path / "data", source=src)
    assert str(caught.value) == (
        f"Cannot fetch MovieLens 100k from the source folder {str(src)!r}: {str(src)!r} holds "
        "none of the file sets u.data, u.item, u.user / ml-100k.inter, ml-100k.item, "
        "ml-100k.user."
    )


def test_load_partial_folder_names_what_it_lacks(tmp_path):
    folder = tmp_path / "ml-100k"
    folder.mkdir()
    (folder / "ml-100k.inter").write_text("user_id:token\titem_id:token\n", encoding="ascii")
    with pytest.raises(DataError) as caught:
        movielens.load(folder)
    assert str(caught.value).startswith(
        f"Cannot load MovieLens 100k: {str(folder)!r} lacks ml-100k.item, ml-100k.user (it has "
        "ml-100k.inter; the recbole wheel's set is ml-100k.inter, ml-100k.item, ml-100k.user); "
        "run `videorecs-widgets fetch-data`"
    )


def test_load_bad_line_names_the_folder(real, tmp_path):
    folder = write_grouplens(real, tmp_path / "gl")
    (folder / "u.data").write_text("196\t242\tthree\t881250949\n", encoding="ascii")
    with pytest.raises(DataError) as caught:
        movielens.load(folder)
    assert str(caught.value) == (
        f"Cannot load MovieLens 100k from {str(folder)!r}: u.data, line 1: rating 'three' is "
        "not a whole number."
    )


def test_cli_fetch_data_missing_u_item_exits_2_naming_it(real, tmp_path, no_network, capsys):
    from videorecs_widgets.cli import main

    src = write_grouplens(real, tmp_path / "src")
    (src / "u.item").unlink()
    assert main(["fetch-data", "--data-dir", str(tmp_path / "data"), "--source", str(src)]) == 2
    assert capsys.readouterr().err == (
        f"videorecs-widgets fetch-data: Cannot fetch MovieLens 100k from the source folder "
        f"{str(src)!r}: {str(src)!r} lacks u.item (it has u.data, u.user; the GroupLens set is "
        "u.data, u.item, u.user).\n"
    )


# --- an explicit source is always read; a failing copy is said once, with its replacement ----


def test_fetch_explicit_source_is_read_even_with_data_present(ml100k_dir, real, tmp_path,
                                                             no_network):
    shutil.copytree(ml100k_dir, tmp_path / "ml-100k")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DataError, match="holds none of the file sets"):
        movielens.fetch(data_dir=tmp_path, source=empty)
    assert movielens.detect_layout(tmp_path / "ml-100k") == movielens.detect_layout(ml100k_dir)

    src = write_grouplens(real, tmp_path / "src")
    path = movielens.fetch(data_dir=tmp_path, source=src)
    assert movielens.detect_layout(path) == "grouplens"
    assert movielens.verified_source(path) == f"folder {src}"
    assert no_network == []


def test_cli_fetch_data_with_an_empty_source_and_data_present_is_an_error(ml100k_dir, tmp_path,
                                                                        capsys, no_network):
    from videorecs_widgets.cli import main

    shutil.copytree(ml100k_dir, tmp_path / "ml-100k")
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["fetch-data", "--data-dir", str(tmp_path), "--source", str(empty)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(
        f"videorecs-widgets fetch-data: Cannot fetch MovieLens 100k from the source folder "
        f"{str(empty)!r}: {str(empty)!r} holds none of the file sets")


def test_cli_fetch_data_says_where_the_data_came_from(real, tmp_path, capsys, no_network):
    from videorecs_widgets.cli import main

    src = write_grouplens(real, tmp_path / "src")
    assert main(["fetch-data", "--data-dir", str(tmp_path / "data"), "--source", str(src)]) == 0
    assert capsys.readouterr().out == (
        f"MovieLens 100k is ready in {tmp_path / 'data' / 'ml-100k'} (from the folder {src}).\n")


def test_fetch_of_a_changed_copy_warns_once_and_names_the_new_source(real, tmp_path,
                                                                     monkeypatch, caplog):
    src = write_grouplens(real, tmp_path / "src")
    target = movielens.fetch(data_dir=tmp_path / "data", source=src)
    (target / "u.data").write_bytes((target / "u.data").read_bytes()[:-50])
    archive = tmp_path / "ml-100k.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for name in ("u.data", "u.item", "u.user"):
            zf.write(src / name, f"ml-100k/{name}")
    monkeypatch.setattr(movielens, "GROUPLENS_URL", archive.as_uri())
    with caplog.at_level("WARNING", logger="videorecs_widgets.movielens"):
        assert movielens.fetch(data_dir=tmp_path / "data") == target
    assert [r.getMessage() for r in caplog.records] == [
        f"MovieLens 100k in {target} failed its check (u.data: size changed since it was "
        f"verified); fetching it again.",
        f"Replaced MovieLens 100k in {target} (it came from the folder {src}) with the copy "
        f"from the GroupLens archive {archive.as_uri()}.",
    ]
    assert movielens.verified_source(target) == f"GroupLens archive {archive.as_uri()}"


def test_fetch_into_a_folder_that_cannot_be_made_is_a_data_error(tmp_path, no_network):
    (tmp_path / "file").write_text("in the way")
    with pytest.raises(DataError) as caught:
        movielens.fetch(data_dir=tmp_path / "file" / "data")
    assert str(caught.value) == (
        f"Cannot fetch MovieLens 100k into {str(tmp_path / 'file' / 'data')!r}: Not a "
        "directory; choose a data folder you can write (--data-dir, or VIDEORECS_DATA_DIR).")
