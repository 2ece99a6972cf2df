"""UserNavigator on ML-100k: profile, review summary, top-rated films, moving between users."""

from __future__ import annotations

import numpy as np
import pytest

from videorecs_widgets.errors import UnknownUserError
from videorecs_widgets.widgets.navigator import UserNavigator, review_lines


def test_profile_and_review_summary_of_user_196(catalog):
    nav = UserNavigator(catalog, "196")
    assert nav.current_user == "196"
    assert nav.profile_text == "User 196 · age 49 · male · writer"
    assert nav.review_text == [
        "5 stars: 20.5% (8 reviews)",
        "4 stars: 35.9% (14 reviews)",
        "3 stars: 30.8% (12 reviews)",
        "2 stars: 10.3% (4 reviews)",
        "1 star: 2.6% (1 review)",
    ]
    assert "5 stars: 20.5% (8 reviews)" in nav._reviews.value


def test_star_levels_without_reviews_keep_their_labels(catalog):
    # Find a real user who never gave some star level; the labels must not shift.
    user = next(u for u in catalog.user_ids
                if (catalog.review_summary(u)["count"] == 0).any())
    lines = review_lines(catalog.review_summary(user))
    assert [line.split(":")[0] for line in lines] == \
        ["5 stars", "4 stars", "3 stars", "2 stars", "1 star"]
    assert any("0.0% (0 reviews)" in line for line in lines)


def test_unknown_id_is_said_to_be_unknown_and_nothing_moves(catalog):
    nav = UserNavigator(catalog, "196")
    seen = []
    nav.on_user_change(seen.append)
    for text in ("9999", "abc", "0"):
        nav._id_box.value = text
        assert nav.status == (
            f"No user with id {text!r} in the catalog; still showing user 196.")
        assert nav.current_user == "196" and nav._id_box.value == "196"
    assert seen == []
    nav._id_box.value = "943"
    assert nav.current_user == "943" and seen == ["943"] and nav.status == ""


def test_clearing_the_id_box_or_retyping_the_current_user_clears_the_unknown_id_message(
        catalog):
    nav = UserNavigator(catalog, "196")
    seen = []
    nav.on_user_change(seen.append)
    nav._id_box.value = "99999"
    assert nav.status == "No user with id '99999' in the catalog; still showing user 196."
    nav._id_box.value = ""  # the user empties the box
    assert nav.status == "" and nav._id_box.value == "196" and nav.current_user == "196"
    nav._id_box.value = "99999"
    nav._id_box.value = " 196 "  # the user shown already: nothing to open, nothing wrong
    assert nav.status == "" and nav._id_box.value == "196" and seen == []


def test_next_previous_wrap_around_and_call_back(catalog):
    nav = UserNavigator(catalog, "942")
    seen = []
    nav.on_user_change(seen.append)
    nav._next.click()
    nav._next.click()
    nav._previous.click()
    assert seen == ["943", "1", "943"]
    nav.on_user_change(seen.append, remove=True)
    nav._next.click()
    assert nav.current_user == "1" and len(seen) == 3


def test_random_user_follows_the_seed(catalog):
    nav = UserNavigator(catalog, "1", seed=7)
    nav._random.click()
    nav._random.click()
    rng = np.random.default_rng(7)
    expected = [catalog.random_user(rng), catalog.random_user(rng)]
    assert nav.current_user == expected[1]


def test_top_rated_films_are_shown_and_hidden_by_the_toggle(catalog):
    nav = UserNavigator(catalog, "196")
    assert not nav.top_rated_visible and nav.top_rated.empty
    nav._top_toggle.value = True
    frame = nav.top_rated
    assert len(frame) == 25
    assert frame["item_id"].tolist() == catalog.top_rated("196", n=25)["item_id"].tolist()
    assert frame["title"].iloc[0] == "Stand by Me"  # first 5-star rating in file order
    assert "Stand by Me" in nav._top_grid.html
    nav._next.click()  # follows the user while shown
    assert nav.top_rated["item_id"].tolist() == \
        catalog.top_rated("197", n=25)["item_id"].tolist()
    nav._top_toggle.value = False
    assert nav.top_rated.empty and nav._top_grid.widget.layout.display == "none"


def test_set_user_refuses_unknown_ids(catalog):
    nav = UserNavigator(catalog, 5)
    assert nav.current_user == "5"
    with pytest.raises(UnknownUserError, match="Unknown user id 'nobody'"):
        nav.set_user("nobody")
    assert nav.current_user == "5"
