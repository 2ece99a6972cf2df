"""Write MovieLens frames back out in the GroupLens and lab-poster layouts, for reader tests.

The files are built from the real fetched data (never committed), so each reader is compared
with the others on the same 100,000 ratings.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from videorecs_widgets.movielens import GENRES, MovieLensData


def grouplens_title(title: str, year: object) -> str:
    """The GroupLens form: "Title (1995)", with remarks after the year ("... (1995) (V)")."""
    if pd.isna(year):
        return title
    if title.endswith(" (V)"):
        return f"{title[:-4]} ({year}) (V)"
    return f"{title} ({year})"


def _flags(genres: list[str]) -> list[str]:
    return ["1" if g in genres else "0" for g in GENRES]


def write_grouplens(data: MovieLensData, folder: Path, ratings: pd.DataFrame | None = None) -> Path:
    """u.data, u.item (Latin-1, pipes, blank date where the year is missing), u.user."""
    folder.mkdir(parents=True, exist_ok=True)
    ratings = data.ratings if ratings is None else ratings
    lines = [f"{r.user_id}\t{r.item_id}\t{r.rating}\t{r.timestamp}" for r in ratings.itertuples()]
    (folder / "u.data").write_text("\n".join(lines) + "\n", encoding="ascii")
    items = []
    for m in data.movies.itertuples():
        date = "" if pd.isna(m.year) else f"01-Jan-{m.year}"
        title = grouplens_title(m.title, m.year)
        url = "" if pd.isna(m.year) else "http://us.imdb.com/M/title-exact?x"
        items.append("|".join([m.item_id, title, date, "", url, *_flags(m.genres)]))
    (folder / "u.item").write_bytes(("\n".join(items) + "\n").encode("latin-1"))
    users = [
        f"{u.user_id}|{u.age}|{u.gender}|{u.occupation}|{u.zip}" for u in data.users.itertuples()
    ]
    (folder / "u.user").write_text("\n".join(users) + "\n", encoding="ascii")
    return folder


def poster_url(item_id: str) -> str:
    return f"https://posters.example/{item_id}.jpg"


def write_lab_poster_item(
    data: MovieLensData, path: Path, *, grouplens_columns: bool = False
) -> Path:
    """The original lab's tab-separated u.item with a poster URL (UTF-8).

    Default: id, title, year, IMDb URL, poster, 19 flags (24 fields, as the lab read it).
    ``grouplens_columns``: the 24 GroupLens fields, then the poster (25 fields).
    """
    rows = []
    for m in data.movies.itertuples():
        year = "" if pd.isna(m.year) else str(m.year)
        # Item 1 has no poster, to show a blank poster column reads as None.
        poster = "" if m.item_id == "1" else poster_url(m.item_id)
        if grouplens_columns:
            date = "" if pd.isna(m.year) else f"01-Jan-{m.year}"
            title = grouplens_title(m.title, m.year)
            rows.append("\t".join([m.item_id, title, date, "", "", *_flags(m.genres), poster]))
        else:
            rows.append("\t".join([m.item_id, m.title, year, "", poster, *_flags(m.genres)]))
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path
