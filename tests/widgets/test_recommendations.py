"""RecommendationsPanel on ML-100k with real local campaigns, driven as the front end does."""

from __future__ import annotations

import math

import pytest

from videorecs_widgets.catalog import Catalog
from videorecs_widgets.errors import UnknownModelError
from videorecs_widgets.model_spec import ModelSpec
from videorecs_widgets.results import ResultsService, overlap
from videorecs_widgets.widgets.controls import NO_MODEL
from videorecs_widgets.widgets.recommendations import RecommendationsPanel

MISSING_ARN = "arn:aws:personalize:local:000000000000:campaign/no-such-campaign"
NEWEST_ARN = "arn:aws:personalize:local:000000000000:campaign/not-built-yet"
SCRIPT = "<script>alert(1)</script>"


@pytest.fixture()
def panel(catalog, registry, service):
    p = RecommendationsPanel(catalog, registry, results=service, user_id="196")
    yield p
    p.close()


def test_drop_downs_start_empty_and_list_recommendation_models_by_name(panel, service):
    for dropdown in panel._models:
        assert dropdown.label == NO_MODEL and dropdown.index == 0
        assert [label for label, _ in dropdown.options] == \
            [NO_MODEL, "Personal Recommendations", "Most Popular"]
    assert panel.model_options == ["Personal Recommendations", "Most Popular"]
    assert panel.selected_models == (None, None) and panel.results == (None, None)
    assert service.calls == 0


def test_choosing_a_model_shows_its_films_with_one_call(panel, service, registry):
    panel._models[0].set_state({"index": 2})
    assert panel.selected_models == ("Most Popular", None)
    assert service.calls == 1
    first = panel.results[0]
    assert first.titles[:3] == ["Star Wars", "Fargo", "Return of the Jedi"]
    direct = ResultsService(panel.catalog, workspace=None,
                            clients_for=service._clients_for)
    assert first.item_ids == direct.recommend(registry.get("Most Popular"), "196").item_ids
    direct.close()
    assert panel.html.count("videorecs-card") == 25
    assert "Star Wars" in panel.html and panel.status == ""


def test_two_models_side_by_side_and_their_overlap(panel, service):
    panel._models[0].set_state({"index": 1})
    panel._models[1].set_state({"index": 2})
    assert service.calls == 2
    first, second = panel.results
    assert first.model == "Personal Recommendations" and second.model == "Most Popular"
    expected = overlap(first.item_ids, second.item_ids, p=0.9)
    assert panel.overlap == expected
    line = panel._overlap_line.value
    assert f"Overlap: {expected.shared} shared films (of 25 and 25)" in line
    assert f"Jaccard {expected.jaccard:.3f}" in line
    assert f"rank-biased overlap (p = 0.9) {expected.rbo:.3f}" in line


def test_user_change_asks_each_shown_model_once(panel, service):
    panel.select_models("Personal Recommendations", "Most Popular")
    assert service.calls == 2
    # Displaying the panel again must not add handlers.
    panel._repr_mimebundle_()
    panel._repr_mimebundle_()
    panel.navigator._next.click()
    assert panel.current_user == "197" and service.calls == 4
    assert panel.results[0].request.user_id == "197"
    panel.navigator._id_box.value = "9999"  # unknown: no call, nothing moves
    assert service.calls == 4 and panel.current_user == "197"
    panel._refresh.click()
    assert service.calls == 6


def test_films_the_user_rated_are_marked(catalog, registry, service):
    panel = RecommendationsPanel(catalog, registry, results=service, user_id="1")
    panel.select_models("Most Popular")
    frame = panel.results[0].frame
    ratings = catalog.ratings_of("1")
    rated = frame[frame["item_id"].isin(ratings)]
    # Popularity gives everyone the same 25 most-liked films; user 1 rated 19 of them.
    assert len(rated) == 19
    title, item = rated["title"].iloc[0], rated["item_id"].iloc[0]
    stars = ratings[item]
    assert f"{title}</div>" in panel.html
    assert f"rated {'★' * stars}{'☆' * (5 - stars)} ({stars})" in panel.html
    assert f"{len(rated)} rated by user 1 (" in panel._headers[0].value
    panel.close()


def test_rated_films_in_a_list_are_counted_with_their_stars_and_explained(panel, catalog):
    # The lab's model learns from 4- and 5-star ratings only: for user 196 its list holds
    # films he rated 1-3 stars (Groundhog Day, 3 stars, first).
    panel.select_models("Personal Recommendations", "Most Popular")
    first, second = (r.frame for r in panel.results)
    stars = first["rated"].dropna().astype(int)
    assert first["title"].iloc[0] == "Groundhog Day" and first["rated"].iloc[0] == 3
    assert len(stars) == 5 and stars.max() <= 3
    assert (f"<b>Model 1: Personal Recommendations</b> · 25 films · 5 rated by user 196 "
            f"({stars.min()}-3★)") == panel._headers[0].value
    assert "already rated" not in panel._headers[0].value
    assert panel._rated_note.value == (
        '<span style="color:#6a7282">Films the user rated can be recommended: '
        "user-personalization leaves out only the interactions it learned from (the lab&#x27;s "
        "models learn from ratings above 3.6, the 4- and 5-star ones), and popularity-count "
        "leaves out nothing.</span>")
    panel.clear_models()
    assert panel._rated_note.value == ""


def test_genre_mix_compares_each_list_with_the_users_history(panel, catalog):
    panel.select_models("Personal Recommendations", "Most Popular")
    mix = panel.genre_mix
    assert list(mix.index) == catalog.genres
    assert list(mix.columns) == ["Model 1: Personal Recommendations", "Model 2: Most Popular",
                                 "user's history"]
    for column in mix.columns:
        assert math.isclose(mix[column].sum(), 1.0)
    films = catalog.movies_by_id(panel.results[1].item_ids)
    drama = sum("Drama" in g for g in films["genres"]) / sum(len(g) for g in films["genres"])
    assert mix.loc["Drama", "Model 2: Most Popular"] == pytest.approx(drama)
    assert panel._chart_image.value[:4] == b"\x89PNG"
    panel._chart_toggle.value = False
    assert panel.genre_mix.empty and panel._chart_image.layout.display == "none"


def test_unknown_campaign_arn_is_reported_and_the_panel_stays_usable(panel, registry, service,
                                                                    lab_campaigns):
    registry.add(ModelSpec("Gone", MISSING_ARN, "recommendations", 3))
    panel._models[1].set_state({"index": 3})
    assert panel.selected_models == (None, "Gone")
    assert service.calls == 1
    assert panel.status == (
        f"Model 2: Model 'Gone': there is no campaign {MISSING_ARN!r} in the embedded engine's "
        f"workspace {str(lab_campaigns.workspace.resolve())!r}; build the models first "
        "(the lab notebooks, or videorecs_widgets.lab.build_lab_models), or check the workspace "
        "path and the ARN in the registry."
    )
    assert panel.results[1].error and panel.overlap is None
    panel._models[0].set_state({"index": 1})  # still usable: model 1 answers
    assert service.calls == 2 and panel.results[0].ok and len(panel.results[0].frame) == 25
    assert "Model 2: Model 'Gone'" in panel.status
    panel._models[1].set_state({"index": 0})
    assert panel.status == "" and service.calls == 2


def test_a_sims_campaign_registered_as_recommendations_is_said_to_be_a_type_mismatch(
        panel, registry, lab_campaigns):
    registry.add(ModelSpec("SIMS as recs", lab_campaigns.campaigns["sims"], "recommendations",
                           3))
    panel.select_models("SIMS as recs")
    assert panel.status == (
        "Model 1: Model 'SIMS as recs' is registered as recommendations, but its campaign "
        "serves aws-sims (similar-items): fix its type in the registry (Administration).")
    assert "RELATED_ITEMS" not in panel.status and "itemId" not in panel.status


def test_registry_changes_update_options_without_calls(panel, registry, service):
    panel.select_models("Personal Recommendations", "Most Popular")
    assert service.calls == 2
    registry.add(ModelSpec("Newest", NEWEST_ARN, "recommendations", 0))
    assert panel.model_options == ["Newest", "Personal Recommendations", "Most Popular"]
    assert panel.selected_models == ("Personal Recommendations", "Most Popular")
    registry.remove("Most Popular")
    assert panel.model_options == ["Newest", "Personal Recommendations"]
    assert panel.selected_models == ("Personal Recommendations", None)
    assert panel.results[1] is None and panel.overlap is None
    registry.update("Personal Recommendations", sort_order=5)
    assert panel.model_options == ["Newest", "Personal Recommendations"]
    assert panel.selected_models == ("Personal Recommendations", None)
    assert service.calls == 2
    panel.close()
    registry.add(ModelSpec("After close", NEWEST_ARN + "-2", "recommendations", 9))
    assert "After close" not in panel.model_options


def test_equal_sort_orders_do_not_collide(panel, registry):
    registry.update("Most Popular", sort_order=1)
    assert panel.model_options == ["Most Popular", "Personal Recommendations"]
    panel._models[0].set_state({"index": 2})
    assert panel.selected_models[0] == "Personal Recommendations"
    assert panel.results[0].model == "Personal Recommendations"


def test_a_script_title_is_shown_as_text(lab_campaigns, registry):
    base = lab_campaigns.catalog
    movies = base.movies.copy()
    movies.loc[movies["item_id"] == "50", "title"] = SCRIPT  # Star Wars, top of Most Popular
    catalog = Catalog(movies, base.users, base.ratings)
    service = ResultsService(catalog, workspace=lab_campaigns.workspace)
    panel = RecommendationsPanel(catalog, registry, results=service, user_id="196")
    panel.select_models("Most Popular")
    assert panel.results[0].titles[0] == SCRIPT
    assert SCRIPT not in panel.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in panel.html
    panel.close()
    service.close()


def test_unknown_model_names_raise_unknown_model_error_listing_the_models(panel, registry,
                                                                          service):
    panel.select_models("Most Popular")
    with pytest.raises(UnknownModelError) as info:
        panel.select_models("Personal Recommendations", "Nope")
    assert str(info.value) == (
        f"No model named 'Nope' of type recommendations in {registry.path} (models of that "
        "type: 'Personal Recommendations', 'Most Popular')."
    )
    assert info.value.name == "Nope" and info.value.model_type == "recommendations"
    # nothing changed: the choice is checked before either drop-down moves
    assert panel.selected_models == ("Most Popular", None) and service.calls == 1
    with pytest.raises(UnknownModelError, match=r"^No model named 'Similar Items' of type "
                                                r"recommendations in "):
        panel.select_models("Similar Items")  # a model of another type


def test_no_recommendations_model_in_the_registry_is_said_in_the_panel(catalog, registry,
                                                                       service):
    for name in ("Personal Recommendations", "Most Popular"):
        registry.remove(name)
    panel = RecommendationsPanel(catalog, registry, results=service, user_id="196")
    assert panel.model_options == []
    assert [grid.message for grid in panel._grids] == [
        "No recommendations model in models.yaml: add one in Administration."] * 2
    assert service.calls == 0


def test_removing_the_chosen_models_is_said_in_the_status_line(panel, registry):
    panel.select_models("Personal Recommendations", "Most Popular")
    registry.remove("Most Popular")
    assert panel.selected_models == ("Personal Recommendations", None)
    assert panel.status == ("Model 'Most Popular' is no longer in models.yaml; choose another "
                            "model.")
    assert panel.results[0].ok
