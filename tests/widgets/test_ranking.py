"""PersonalRankingPanel on ML-100k with the lab's real local campaigns."""

from __future__ import annotations

import pytest

from videorecs_widgets.errors import UnknownGenreError, UnknownModelError
from videorecs_widgets.model_spec import ModelSpec
from videorecs_widgets.registry import ModelRegistry
from videorecs_widgets.results import ResultsService
from videorecs_widgets.widgets.ranking import PersonalRankingPanel, movement_text

LOCAL = "arn:aws:personalize:local:000000000000:campaign/"


@pytest.fixture()
def reg(lab_campaigns, tmp_path):
    """A real models.yaml: one model of each type, plus a ranking model whose campaign is gone."""
    arns = lab_campaigns.campaigns
    registry = ModelRegistry(tmp_path / "models.yaml")
    registry.add(ModelSpec("Personal Recommendations", arns["recs"], "recommendations", 1))
    registry.add(ModelSpec("Personal Ranking", arns["rank"], "personal-ranking", 1))
    registry.add(ModelSpec("Ranking (deleted)", LOCAL + "gone-campaign", "personal-ranking", 2))
    registry.add(ModelSpec("Similar Items", arns["sims"], "similar-items", 1))
    return registry


@pytest.fixture()
def svc(lab_campaigns):
    service = ResultsService(lab_campaigns.catalog, workspace=lab_campaigns.workspace)
    yield service
    service.close()


@pytest.fixture()
def panel(lab_campaigns, reg, svc):
    return PersonalRankingPanel(lab_campaigns.catalog, reg, results=svc, user_id="196")


def test_movement_text_says_up_down_or_not_moved():
    assert [movement_text(m) for m in (7, -3, 0, None)] == ["up 7", "down 3", "not moved", ""]


def test_genre_choice_has_all_genres_and_the_19_genres_horror_included(panel):
    options = panel.genre_options
    assert options[0] == "All genres" and len(options) == 20
    assert "Horror" in options and options[1:] == panel.catalog.genres
    assert panel.genre is None


def test_popular_list_of_horror_is_shown_without_any_model_call(panel, svc):
    panel.set_genre("Horror")
    popular = panel.popular
    assert len(popular) == 25
    assert popular["title"].tolist()[:5] == ["Scream", "Alien", "Psycho", "Jaws",
                                             "Young Frankenstein"]
    assert popular["count"].iloc[0] == 246  # ratings above 3.5 of Scream
    assert all("Horror" in genres for genres in popular["genres"])
    assert popular["rank"].tolist() == list(range(1, 26))
    # the count is the catalog's (ratings above 3.5): exactly Scream's 4- and 5-star ratings
    scream = popular["item_id"].iloc[0]
    stars = [panel.catalog.ratings_of(u).get(scream) for u in panel.catalog.users["user_id"]]
    assert sum(s in (4, 5) for s in stars) == 246
    assert "Scream" in panel.html
    # one caption line that never wraps (nowrap), in stars rather than "above 3.5"
    assert ('white-space:nowrap;text-overflow:ellipsis;" class="videorecs-caption">'
            "246 ratings of 4-5★</div>") in panel.html
    assert "(most ratings of 4-5★)" in panel._headers[0].value
    assert panel.results == (None,) and svc.calls == 0


def test_all_genres_shows_the_overall_popular_films(panel, lab_campaigns):
    expected = lab_campaigns.catalog.popular(None, n=25)["item_id"].tolist()
    assert panel.popular["item_id"].tolist() == expected
    assert panel.popular["title"].iloc[0] == "Star Wars"


def test_model1_lists_only_ranking_models_by_name(panel):
    assert panel.model_options == ["Personal Ranking", "Ranking (deleted)"]
    assert panel._model.options[0] == ("no model selected", "")
    assert panel.selected_models == (None,)


def test_reranked_list_is_a_permutation_of_the_popular_list(panel, svc, lab_campaigns):
    panel.set_genre("Horror")
    panel._model.set_state({"index": 1})  # as the front end does
    assert panel.selected_models == ("Personal Ranking",)
    assert svc.calls == 1
    (result,) = panel.results
    assert result.ok, result.error
    popular_ids = panel.popular["item_id"].tolist()
    ranked_ids = result.item_ids
    assert sorted(ranked_ids) == sorted(popular_ids) and len(ranked_ids) == 25
    assert ranked_ids != popular_ids  # the model does re-rank for user 196
    # The order is the campaign's own answer for this user and list.
    runtime = lab_campaigns_runtime(lab_campaigns)
    direct = runtime.get_personalized_ranking(
        campaignArn=lab_campaigns.campaigns["rank"], userId="196", inputList=popular_ids)
    assert ranked_ids == [item["itemId"] for item in direct["personalizedRanking"]]
    frame = result.frame
    position = {item: k for k, item in enumerate(popular_ids, start=1)}
    assert frame["input_rank"].tolist() == [position[i] for i in ranked_ids]
    assert (frame["moved"] == frame["input_rank"] - frame["rank"]).all()
    html = panel.html
    for moved in frame["moved"].tolist():
        assert f'videorecs-caption">{movement_text(moved)}<' in html
    assert panel.status == ""


def test_each_change_asks_the_model_once_and_redisplay_asks_nothing(panel, svc):
    panel.select_model("Personal Ranking")
    assert svc.calls == 1
    panel.set_genre("Comedy")
    assert svc.calls == 2
    assert sorted(panel.results[0].item_ids) == sorted(panel.popular["item_id"])
    panel.navigator.next_user()
    assert panel.current_user == "197" and svc.calls == 3
    panel._repr_mimebundle_()
    panel._repr_mimebundle_()
    assert svc.calls == 3
    panel.set_genre("Comedy")  # same value: no change, no call
    assert svc.calls == 3


def test_no_model_selected_makes_no_call(panel, svc):
    panel.set_genre("Drama")
    panel.navigator.next_user()
    panel.select_model("Personal Ranking")
    panel.clear_models()
    panel.set_genre("War")
    assert svc.calls == 1 and panel.results == (None,)


def test_a_deleted_campaign_shows_a_message_and_the_panel_stays_usable(panel, svc):
    panel.select_model("Ranking (deleted)")
    assert panel.status.startswith("Model 1: Model 'Ranking (deleted)': there is no campaign ")
    assert "gone-campaign" in panel.status
    assert "build the models first (the lab notebooks, or " in panel.status
    assert len(panel.popular) == 25  # the popular list is still shown
    panel.select_model("Personal Ranking")
    assert panel.status == "" and panel.results[0].ok


def test_unknown_genre_is_refused_with_a_suggestion(panel):
    with pytest.raises(UnknownGenreError, match="Did you mean 'Western'"):
        panel.set_genre("Western movies")


def test_genre_is_matched_without_regard_to_case(panel):
    panel.set_genre("horror")
    assert panel.genre == "Horror"
    assert panel.popular.title.iloc[0] == "Scream"


def test_registry_change_updates_options_keeps_choice_and_makes_no_call(panel, reg, svc):
    panel.select_model("Personal Ranking")
    assert svc.calls == 1
    reg.add(ModelSpec("Another Ranking", LOCAL + "other-ranking-campaign",
                      "personal-ranking", 0))
    assert panel.model_options == ["Another Ranking", "Personal Ranking", "Ranking (deleted)"]
    assert panel.selected_models == ("Personal Ranking",) and panel.results[0].ok
    reg.remove("Personal Ranking")
    assert panel.selected_models == (None,) and panel.results == (None,)
    assert svc.calls == 1


def lab_campaigns_runtime(lab_campaigns):
    from videorecs_widgets.clients import clients_for_arn

    return clients_for_arn(lab_campaigns.campaigns["rank"],
                           workspace=lab_campaigns.workspace).runtime


def test_a_title_with_markup_is_shown_as_text(lab_campaigns, reg):
    from videorecs_widgets.catalog import Catalog

    base = lab_campaigns.catalog
    movies = base.movies.copy()
    movies.loc[movies["item_id"] == "288", "title"] = "<script>alert(1)</script>"  # Scream
    catalog = Catalog(movies, base.users, base.ratings, base.genres)
    service = ResultsService(catalog, workspace=lab_campaigns.workspace)
    panel = PersonalRankingPanel(catalog, reg, results=service, user_id="196", genre="Horror")
    panel.select_model("Personal Ranking")
    assert "<script>alert(1)</script>" in panel.results[0].titles
    assert panel.html.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 2  # both lists
    assert "<script>" not in panel.html
    service.close()


def test_select_model_of_another_type_raises_unknown_model_error(panel, reg, svc):
    with pytest.raises(UnknownModelError) as info:
        panel.select_model("Similar Items")
    assert str(info.value) == (
        f"No model named 'Similar Items' of type personal-ranking in {reg.path} (models of "
        "that type: 'Personal Ranking', 'Ranking (deleted)')."
    )
    assert panel.selected_models == (None,) and svc.calls == 0


def test_no_ranking_model_in_the_registry_is_said_in_the_panel(lab_campaigns, tmp_path, svc):
    registry = ModelRegistry(tmp_path / "models.yaml")
    registry.add(ModelSpec("Similar Items", lab_campaigns.campaigns["sims"], "similar-items", 1))
    panel = PersonalRankingPanel(lab_campaigns.catalog, registry, results=svc, user_id="196")
    assert panel.model_options == []
    assert panel._ranked_grid.message == (
        "No personal-ranking model in models.yaml: add one in Administration.")
    registry.add(ModelSpec("Personal Ranking", lab_campaigns.campaigns["rank"],
                           "personal-ranking", 1))
    assert panel._ranked_grid.message == (
        "Choose a ranking model to re-rank these films for this user.")
    assert svc.calls == 0


def test_removing_the_chosen_model_is_said_in_the_status_line(panel, reg, svc):
    panel.select_model("Personal Ranking")
    assert panel.results[0].ok
    reg.remove("Personal Ranking")  # the Administration tab, or code
    assert panel.selected_models == (None,) and panel.results == (None,)
    assert panel.status == ("Model 'Personal Ranking' is no longer in models.yaml; choose "
                            "another model.")
