"""VideoRecsApp on ML-100k with the lab's real local campaigns and a real models.yaml."""

from __future__ import annotations

import numpy as np
import pytest

from videorecs_widgets.errors import InvalidParameterError
from videorecs_widgets.model_spec import ModelSpec
from videorecs_widgets.registry import DuplicateModelWarning, ModelRegistry
from videorecs_widgets.results import ResultsService
from videorecs_widgets.widgets.app import MODES, VideoRecsApp
from videorecs_widgets.widgets.ranking import PersonalRankingPanel
from videorecs_widgets.widgets.recommendations import RecommendationsPanel
from videorecs_widgets.widgets.similar import SimilarItemsPanel

LOCAL = "arn:aws:personalize:local:000000000000:campaign/"


@pytest.fixture()
def reg(lab_campaigns, tmp_path):
    arns = lab_campaigns.campaigns
    registry = ModelRegistry(tmp_path / "models.yaml")
    registry.add(ModelSpec("Personal Recommendations", arns["recs"], "recommendations", 1))
    registry.add(ModelSpec("Most Popular", arns["popularity"], "recommendations", 2))
    registry.add(ModelSpec("Personal Ranking", arns["rank"], "personal-ranking", 1))
    registry.add(ModelSpec("Similar Items", arns["sims"], "similar-items", 1))
    return registry


@pytest.fixture()
def svc(lab_campaigns):
    service = ResultsService(lab_campaigns.catalog, workspace=lab_campaigns.workspace)
    yield service
    service.close()


@pytest.fixture()
def app(lab_campaigns, reg, svc):
    return VideoRecsApp(lab_campaigns.catalog, reg, results=svc,
                        workspace=lab_campaigns.workspace, user_id="196", seed=3)


def all_panels(app):
    """Open every mode once (building its panel), then come back to Recommendations."""
    for mode in (*MODES[1:], MODES[0]):
        app.set_mode(mode)
    return app.panels


def test_summary_first_then_explorer_with_the_three_modes_and_the_editor(app, svc):
    assert app.tab == "Models"
    assert app._tabs.titles == ("Models", "Explorer", "Administration")
    assert app._tabs.children[0] is app.summary.widget
    assert app._tabs.children[2] is app.editor.widget
    assert app.summary.table["name"].tolist() == [
        "Personal Recommendations", "Most Popular", "Personal Ranking", "Similar Items"]
    assert app._mode.options == MODES and app.mode == "Recommendations"
    # Only the first mode's panel is built at start; the others when first chosen.
    assert list(app.panels) == ["Recommendations"]
    assert isinstance(app.panel, RecommendationsPanel)
    panels = all_panels(app)
    assert isinstance(panels["Personal Ranking"], PersonalRankingPanel)
    assert isinstance(panels["Similar Items"], SimilarItemsPanel)
    assert all(p.navigator is app.navigator for p in panels.values())
    assert svc.calls == 0


def test_random_user_from_the_summary_lands_in_the_explorer(app, svc, lab_campaigns):
    app.panel.select_models("Personal Recommendations")
    assert svc.calls == 1
    app.summary._random.click()
    expected = lab_campaigns.catalog.random_user(np.random.default_rng(3))
    assert app.summary.last_random_user == expected
    assert app.tab == "Explorer" and app.current_user == expected
    assert app.panel.current_user == expected
    assert app.results[0].request.user_id == expected
    assert svc.calls == 2  # one call for the one model shown


def test_mode_change_clears_the_model_choices(app, svc):
    app.panel.select_models("Personal Recommendations", "Most Popular")
    recommendations = app.panel
    assert app.selected_models == ("Personal Recommendations", "Most Popular")
    app._mode.set_state({"index": 1})  # as the front end does
    assert app.mode == "Personal Ranking"
    assert recommendations.selected_models == (None, None)
    assert recommendations.results == (None, None)
    app.panel.select_model("Personal Ranking")
    assert app.selected_models == ("Personal Ranking",) and app.results[0].ok
    calls = svc.calls
    app.set_mode("Similar Items")
    assert app.panels["Personal Ranking"].selected_models == (None,)
    assert app.selected_models == (None, None)
    assert svc.calls == calls == 3


def test_registry_change_from_the_editor_reaches_every_dropdown_without_a_call(
        app, reg, svc, lab_campaigns):
    panels = all_panels(app)
    app.panel.select_models("Personal Recommendations")
    calls = svc.calls
    editor = app.editor
    editor.set_check(False)  # these campaigns do not exist: the drop-downs are what is tested
    for name, kind, arn in (("Popular 2", "recommendations", LOCAL + "popular-2"),
                            ("Ranking 2", "personal-ranking", LOCAL + "ranking-2"),
                            ("Similar 2", "similar-items", LOCAL + "similar-2")):
        editor.new()
        editor.fill(name=name, arn=arn, sort_order="5")
        editor._fields["type"].value = kind
        assert editor.save() is not None, editor.status
    assert panels["Recommendations"].model_options == [
        "Personal Recommendations", "Most Popular", "Popular 2"]
    assert panels["Personal Ranking"].model_options == ["Personal Ranking", "Ranking 2"]
    assert panels["Similar Items"].model_options == ["Similar Items", "Similar 2"]
    assert panels["Similar Items"].ordering_options[1:] == [
        "re-ranked for user 196 by Personal Ranking", "re-ranked for user 196 by Ranking 2"]
    assert app.summary.table["name"].tolist()[-1] == "Similar 2"
    # The choice stays, and nothing asked a model for recommendations.
    assert app.selected_models == ("Personal Recommendations", None)
    assert svc.calls == calls


def test_outside_edit_picked_up_by_reload_updates_every_dropdown_without_a_call(
        app, reg, svc):
    panels = all_panels(app)
    app.panel.select_models("Most Popular", "Personal Recommendations")
    calls = svc.calls
    outside = ModelRegistry(reg.path)  # another notebook, or a text editor
    outside.remove("Personal Recommendations")
    outside.update("Personal Ranking", name="Ranking (renamed)")
    assert app.reload() is True
    assert app.status.endswith("changed: the model lists were updated.")
    assert panels["Recommendations"].model_options == ["Most Popular"]
    assert panels["Personal Ranking"].model_options == ["Ranking (renamed)"]
    assert app.editor.choices == ["Most Popular", "Ranking (renamed)", "Similar Items"]
    # Model 1 still exists and keeps its choice and list; Model 2 fell back.
    assert app.selected_models == ("Most Popular", None)
    assert app.results[0].ok and app.results[1] is None
    assert svc.calls == calls
    assert app.reload() is False and svc.calls == calls


def test_app_opens_a_registry_file_by_path(lab_campaigns, reg, svc):
    app = VideoRecsApp(lab_campaigns.catalog, reg.path, results=svc, mode="Similar Items",
                       user_id="1")
    assert app.registry.names == reg.names
    assert app.mode == "Similar Items" and list(app.panels) == ["Similar Items"]
    assert app.panel.starting_item == lab_campaigns.catalog.top_rated("1", n=1)[
        "item_id"].iloc[0]
    with pytest.raises(InvalidParameterError, match="Invalid mode: 'Admin'"):
        VideoRecsApp(lab_campaigns.catalog, reg, results=svc, mode="Admin")


def test_the_editor_refuses_a_type_the_campaign_does_not_answer_by_default(app, reg,
                                                                          lab_campaigns):
    before = reg.path.read_bytes()
    editor = app.editor
    assert editor.check_types
    editor.fill(name="SIMS as recs", arn=lab_campaigns.campaigns["sims"], sort_order="3")
    editor._fields["type"].value = "recommendations"
    assert editor.save() is None
    assert list(editor.field_errors) == ["type"]
    assert ("Model 'SIMS as recs' is declared as 'recommendations', but its recipe aws-sims "
            "answers 'similar-items' queries: change its type to 'similar-items'"
            ) in editor.field_errors["type"]
    assert "⚠ The campaign &#x27;lab-sims-campaign&#x27; is ACTIVE. Model &#x27;SIMS as recs" \
        in editor._field_errors["type"].value
    assert editor.status.startswith("Not saved: The campaign 'lab-sims-campaign' is ACTIVE. "
                                    "Model 'SIMS as recs' is declared as")
    editor.fill(name="Nowhere", arn=LOCAL + "zzz")
    assert editor.save() is None
    assert list(editor.field_errors) == ["arn"]
    assert editor.field_errors["arn"].startswith(
        "The campaign 'zzz' of model 'Nowhere' does not exist in region 'local'")
    assert reg.path.read_bytes() == before
    assert app.summary.table["name"].tolist() == [
        "Personal Recommendations", "Most Popular", "Personal Ranking", "Similar Items"]


def test_duplicate_models_are_noted_in_the_status_line_not_warned(lab_campaigns, tmp_path,
                                                                  svc):
    # pytest turns warnings into errors: a DuplicateModelWarning reaching the caller fails.
    sims = lab_campaigns.campaigns["sims"]
    path = tmp_path / "models.yaml"
    path.write_text(
        "models:\n"
        f"  - {{name: Similar Items, arn: '{sims}', type: similar-items, sort_order: 1}}\n"
        f"  - {{name: Copy, arn: '{sims}', type: similar-items, sort_order: 2}}\n")
    app = VideoRecsApp(lab_campaigns.catalog, path, results=svc, user_id="196")
    assert app.status == (
        f"Note: Registry {path}, line 3: models 'Similar Items' (line 2) and 'Copy' have the "
        f"same ARN {sims!r} and type 'similar-items'; both will show the same results.")
    with pytest.warns(DuplicateModelWarning):  # the outside edit adds a third copy
        outside = ModelRegistry(path)
        outside.add(ModelSpec("Third", sims, "similar-items", 3))
    assert app.reload() is True
    assert app.status.startswith(f"{path} changed: the model lists were updated. Note: "
                                 f"Registry {path}: models 'Similar Items' and 'Third' have ")
