"""The catalog: movies, users and ratings, and the questions the panels ask of them.

Every lookup index is built once in :class:`Catalog`'s constructor, so a widget callback's
work is a dict lookup or a slice of one user's ratings, never a scan of the 100,000 ratings.

Conventions:

- ids are strings (``"242"``), as the Personalize API returns them. An ``int`` argument is
  taken as its decimal string (``242`` -> ``"242"``); any id the catalog does not hold raises
  :class:`~videorecs_widgets.errors.UnknownUserError` / ``UnknownItemError`` (``KeyError``
  subclasses naming the id). There is no fallback to another user or film.
- "Numeric order" of ids: ids that are all digits sort by their value, before any other ids,
  which sort as text.
- A film is "liked" by a rating above :data:`POPULAR_MIN_RATING` (3.5: four and five stars).
- ``n`` (how many rows) is a whole number, 0 or more; 0 gives an empty answer. Anything else
  (``1.5``, ``None``, ``True``, ``-1``) raises
  :class:`~videorecs_widgets.errors.InvalidParameterError` (a ``ValueError``).
- Genres match case-insensitively (``"horror"`` is ``"Horror"``); an unknown genre raises
  :class:`UnknownGenreError` suggesting the closest ones.
"""

from __future__ import annotations

import difflib
import os
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from videorecs_widgets import movielens
from videorecs_widgets.errors import (
    DataError,
    InvalidParameterError,
    UnknownGenreError,
    UnknownItemError,
    UnknownUserError,
)

__all__ = ["POPULAR_MIN_RATING", "Catalog", "UnknownGenreError"]

#: ``popular()`` counts ratings strictly above this.
POPULAR_MIN_RATING = 3.5

_MOVIE_COLUMNS = ["item_id", "title", "year", "genres", "poster_url"]
_USER_COLUMNS = ["user_id", "age", "gender", "occupation", "zip"]
_RATING_COLUMNS = ["user_id", "item_id", "rating", "timestamp"]
_FILM_COLUMNS = ["item_id", "title", "year", "genres"]


def id_sort_key(value: str) -> tuple[int, int, str]:
    """Numeric ids by value first, then any other ids as text."""
    return (0, int(value), "") if value.isdigit() else (1, 0, value)


def _count(n: object, method: str) -> int:
    """``n`` checked as a number of rows: a whole number, 0 or more."""
    # bool is an int subclass: n=True would quietly mean one row.
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise InvalidParameterError(
            f"Invalid n for {method}(): {n!r} is a {type(n).__name__}; "
            "pass a whole number of rows, 0 or more."
        )
    if n < 0:
        raise InvalidParameterError(f"Invalid n for {method}(): {n!r}; it must be 0 or more.")
    return int(n)


def _fold(text: str) -> str:
    """Lower case without accents, for searching: "Misérables" matches "miserables"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _require(frame: pd.DataFrame, columns: list[str], name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(
            f"Catalog: the {name} frame lacks column(s) {missing}; it has {list(frame.columns)}."
        )


_MAX_SHOWN = 3  # offending rows quoted per kind of problem; the rest are counted


def _rows_text(labels: Sequence[object]) -> str:
    shown = ", ".join(repr(label) for label in labels[:_MAX_SHOWN])
    more = len(labels) - _MAX_SHOWN
    return shown + (f" and {more} more" if more > 0 else "")


def _null_id_problems(frame: pd.DataFrame, name: str, column: str) -> list[str]:
    """Missing ids would silently become the text "nan" or "None" once made strings."""
    missing = frame.index[frame[column].isna().to_numpy()].tolist()
    if not missing:
        return []
    return [f"the {name} frame has no {column} at row(s) {_rows_text(missing)}"]


def _integrity_problems(
    movies: pd.DataFrame, users: pd.DataFrame, ratings: pd.DataFrame, index: dict[str, pd.Index]
) -> list[str]:
    """One sentence per broken rule, naming the frame, its row label(s) and the value.

    ``index`` maps each frame's name to its original row labels (the frames given here were
    renumbered from 0), so the sentences point at rows of the caller's frames.
    """
    problems: list[str] = []
    for name, frame, column in (("movies", movies, "item_id"), ("users", users, "user_id")):
        repeated = frame[column].duplicated(keep=False).to_numpy()
        if repeated.any():
            rows = pd.Series(index[name][repeated]).groupby(frame[column][repeated].to_numpy())
            for n, (value, labels) in enumerate(rows):
                labels = labels.tolist()  # plain Python values: repr 2, not np.int64(2)
                if n == _MAX_SHOWN:
                    problems.append(f"... and {rows.ngroups - _MAX_SHOWN} more repeated {column}s")
                    break
                problems.append(
                    f"the {name} frame repeats {column} {value!r} (rows {_rows_text(labels)}); "
                    "ids must be unique"
                )
    for column, known, holder in (
        ("user_id", users["user_id"], "users"),
        ("item_id", movies["item_id"], "movies"),
    ):
        unknown = ~ratings[column].isin(known).to_numpy()
        if unknown.any():
            first = int(np.flatnonzero(unknown)[0])
            problems.append(
                f"the ratings frame refers to {column} {ratings[column].iloc[first]!r} (row "
                f"{_label(index['ratings'], first)!r}), which the {holder} frame does not have; "
                f"{int(unknown.sum())} rating(s) with "
                f"{ratings[column][unknown].nunique()} unknown {column}(s) in all"
            )
    stars = pd.to_numeric(ratings["rating"], errors="coerce").to_numpy(dtype=float)
    # Whole stars only: review_summary counts ratings per star level 1..5.
    bad = ~np.isin(stars, [1, 2, 3, 4, 5])
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        problems.append(
            f"the ratings frame has rating {_label(ratings['rating'], first)!r} at row "
            f"{_label(index['ratings'], first)!r}, not a whole number of stars from 1 to 5; "
            f"{int(bad.sum())} such rating(s) in all"
        )
    return problems


def _label(values: pd.Index | pd.Series, position: int) -> object:
    """The value at ``position`` as plain Python (repr ``2``, not ``np.int64(2)``)."""
    return values[position : position + 1].tolist()[0]


def _refuse(problems: list[str]) -> None:
    if problems:
        lines = "\n".join(f"- {p}" for p in problems)
        raise DataError(
            f"Cannot build the catalog: {len(problems)} problem(s) in the frames:\n{lines}"
        )


def _as_genre_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [g for g in value.split("|") if g]
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    return list(value)


class Catalog:
    """Movies, users and ratings as pandas frames, with the panels' queries.

    Build it from frames with the columns of :mod:`videorecs_widgets.movielens`
    (``Catalog(movies, users, ratings)``) or from the fetched data
    (``Catalog.from_movielens()``). The frames are copied; treat the public ones as read-only.
    The constructor raises :class:`~videorecs_widgets.errors.DataError`, naming the frame, row
    label(s) and value, when an id is missing or repeated (movies, users), a rating refers to a
    user or film the other frames do not have, or a rating is not a whole number from 1 to 5.

    Attributes:
        movies: item_id, title, year (Int64), genres (list in :attr:`genres` order), poster_url.
        users: user_id, age, gender, occupation, zip.
        ratings: user_id, item_id, rating, timestamp, in the data's original order.
        genres: the dataset's genres in its order (19 for ML-100k, Horror included).
        user_ids: every user id, in numeric order.
    """

    def __init__(
        self,
        movies: pd.DataFrame,
        users: pd.DataFrame,
        ratings: pd.DataFrame,
        genres: Sequence[str] = movielens.GENRES,
    ) -> None:
        _require(movies, ["item_id", "title", "year", "genres"], "movies")
        _require(users, _USER_COLUMNS, "users")
        _require(ratings, _RATING_COLUMNS, "ratings")

        index = {"movies": movies.index, "users": users.index, "ratings": ratings.index}
        problems = (
            _null_id_problems(movies, "movies", "item_id")
            + _null_id_problems(users, "users", "user_id")
            + _null_id_problems(ratings, "ratings", "user_id")
            + _null_id_problems(ratings, "ratings", "item_id")
        )
        _refuse(problems)

        movies = movies.copy()
        if "poster_url" not in movies.columns:
            movies["poster_url"] = None
        movies = movies[_MOVIE_COLUMNS].reset_index(drop=True)
        movies["item_id"] = movies["item_id"].astype(str)
        movies["year"] = pd.array(movies["year"], dtype="Int64")
        genre_order = {g: i for i, g in enumerate(genres)}
        movies["genres"] = [
            sorted(_as_genre_list(v), key=lambda g: genre_order.get(g, len(genre_order)))
            for v in movies["genres"]
        ]
        users = users[_USER_COLUMNS].reset_index(drop=True).copy()
        users["user_id"] = users["user_id"].astype(str)
        ratings = ratings[_RATING_COLUMNS].reset_index(drop=True).copy()
        ratings["user_id"] = ratings["user_id"].astype(str)
        ratings["item_id"] = ratings["item_id"].astype(str)
        _refuse(_integrity_problems(movies, users, ratings, index))

        self.movies: pd.DataFrame = movies
        self.users: pd.DataFrame = users
        self.ratings: pd.DataFrame = ratings
        self.genres: list[str] = list(genres)

        # --- lookup indexes, built once ---
        self._movie_pos: dict[str, int] = {i: p for p, i in enumerate(movies["item_id"])}
        self._user_pos: dict[str, int] = {u: p for p, u in enumerate(users["user_id"])}
        self.user_ids: list[str] = sorted(self._user_pos, key=id_sort_key)
        self._user_rank: dict[str, int] = {u: k for k, u in enumerate(self.user_ids)}
        # Positions (file order) of each user's ratings.
        self._user_rows: dict[str, np.ndarray] = {
            str(k): v for k, v in ratings.groupby("user_id", sort=False).indices.items()
        }
        self._rating_values = ratings["rating"].to_numpy()
        self._rating_items = ratings["item_id"].to_numpy()
        self._movie_rows_of_ratings = ratings["item_id"].map(self._movie_pos).to_numpy()

        # Popularity: ratings above 3.5 per film, then all ratings, then numeric id.
        liked = ratings.loc[ratings["rating"] > POPULAR_MIN_RATING, "item_id"].value_counts()
        rated = ratings["item_id"].value_counts()
        self._liked = liked.reindex(movies["item_id"], fill_value=0).to_numpy()
        self._rated = rated.reindex(movies["item_id"], fill_value=0).to_numpy()
        self._item_ids: list[str] = list(movies["item_id"])
        by_id = sorted(range(len(movies)), key=lambda p: id_sort_key(self._item_ids[p]))
        # Every film, most popular first (stable sort keeps numeric id order within ties).
        self._all_by_popularity = sorted(by_id, key=lambda p: (-self._liked[p], -self._rated[p]))
        self._popular_order = np.array(
            [p for p in self._all_by_popularity if self._liked[p] > 0], dtype=int
        )
        self._popular_by_genre: dict[str, np.ndarray] = {}
        self._genre_by_fold: dict[str, str] = {g.casefold(): g for g in self.genres}
        genre_sets = [set(g) for g in movies["genres"]]
        for genre in self.genres:
            self._popular_by_genre[genre] = np.array(
                [p for p in self._popular_order if genre in genre_sets[p]], dtype=int
            )

        self._labels: list[str] = self._make_labels()
        self._search_keys: list[str] = [
            _fold(f"{t} {label}") for t, label in zip(movies["title"], self._labels, strict=True)
        ]

    # ----------------------------------------------------------------------------------------
    # Construction

    @classmethod
    def from_movielens(
        cls, data_dir: str | os.PathLike[str] | None = None, *, fetch: bool = False
    ) -> Catalog:
        """The catalog of MovieLens 100k in ``data_dir`` (default: the project's data folder).

        With ``fetch=True`` the data is fetched first when it is not there yet.
        """
        if fetch:
            movielens.fetch(data_dir=data_dir)
        data = movielens.load(data_dir)
        return cls(data.movies, data.users, data.ratings)

    # ----------------------------------------------------------------------------------------
    # Ids

    @staticmethod
    def _key(value: object) -> object:
        if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
            return str(int(value))
        return value

    def _user(self, user_id: object) -> str:
        key = self._key(user_id)
        if not isinstance(key, str) or key not in self._user_pos:
            raise UnknownUserError(user_id)
        return key

    def _movie(self, item_id: object) -> int:
        key = self._key(item_id)
        pos = self._movie_pos.get(key) if isinstance(key, str) else None
        if pos is None:
            raise UnknownItemError(item_id)
        return pos

    def has_user(self, user_id: object) -> bool:
        """True if the catalog holds this user."""
        key = self._key(user_id)
        return isinstance(key, str) and key in self._user_pos

    def has_item(self, item_id: object) -> bool:
        """True if the catalog holds this film."""
        key = self._key(item_id)
        return isinstance(key, str) and key in self._movie_pos

    # ----------------------------------------------------------------------------------------
    # Films

    def _films(self, positions: Iterable[int], extra: dict[str, Any] | None = None) -> pd.DataFrame:
        positions = np.asarray(list(positions), dtype=int)
        frame = self.movies.iloc[positions][_FILM_COLUMNS].reset_index(drop=True)
        frame["genres"] = [list(g) for g in frame["genres"]]
        for name, values in (extra or {}).items():
            frame[name] = values
        return frame

    def popular(self, genre: str | None = None, n: int = 25) -> pd.DataFrame:
        """The ``n`` films with the most ratings above 3.5, overall or in ``genre``.

        Columns item_id, title, year, genres, count (ratings above 3.5). Ties: more ratings in
        all first, then numeric item id. Films with no rating above 3.5 are never listed, so a
        small genre may give fewer than ``n`` rows; ``n=0`` gives none. ``genre`` matches
        case-insensitively; an unknown genre raises :class:`UnknownGenreError`.
        """
        n = _count(n, "popular")
        order = self._popular_order if genre is None else self._popular_by_genre[self.genre(genre)]
        top = order[:n]
        return self._films(top, {"count": self._liked[top].astype("int64")})

    def genre(self, name: str) -> str:
        """The catalog's spelling of genre ``name``, matched case-insensitively.

        ``"horror"`` -> ``"Horror"``. An unknown genre raises :class:`UnknownGenreError` whose
        message suggests the closest genres and lists them all.
        """
        found = self._genre_by_fold.get(name.casefold()) if isinstance(name, str) else None
        if found is not None:
            return found
        close = difflib.get_close_matches(
            name.casefold() if isinstance(name, str) else str(name), self._genre_by_fold, n=3
        )
        guess = ", ".join(repr(self._genre_by_fold[c]) for c in close)
        hint = f"Did you mean {guess}? " if close else ""
        raise UnknownGenreError(name, f"{hint}The genres are: {', '.join(self.genres)}.")

    def movie(self, item_id: str) -> dict[str, Any]:
        """One film as a dict: item_id, title, year (int or None), genres, poster_url, label."""
        pos = self._movie(item_id)
        row = self.movies.iloc[pos]
        return {
            "item_id": row["item_id"],
            "title": row["title"],
            "year": None if pd.isna(row["year"]) else int(row["year"]),
            "genres": list(row["genres"]),
            "poster_url": row["poster_url"] if isinstance(row["poster_url"], str) else None,
            "label": self._labels[pos],
        }

    def movies_by_id(self, item_ids: Sequence[str]) -> pd.DataFrame:
        """The :attr:`movies` rows of ``item_ids``, in that order (repeats kept).

        For joining a recommendation list to titles. Any unknown id raises
        :class:`UnknownItemError` naming the first one.
        """
        if isinstance(item_ids, str):
            raise TypeError("movies_by_id takes a sequence of item ids, not one id string.")
        positions = [self._movie(i) for i in item_ids]
        frame = self.movies.iloc[positions].reset_index(drop=True)
        frame["genres"] = [list(g) for g in frame["genres"]]
        return frame

    def label(self, item_id: str) -> str:
        """A display label unique in the catalog.

        The title; where several films share it, "Title (Year)"; where that is still shared,
        "Title (Year) #id". ML-100k has 18 shared titles, 15 of them with the same year too
        (e.g. "Chasing Amy (1997) #246" and "Chasing Amy (1997) #268").
        """
        return self._labels[self._movie(item_id)]

    def _make_labels(self) -> list[str]:
        titles = list(self.movies["title"])
        years = list(self.movies["year"])
        ids = list(self.movies["item_id"])

        def with_year(p: int) -> str:
            return titles[p] if pd.isna(years[p]) else f"{titles[p]} ({years[p]})"

        counts = pd.Series(titles).value_counts()
        labels = [t if counts[t] == 1 else with_year(p) for p, t in enumerate(titles)]
        counts = pd.Series(labels).value_counts()
        labels = [lab if counts[lab] == 1 else f"{lab} #{ids[p]}" for p, lab in enumerate(labels)]
        # A plain title could still equal another film's "Title (Year)"; the id settles it.
        counts = pd.Series(labels).value_counts()
        return [lab if counts[lab] == 1 else f"{lab} #{ids[p]}" for p, lab in enumerate(labels)]

    def search_titles(self, text: str, n: int = 20) -> list[str]:
        """Item ids of up to ``n`` films whose title (or label) contains ``text``.

        Case- and accent-insensitive substring match. Titles that start with the text come
        first; within each group, the most popular (most ratings above 3.5) first. Blank text
        (or ``n=0``) matches nothing.
        """
        n = _count(n, "search_titles")
        needle = _fold(text.strip())
        if not needle or n == 0:
            return []
        starts: list[str] = []
        contains: list[str] = []
        for p in self._all_by_popularity:
            key = self._search_keys[p]
            if key.startswith(needle):
                starts.append(self._item_ids[p])
            elif needle in key:
                contains.append(self._item_ids[p])
            if len(starts) >= n:
                break
        return (starts + contains)[:n]

    # ----------------------------------------------------------------------------------------
    # Users

    def top_rated(self, user_id: str, n: int = 25) -> pd.DataFrame:
        """The user's ``n`` highest-rated films (item_id, title, year, genres, rating).

        Equal ratings keep the data's original (file) order; ``n=0`` gives no rows.
        """
        n = _count(n, "top_rated")
        rows = self._rows_of(self._user(user_id))
        values = self._rating_values[rows]
        order = np.argsort(-values, kind="stable")[:n]
        picked = rows[order]
        return self._films(
            self._movie_rows_of_ratings[picked],
            {"rating": self._rating_values[picked].astype("int64")},
        )

    def _rows_of(self, user: str) -> np.ndarray:
        return self._user_rows.get(user, np.empty(0, dtype=int))

    def ratings_of(self, user_id: str) -> dict[str, int]:
        """``{item_id: rating}`` for every film the user rated."""
        rows = self._rows_of(self._user(user_id))
        return {
            str(i): int(r)
            for i, r in zip(self._rating_items[rows], self._rating_values[rows], strict=True)
        }

    def review_summary(self, user_id: str) -> pd.DataFrame:
        """One row per star level 5, 4, 3, 2, 1: stars, count, share (0..1 of the user's ratings).

        Levels the user never gave are there with count 0 and share 0.0; a user with no ratings
        at all gets zeros everywhere.
        """
        rows = self._rows_of(self._user(user_id))
        values = self._rating_values[rows]
        stars = np.array([5, 4, 3, 2, 1], dtype="int64")
        counts = np.array([(values == s).sum() for s in stars], dtype="int64")
        total = counts.sum()
        shares = counts / total if total else np.zeros(len(stars))
        return pd.DataFrame({"stars": stars, "count": counts, "share": shares.astype(float)})

    def user_profile(self, user_id: str) -> dict[str, Any]:
        """user_id, age, gender, occupation, zip and n_ratings of one user."""
        user = self._user(user_id)
        row = self.users.iloc[self._user_pos[user]]
        return {
            "user_id": user,
            "age": int(row["age"]),
            "gender": str(row["gender"]),
            "occupation": str(row["occupation"]),
            "zip": str(row["zip"]),
            "n_ratings": len(self._rows_of(user)),
        }

    def random_user(self, rng: np.random.Generator | int | None = None) -> str:
        """A user id drawn uniformly.

        ``rng`` is what ``numpy.random.default_rng`` takes: a ``Generator`` (each call draws
        the next user from it), an int seed (the same user every call with that seed) or
        ``None`` (fresh randomness).
        """
        if not self.user_ids:
            raise UnknownUserError("(any: the catalog has no users)")
        seed = isinstance(rng, (int, np.integer)) and not isinstance(rng, bool) and rng >= 0
        if not (rng is None or seed or isinstance(rng, np.random.Generator)):
            raise InvalidParameterError(
                f"Invalid rng for random_user(): {rng!r}; pass a numpy.random.Generator, "
                "a seed (a whole number, 0 or more) or None."
            )
        rng = np.random.default_rng(rng)
        return self.user_ids[int(rng.integers(len(self.user_ids)))]

    def next_user(self, user_id: str) -> str:
        """The user after ``user_id`` in numeric order; after the last comes the first."""
        rank = self._user_rank[self._user(user_id)]
        return self.user_ids[(rank + 1) % len(self.user_ids)]

    def previous_user(self, user_id: str) -> str:
        """The user before ``user_id`` in numeric order; before the first comes the last."""
        rank = self._user_rank[self._user(user_id)]
        return self.user_ids[(rank - 1) % len(self.user_ids)]

    # ----------------------------------------------------------------------------------------
    # The whole

    def summary(self) -> dict[str, int]:
        """{"reviewers", "movies", "interactions"}, counted from the data.

        Reviewers are the distinct users with at least one rating; movies the films in the
        catalog; interactions the ratings.
        """
        return {
            "reviewers": len(self._user_rows),
            "movies": len(self.movies),
            "interactions": len(self.ratings),
        }

    def __repr__(self) -> str:
        s = self.summary()
        return (
            f"<Catalog: {s['reviewers']:,} reviewers, {s['movies']:,} movies, "
            f"{s['interactions']:,} interactions>"
        )
