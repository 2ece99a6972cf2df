"""Film cards and the film grid, on real ML-100k films."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from videorecs_widgets.widgets.cards import FilmGrid, card_html, score_text, stars_text

SCRIPT = "<script>alert(1)</script>"


def test_card_shows_title_year_genres_score_and_stars():
    html = card_html({"rank": 1, "title": "Star Wars", "year": 1977,
                      "genres": ["Action", "Adventure", "Romance", "Sci-Fi", "War"],
                      "score": 0.123456, "rated": 4, "poster_url": None})
    assert "#1 · 1977" in html
    assert ">Star Wars</div>" in html
    assert "Action, Adventure, Romance, Sci-Fi, War" in html
    assert "score 0.1235" in html
    assert "rated ★★★★☆ (4)" in html
    assert "videorecs-placeholder" in html and "<img" not in html


def test_card_escapes_every_text_from_data():
    html = card_html({"title": SCRIPT, "genres": ["<i>Drama</i>"], "year": 2000},
                     caption="<b>moved</b>")
    assert SCRIPT not in html and "<i>" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;i&gt;Drama&lt;/i&gt;" in html and "&lt;b&gt;moved&lt;/b&gt;" in html


def test_only_http_posters_become_images():
    image = card_html({"title": "A", "poster_url": 'https://example.org/a.jpg?x="1"'})
    assert '<img src="https://example.org/a.jpg?x=&quot;1&quot;"' in image
    for url in ("javascript:alert(1)", "data:image/png;base64,xx", "", None):
        assert "<img" not in card_html({"title": "A", "poster_url": url})


def test_stars_and_score_texts():
    assert stars_text(5) == "★★★★★ (5)" and stars_text(None) == ""
    assert score_text(0.000123456) == "0.0001235" and score_text(float("nan")) == ""


def test_grid_shows_at_most_its_size_and_hides_the_rest(catalog):
    grid = FilmGrid(25)
    popular = catalog.popular(n=30)
    grid.show(popular)
    assert grid.item_ids == popular["item_id"].tolist()[:25]
    assert grid.html.count("videorecs-card") == 25
    assert "Star Wars" in grid.html
    grid.show(popular.head(3))
    assert len(grid.item_ids) == 3
    shown = [slot.layout.display for slot in grid._grid.children]
    assert shown == ["flex"] * 3 + ["none"] * 22
    grid.clear()
    assert grid.item_ids == [] and grid.message == "No films to show."


def test_grid_top_rated_cards_show_the_users_stars(catalog):
    grid = FilmGrid(5)
    grid.show(catalog.top_rated("196", n=5))
    assert grid.html.count("rated ★★★★★ (5)") == 5


def test_grid_buttons_report_the_film(catalog):
    grid = FilmGrid(5, action="Start here")
    picked = []
    grid.on_select(picked.append)
    grid.show(catalog.popular("Horror", n=5))
    buttons = [slot.children[1] for slot in grid._grid.children]
    buttons[1].click()
    grid.select(0)
    assert picked == [grid.item_ids[1], grid.item_ids[0]]
    grid.on_select(picked.append, remove=True)
    buttons[2].click()
    assert len(picked) == 2
    with pytest.raises(IndexError, match="Invalid card index: 7"):
        grid.select(7)


def test_grid_size_must_be_positive():
    with pytest.raises(ValueError, match="Invalid max_films: 0"):
        FilmGrid(0)


def test_card_without_a_score_keeps_the_room_of_the_score_line():
    # Similar-items and popularity models give no score (NA in the frame): the score line is
    # blank, but its room stays, so such a card is as tall as a scored one.
    scored = card_html({"title": "Fargo", "score": 0.0123456})
    assert "score 0.01235" in scored
    for film in ({"title": "Fargo", "score": None}, {"title": "Fargo", "score": pd.NA},
                 {"title": "Fargo", "score": float("nan")}, {"title": "Fargo"}):
        blank = card_html(film)
        assert "score" not in blank
        assert _heights(blank) == _heights(scored) == [16, 150, 32, 32, 16, 16, 16]


def _heights(card: str) -> list[int]:
    return [int(h) for h in re.findall(r"(?<![-\w])height:(\d+)px", card)]


def test_cards_have_one_height_whatever_their_text():
    short = card_html({"rank": 1, "title": "Jaws", "genres": ["Horror"]})
    long_ = card_html({"rank": 2, "year": 1989, "score": 0.5, "rated": 3,
                       "title": "Indiana Jones and the Last Crusade " * 3,
                       "genres": ["Action", "Adventure", "Comedy", "Crime", "Horror", "War"]},
                      caption="up 7")
    assert _heights(short) == _heights(long_) == [16, 150, 32, 32, 16, 16, 16]
    # long text is cut with an ellipsis inside its lines; the full text is the tooltip
    assert "-webkit-line-clamp:2" in long_
    assert 'title="Action, Adventure, Comedy, Crime, Horror, War"' in long_


def test_score_text_is_positional_with_four_significant_digits_and_a_floor():
    # Catalogue-wide shares are small, a ranked list's last places tiny: no scientific
    # notation, and "< 0.0001" below 0.0001.
    assert score_text(0.0036987) == "0.003699"
    assert score_text(0.0025) == "0.002500"
    assert score_text(0.111) == "0.1110"
    assert score_text(0.099996) == "0.1000"
    assert score_text(0.0001) == "0.0001000"
    assert score_text(9.617e-05) == "< 0.0001"
    assert score_text(1.707e-09) == "< 0.0001"
    assert score_text(0.0) == "0"
    assert "score &lt; 0.0001" in card_html({"title": "Fargo", "score": 9.617e-05})


def test_score_text_of_values_no_model_should_give_stays_short_and_never_fails():
    # Scores are shares in [0, 1]; a model of someone's own may give anything.
    assert score_text(float("inf")) == "inf"
    assert score_text(float("-inf")) == "-inf"
    assert score_text(-1e-30) == "> -0.0001"
    assert score_text(-0.5) == "-0.5000"
    assert score_text(1e300) == "1.000e+300"
    assert score_text(1234.5) == "1234"


def test_grid_columns_share_the_width_and_cards_fill_them(catalog):
    grid = FilmGrid(4)
    grid.show(catalog.popular(n=4))
    assert grid._grid.layout.grid_template_columns == "repeat(auto-fill, minmax(132px, 1fr))"
    assert grid.html.count('class="videorecs-card" style="width:100%;min-width:132px;') == 4
    assert card_html({"title": "Fargo"}).startswith(
        '<div class="videorecs-card" style="width:132px;')
