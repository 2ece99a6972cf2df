"""Catalog: the panels' queries, on the real ML-100k and on tiny frames with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from videorecs_widgets import movielens
from videorecs_widgets.catalog import Catalog, UnknownGenreError
from videorecs_widgets.errors import (
    DataError,
    InvalidParameterError,
    UnknownIdError,
    UnknownItemError,
    UnknownUserError,
    VideorecsError,
)


@pytest.fixture(scope="module")
def catalog(ml100k_dir):
    return Catalog.from_movielens(ml100k_dir)


def tiny() -> Catalog:
    """Four films, three users; the answers below are worked out by hand."""
    movies = pd.DataFrame(
        {
            "item_id": ["10", "2", "3", "4"],
            "title": ["Twin", "Twin", "Alone", "Twin"],
            "year": [1990, 1990, None, 1950],
            "genres": [["Drama", "Action"], ["Horror"], ["Drama"], []],
        }
    )
    users = pd.DataFrame(
        {
            "user_id": ["10", "2", "1"],
            "age": [30, 40, 50],
            "gender": ["F", "M", "F"],
            "occupation": ["writer", "other", "none"],
            "zip": ["01234", "55555", "T8H1N"],
        }
    )
    rows = [
        ("1", "3", 4, 100), ("1", "2", 5, 101), ("1", "10", 4, 102), ("1", "4", 5, 103),
        ("2", "2", 4, 104), ("2", "10", 5, 105), ("2", "3", 3, 106),
        ("10", "3", 2, 107),
    ]
    ratings = pd.DataFrame(rows, columns=["user_id", "item_id", "rating", "timestamp"])
    return Catalog(movies, users, ratings)


# --- the real data -------------------------------------------------------------------------


def test_summary_is_computed_from_the_data(catalog):
    assert catalog.summary() == {"reviewers": 943, "movies": 1682, "interactions": 100_000}


def test_genres_are_the_19_in_dataset_order_with_horror(catalog):
    assert catalog.genres == list(movielens.GENRES)
    assert "Horror" in catalog.genres and len(catalog.genres) == 19


def test_user_ids_are_strings_in_numeric_order(catalog):
    assert catalog.user_ids[:3] == ["1", "2", "3"]
    assert catalog.user_ids[-1] == "943"
    assert len(catalog.user_ids) == 943


def test_popular_overall_top_film_is_star_wars(catalog):
    top = catalog.popular()
    assert list(top.columns) == ["item_id", "title", "year", "genres", "count"]
    assert len(top) == 25
    first = top.iloc[0]
    assert (first["item_id"], first["title"], first["count"]) == ("50", "Star Wars", 501)
    assert top["count"].is_monotonic_decreasing


def test_popular_count_is_ratings_above_3_5(catalog):
    top = catalog.popular(n=3)
    r = catalog.ratings
    for item_id, count in zip(top["item_id"], top["count"], strict=True):
        assert count == ((r["item_id"] == item_id) & (r["rating"] > 3.5)).sum()


def test_popular_in_horror(catalog):
    horror = catalog.popular("Horror")
    assert len(horror) == 25
    assert all("Horror" in g for g in horror["genres"])
    assert horror.loc[0, "title"] == "Scream"


def test_popular_small_genre_lists_only_films_with_liked_ratings(catalog):
    unknown = catalog.popular("unknown")
    assert list(unknown["item_id"]) == ["267"]


def test_popular_unknown_genre_raises(catalog):
    with pytest.raises(UnknownGenreError, match="'Horor'"):
        catalog.popular("Horor")


def test_popular_is_deterministic(catalog):
    pd.testing.assert_frame_equal(catalog.popular("Drama", 100), catalog.popular("Drama", 100))


def test_top_rated_ties_keep_file_order(catalog):
    top = catalog.top_rated("1")
    assert list(top.columns) == ["item_id", "title", "year", "genres", "rating"]
    assert len(top) == 25
    r = catalog.ratings
    fives = list(r[(r["user_id"] == "1") & (r["rating"] == 5)]["item_id"])
    assert len(fives) > 25
    assert list(top["item_id"]) == fives[:25]


def test_review_summary_matches_the_ratings(catalog):
    summary = catalog.review_summary("1")
    assert list(summary["stars"]) == [5, 4, 3, 2, 1]
    assert summary["count"].sum() == catalog.user_profile("1")["n_ratings"] == 272
    assert summary["share"].sum() == pytest.approx(1.0)
    assert summary.loc[0, "count"] == 81


def test_review_summary_real_user_missing_a_star_level(catalog):
    counts = catalog.ratings.groupby("user_id")["rating"].nunique()
    user = sorted((u for u, k in counts.items() if k < 5), key=int)[0]
    summary = catalog.review_summary(user)
    assert len(summary) == 5
    given = set(catalog.ratings_of(user).values())
    for stars, count, share in summary.itertuples(index=False):
        assert (count > 0) == (stars in given)
        assert (share == 0.0) == (count == 0)


def test_user_profile_real_user(catalog):
    assert catalog.user_profile("1") == {
        "user_id": "1", "age": 24, "gender": "M", "occupation": "technician",
        "zip": "85711", "n_ratings": 272,
    }


def test_label_is_unique_for_all_films(catalog):
    labels = [catalog.label(i) for i in catalog.movies["item_id"]]
    assert len(set(labels)) == 1682
    assert catalog.label("1") == "Toy Story"
    assert catalog.label("218") == "Cape Fear (1991)"
    assert catalog.label("673") == "Cape Fear (1962)"
    assert catalog.label("246") == "Chasing Amy (1997) #246"


def test_movies_by_id_keeps_the_given_order(catalog):
    frame = catalog.movies_by_id(["50", "1", "50"])
    assert list(frame["item_id"]) == ["50", "1", "50"]
    assert list(frame.columns) == list(catalog.movies.columns)


def test_movies_by_id_unknown_raises(catalog):
    with pytest.raises(UnknownItemError, match="'99999'"):
        catalog.movies_by_id(["1", "99999"])


def test_movie_dict(catalog):
    movie = catalog.movie("267")
    assert movie == {
        "item_id": "267", "title": "unknown", "year": None, "genres": ["unknown"],
        "poster_url": None, "label": "unknown",
    }


def test_search_titles_is_case_and_accent_insensitive(catalog):
    assert catalog.search_titles("MISERABLES") == ["543"]
    found = catalog.search_titles("star wars")
    assert found[0] == "50"


def test_search_titles_prefix_first_then_popularity(catalog):
    found = catalog.search_titles("star", n=50)
    titles = [catalog.movie(i)["title"].casefold() for i in found]
    starts = [t.startswith("star") for t in titles]
    assert starts == sorted(starts, reverse=True)
    assert catalog.search_titles("  ") == []
    assert len(catalog.search_titles("the", n=7)) == 7


def test_ratings_of(catalog):
    ratings = catalog.ratings_of("196")
    assert ratings["242"] == 3
    assert len(ratings) == catalog.user_profile("196")["n_ratings"]


# --- navigation ----------------------------------------------------------------------------


def test_next_and_previous_wrap(catalog):
    assert catalog.next_user("1") == "2"
    assert catalog.next_user("9") == "10"
    assert catalog.next_user("943") == "1"
    assert catalog.previous_user("1") == "943"
    assert catalog.previous_user("10") == "9"


def test_random_user_is_repeatable_with_a_seed(catalog):
    a = [catalog.random_user(np.random.default_rng(7)) for _ in range(3)]
    assert len(set(a)) == 1 and a[0] in catalog.user_ids
    rng = np.random.default_rng(1)
    draws = {catalog.random_user(rng) for _ in range(200)}
    assert len(draws) > 100


# --- unknown ids ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    ["top_rated", "review_summary", "user_profile", "next_user", "previous_user", "ratings_of"],
)
def test_unknown_user_raises_naming_the_id(catalog, call):
    with pytest.raises(UnknownUserError) as info:
        getattr(catalog, call)("0")
    assert isinstance(info.value, KeyError) and isinstance(info.value, VideorecsError)
    assert str(info.value) == "Unknown user id '0': it is not in the catalog."


@pytest.mark.parametrize("call", ["label", "movie"])
def test_unknown_item_raises_naming_the_id(catalog, call):
    with pytest.raises(UnknownItemError, match="'1683'"):
        getattr(catalog, call)("1683")


def test_int_ids_are_taken_as_their_string(catalog):
    assert catalog.user_profile(1)["user_id"] == "1"
    assert catalog.label(50) == "Star Wars"


def test_unknown_genre_error_is_an_unknown_id_error():
    assert issubclass(UnknownGenreError, UnknownIdError)


# --- tiny frames: exact answers ------------------------------------------------------------


def test_tiny_popular_tie_break_count_then_ratings_then_numeric_id():
    c = tiny()
    # liked (>3.5): 10 -> 2 (users 1, 2); 2 -> 2; 4 -> 1; 3 -> 1.  all ratings: 10 -> 2; 2 -> 2;
    # 3 -> 3; 4 -> 1.  So 2 before 10 (numeric id), then 3 (more ratings) before 4.
    assert list(c.popular()["item_id"]) == ["2", "10", "3", "4"]
    assert list(c.popular()["count"]) == [2, 2, 1, 1]
    assert list(c.popular("Drama")["item_id"]) == ["10", "3"]
    assert list(c.popular(n=1)["item_id"]) == ["2"]


def test_tiny_genres_are_put_in_dataset_order():
    assert tiny().movie("10")["genres"] == ["Action", "Drama"]


def test_tiny_top_rated_ties_in_file_order():
    c = tiny()
    assert list(c.top_rated("1")["item_id"]) == ["2", "4", "3", "10"]
    assert list(c.top_rated("1")["rating"]) == [5, 5, 4, 4]
    assert list(c.top_rated("1", n=1)["item_id"]) == ["2"]


def test_tiny_review_summary_zero_levels():
    summary = tiny().review_summary("10")
    assert summary.to_dict("list") == {
        "stars": [5, 4, 3, 2, 1], "count": [0, 0, 0, 1, 0], "share": [0.0, 0.0, 0.0, 1.0, 0.0],
    }


def test_tiny_user_order_is_numeric_not_text():
    c = tiny()
    assert c.user_ids == ["1", "2", "10"]
    assert c.next_user("2") == "10"
    assert c.next_user("10") == "1"


def test_tiny_labels_year_then_id():
    c = tiny()
    assert [c.label(i) for i in ["10", "2", "3", "4"]] == [
        "Twin (1990) #10", "Twin (1990) #2", "Alone", "Twin (1950)",
    ]


def test_tiny_user_without_ratings():
    movies = tiny().movies
    users = pd.DataFrame(
        {"user_id": ["5"], "age": [1], "gender": ["F"], "occupation": ["x"], "zip": ["0"]}
    )
    ratings = pd.DataFrame(columns=["user_id", "item_id", "rating", "timestamp"])
    c = Catalog(movies, users, ratings.astype({"rating": "int64", "timestamp": "int64"}))
    assert c.review_summary("5")["count"].sum() == 0
    assert c.review_summary("5")["share"].sum() == 0.0
    assert c.top_rated("5").empty
    assert c.user_profile("5")["n_ratings"] == 0
    assert c.summary() == {"reviewers": 0, "movies": 4, "interactions": 0}
    assert c.popular().empty


def test_frames_missing_columns_are_refused():
    c = tiny()
    with pytest.raises(DataError, match="lacks column"):
        Catalog(c.movies.drop(columns="title"), c.users, c.ratings)


def test_popular_negative_n_is_refused():
    with pytest.raises(ValueError, match="Invalid n"):
        tiny().popular(n=-1)


# --- integrity of the frames (checked once, at construction) --------------------------------


def tiny_frames() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    c = tiny()
    return c.movies.copy(), c.users.copy(), c.ratings.copy()


def test_repeated_item_id_is_refused_naming_rows():
    movies, users, ratings = tiny_frames()
    movies.loc[4] = movies.loc[1]  # rows 1 and 4 now both hold film "2"
    with pytest.raises(DataError) as caught:
        Catalog(movies, users, ratings)
    message = str(caught.value)
    assert "Cannot build the catalog: 1 problem(s)" in message
    assert "the movies frame repeats item_id '2' (rows 1, 4); ids must be unique" in message


def test_repeated_user_id_is_refused_with_the_callers_row_labels():
    movies, users, ratings = tiny_frames()
    users["user_id"] = ["10", "2", "10"]
    users.index = [100, 200, 300]
    with pytest.raises(DataError, match=r"the users frame repeats user_id '10' \(rows 100, 300\)"):
        Catalog(movies, users, ratings)


def test_rating_by_unknown_user_for_unknown_item_is_refused():
    movies, users, ratings = tiny_frames()
    ratings.loc[len(ratings)] = ["3", "99", 4, 200]
    with pytest.raises(DataError) as caught:
        Catalog(movies, users, ratings)
    message = str(caught.value)
    assert "2 problem(s)" in message
    assert (
        "the ratings frame refers to user_id '3' (row 8), which the users frame does not have"
        in message
    )
    assert (
        "the ratings frame refers to item_id '99' (row 8), which the movies frame does not have"
        in message
    )


@pytest.mark.parametrize("bad", [6, 0, 3.5, np.nan, "five"])
def test_rating_that_is_not_1_to_5_stars_is_refused(bad):
    movies, users, ratings = tiny_frames()
    ratings["rating"] = ratings["rating"].astype(object)
    ratings.loc[2, "rating"] = bad
    with pytest.raises(DataError) as caught:
        Catalog(movies, users, ratings)
    assert (
        f"the ratings frame has rating {bad!r} at row 2, not a whole number of stars from 1 to 5"
        in str(caught.value)
    )


def test_missing_id_is_refused_rather_than_read_as_nan():
    movies, users, ratings = tiny_frames()
    movies["item_id"] = movies["item_id"].astype(object)
    movies.loc[2, "item_id"] = None
    with pytest.raises(DataError, match=r"the movies frame has no item_id at row\(s\) 2"):
        Catalog(movies, users, ratings)


def test_int_ids_in_frames_match_string_ids_in_ratings():
    movies, users, ratings = tiny_frames()
    movies["item_id"] = movies["item_id"].astype(int)
    c = Catalog(movies, users, ratings)
    assert c.top_rated("1", n=1)["item_id"].tolist() == ["2"]


# --- arguments ------------------------------------------------------------------------------


@pytest.mark.parametrize("spelling", ["horror", "HORROR", "Horror"])
def test_popular_genre_matches_case_insensitively(catalog, spelling):
    assert catalog.genre(spelling) == "Horror"
    pd.testing.assert_frame_equal(catalog.popular(spelling, n=5), catalog.popular("Horror", n=5))


def test_unknown_genre_suggests_the_closest_and_lists_all(catalog):
    with pytest.raises(UnknownGenreError) as caught:
        catalog.popular("Horor")
    message = str(caught.value)
    assert message.startswith("Unknown genre 'Horor': it is not in the catalog. ")
    assert "Did you mean 'Horror'?" in message
    assert "The genres are: unknown, Action, Adventure, " in message and "Western." in message


def test_unknown_genre_with_no_close_one_lists_all(catalog):
    with pytest.raises(UnknownGenreError) as caught:
        catalog.popular("Bollywood")
    assert "Did you mean" not in str(caught.value)
    assert "The genres are: unknown, Action" in str(caught.value)


@pytest.mark.parametrize("call", ["popular", "top_rated", "search_titles"])
@pytest.mark.parametrize(
    ("n", "shown"),
    [(1.5, "1.5 is a float"), (None, "None is a NoneType"), (True, "True is a bool")],
)
def test_n_that_is_not_a_whole_number_is_refused(catalog, call, n, shown):
    args = {"popular": (), "top_rated": ("196",), "search_titles": ("star",)}[call]
    with pytest.raises(InvalidParameterError) as caught:
        getattr(catalog, call)(*args, n=n)
    assert str(caught.value) == (
        f"Invalid n for {call}(): {shown}; pass a whole number of rows, 0 or more."
    )


@pytest.mark.parametrize("call", ["popular", "top_rated", "search_titles"])
def test_negative_n_is_refused_and_zero_gives_nothing(catalog, call):
    args = {"popular": (), "top_rated": ("196",), "search_titles": ("star",)}[call]
    with pytest.raises(InvalidParameterError, match=rf"Invalid n for {call}\(\): -1; it must be 0"):
        getattr(catalog, call)(*args, n=-1)
    assert len(getattr(catalog, call)(*args, n=0)) == 0
    assert len(getattr(catalog, call)(*args, n=np.int64(2))) == 2


def test_random_user_accepts_an_int_seed_like_numpy(catalog):
    expected = catalog.user_ids[int(np.random.default_rng(3).integers(943))]
    assert catalog.random_user(3) == expected
    assert catalog.random_user(3) == expected  # a seed repeats the draw


@pytest.mark.parametrize("rng", [-1, "3", True, 2.5])
def test_random_user_refuses_what_is_not_a_generator_or_seed(catalog, rng):
    with pytest.raises(InvalidParameterError) as caught:
        catalog.random_user(rng)
    assert str(caught.value).startswith(f"Invalid rng for random_user(): {rng!r}; pass a numpy")
