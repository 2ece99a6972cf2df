"""SimilarItemsPanel on ML-100k with the lab's real local campaigns."""

from __future__ import annotations

import pytest

from videorecs_widgets.errors import UnknownItemError, UnknownModelError
from videorecs_widgets.model_spec import ModelSpec
from videorecs_widgets.registry import ModelRegistry
from videorecs_widgets.results import RESULT_COLUMNS, ResultsService
from videorecs_widgets.widgets.similar import SimilarItemsPanel


@pytest.fixture()
def reg(lab_campaigns, tmp_path):
    """A real models.yaml with one model of each type."""
    arns = lab_campaigns.campaigns
    registry = ModelRegistry(tmp_path / "models.yaml")
    registry.add(ModelSpec("Personal Recommendations", arns["recs"], "recommendations", 1))
    registry.add(ModelSpec("Personal Ranking", arns["rank"], "personal-ranking", 1))
    registry.add(ModelSpec("Similar Items", arns["sims"], "similar-items", 1))
    return registry


@pytest.fixture()
def svc(lab_campaigns):
    service = ResultsService(lab_campaigns.catalog, workspace=lab_campaigns.workspace)
    yield service
    service.close()


@pytest.fixture()
def panel(lab_campaigns, reg, svc):
    return SimilarItemsPanel(lab_campaigns.catalog, reg, results=svc, user_id="196")


def sims_ids(lab_campaigns, item_id, n=26):
    """What the SIMS campaign itself answers, through the real runtime client."""
    from videorecs_widgets.clients import clients_for_arn

    arn = lab_campaigns.campaigns["sims"]
    runtime = clients_for_arn(arn, workspace=lab_campaigns.workspace).runtime
    answer = runtime.get_recommendations(campaignArn=arn, itemId=item_id, numResults=n)
    return [item["itemId"] for item in answer["itemList"]]


def test_starting_film_is_the_users_top_rated_film(panel, lab_campaigns, svc):
    top = lab_campaigns.catalog.top_rated("196", n=1)
    assert panel.starting_item == top["item_id"].iloc[0] == "655"
    assert "Stand by Me" in panel.html and "rated ★★★★★ (5)" in panel.html
    assert panel.results == (None, None) and svc.calls == 0


def test_model1_lists_only_similar_items_models(panel):
    assert panel.model_options == ["Similar Items"]
    assert panel.selected_models == (None, None)


def test_similar_films_never_include_the_starting_film(panel, svc, lab_campaigns):
    panel._model.set_state({"index": 1})  # as the front end does
    assert svc.calls == 1
    similar, ranked = panel.results
    assert similar.ok and ranked is None
    ids = similar.item_ids
    assert len(ids) == 25 and "655" not in ids
    # The campaign's own order, with the seed film left out.
    assert ids == [i for i in sims_ids(lab_campaigns, "655") if i != "655"][:25]
    assert panel.shown["item_id"].tolist() == ids
    assert panel.status == ""


def test_clicking_a_card_makes_it_the_starting_film(panel, svc):
    panel.select_model("Similar Items")
    third = panel.results[0].item_ids[2]
    title = panel.results[0].titles[2]
    panel.grid._buttons[2].click()  # the "Start here" button under the third card
    assert panel.starting_item == third
    assert svc.calls == 2
    assert third not in panel.results[0].item_ids
    assert f"Films similar to {title} by Similar Items" in panel._header.value


def test_a_title_picked_in_the_search_box_becomes_the_starting_film(panel, svc):
    panel.select_model("Similar Items")
    offered = panel.search("star wa")
    assert offered == ["Star Wars"]
    assert panel.starting_item == "655" and svc.calls == 1  # typing asks no model
    panel.search("Star Wars")  # picking the offered label
    assert panel.starting_item == "50" and svc.calls == 2
    assert "50" not in panel.results[0].item_ids
    # Two films share title and year: their labels tell them apart.
    assert sorted(panel.search("chasing amy")) == ["Chasing Amy (1997) #246",
                                                   "Chasing Amy (1997) #268"]


def test_ordering_reranks_the_similar_list_for_the_user(panel, svc):
    assert panel.ordering_enabled
    assert panel.ordering_options == ["as returned by the model",
                                      "re-ranked for user 196 by Personal Ranking"]
    panel.select_model("Similar Items")
    panel._ordering.set_state({"index": 1})
    assert panel.ordering == "Personal Ranking"
    assert svc.calls == 2  # only the ranking model; the similar list is cached
    similar, ranked = panel.results
    assert ranked.ok
    assert sorted(ranked.item_ids) == sorted(similar.item_ids)
    assert panel.shown["item_id"].tolist() == ranked.item_ids != similar.item_ids
    assert "re-ranked for user 196 by Personal Ranking" in panel._header.value
    panel.set_ordering(None)
    assert panel.shown["item_id"].tolist() == similar.item_ids and svc.calls == 2
    panel.navigator.next_user()  # the labels follow the user
    assert panel.ordering_options[1] == "re-ranked for user 197 by Personal Ranking"


def test_ordering_is_disabled_without_ranking_models(lab_campaigns, tmp_path, svc):
    registry = ModelRegistry(tmp_path / "only-sims.yaml")
    registry.add(ModelSpec("Similar Items", lab_campaigns.campaigns["sims"], "similar-items", 1))
    panel = SimilarItemsPanel(lab_campaigns.catalog, registry, results=svc, user_id="196")
    assert not panel.ordering_enabled
    assert panel.ordering_options == ["as returned by the model"]
    registry.add(ModelSpec("Personal Ranking", lab_campaigns.campaigns["rank"],
                           "personal-ranking", 1))
    assert panel.ordering_enabled and svc.calls == 0
    registry.remove("Personal Ranking")
    assert not panel.ordering_enabled and panel.ordering is None


def test_user_change_moves_the_starting_film_with_one_call(panel, svc, lab_campaigns):
    panel.select_model("Similar Items")
    panel.navigator.set_user("1")
    expected = lab_campaigns.catalog.top_rated("1", n=1)["item_id"].iloc[0]
    assert panel.starting_item == expected and svc.calls == 2
    panel._repr_mimebundle_()
    assert svc.calls == 2


def test_unknown_starting_film_is_refused(panel):
    with pytest.raises(UnknownItemError):
        panel.set_starting_item("99999")
    assert panel.starting_item == "655"


def test_clear_models_resets_model_and_ordering_without_a_call(panel, svc):
    panel.select_model("Similar Items")
    panel.set_ordering("Personal Ranking")
    assert svc.calls == 2
    panel.clear_models()
    assert panel.selected_models == (None, None) and panel.results == (None, None)
    assert panel.shown.empty and svc.calls == 2


def test_a_title_with_markup_is_shown_as_text(lab_campaigns, reg):
    from videorecs_widgets.catalog import Catalog

    base = lab_campaigns.catalog
    movies = base.movies.copy()
    movies.loc[movies["item_id"] == "655", "title"] = '<script>alert("x")</script> & Co'
    catalog = Catalog(movies, base.users, base.ratings, base.genres)
    service = ResultsService(catalog, workspace=lab_campaigns.workspace)
    panel = SimilarItemsPanel(catalog, reg, results=service, user_id="196")
    panel.select_model("Similar Items")
    assert panel.starting_item == "655"
    escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co"
    assert escaped in panel.html and escaped in panel._header.value
    assert "<script>" not in panel.html + panel._header.value
    assert panel.search("alert") == ['<script>alert("x")</script> & Co']  # plain text option
    service.close()


def test_shown_keeps_its_columns_when_the_model_fails_or_none_is_chosen(panel, reg, svc,
                                                                         lab_campaigns):
    # Notebook 03 run before 01: ``shown[["rank", "title", "year"]]`` must still work.
    assert list(panel.shown.columns) == list(RESULT_COLUMNS) and panel.shown.empty
    missing = "arn:aws:personalize:local:000000000000:campaign/no-such-sims"
    reg.add(ModelSpec("Gone", missing, "similar-items", 2))
    panel.select_model("Gone")
    assert svc.calls == 1 and panel.shown.empty
    assert list(panel.shown.columns) == list(RESULT_COLUMNS)
    assert panel.shown[["rank", "title", "year"]].empty
    assert panel.grid.message == panel.results[0].error
    assert panel.status == f"Model 1: {panel.results[0].error}"
    assert panel.status.startswith(f"Model 1: Model 'Gone': there is no campaign {missing!r} ")


def test_set_ordering_takes_what_ordering_options_lists_or_a_model_name(panel, reg, svc):
    panel.select_model("Similar Items")
    panel.set_ordering(panel.ordering_options[-1])  # the label shown in the drop-down
    assert panel.ordering == "Personal Ranking" and svc.calls == 2
    panel.set_ordering(panel.ordering_options[0])  # "as returned by the model"
    assert panel.ordering is None
    panel.set_ordering("Personal Ranking")  # the model's name, as select_model takes
    assert panel.ordering == "Personal Ranking" and svc.calls == 2  # the answer was cached


def test_unknown_model_names_raise_unknown_model_error(panel, reg, svc):
    with pytest.raises(UnknownModelError) as info:
        panel.select_model("Personal Ranking")
    assert str(info.value) == (
        f"No model named 'Personal Ranking' of type similar-items in {reg.path} (models of "
        "that type: 'Similar Items')."
    )
    with pytest.raises(UnknownModelError) as info:
        panel.set_ordering("Nope")
    assert str(info.value) == (
        f"No model named 'Nope' of type personal-ranking in {reg.path} (models of that "
        "type: 'Personal Ranking')."
    )
    assert panel.selected_models == (None, None) and svc.calls == 0


def test_no_similar_items_model_in_the_registry_is_said_in_the_panel(lab_campaigns, tmp_path,
                                                                     svc):
    registry = ModelRegistry(tmp_path / "models.yaml")
    registry.add(ModelSpec("Personal Ranking", lab_campaigns.campaigns["rank"],
                           "personal-ranking", 1))
    panel = SimilarItemsPanel(lab_campaigns.catalog, registry, results=svc, user_id="196")
    assert panel.model_options == []
    assert panel._grid.message == (
        "No similar-items model in models.yaml: add one in Administration.")
    assert svc.calls == 0


def test_removing_the_chosen_models_is_said_in_the_status_line(panel, reg, svc):
    panel.select_model("Similar Items")
    panel.set_ordering("Personal Ranking")
    reg.remove("Personal Ranking")
    assert panel.ordering is None and panel.results[0].ok
    assert panel.status == ("Model 'Personal Ranking' is no longer in models.yaml; the list is "
                            "shown as returned.")
    reg.remove("Similar Items")
    assert panel.selected_models == (None, None)
    assert panel.status == ("Model 'Similar Items' is no longer in models.yaml; choose another "
                            "model.")
