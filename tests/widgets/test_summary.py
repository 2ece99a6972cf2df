"""ModelSummary on the lab's real local campaigns: table, metrics, data summary, random user."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from videorecs_widgets.clients import clients_for_arn
from videorecs_widgets.model_spec import ModelSpec
from videorecs_widgets.registry import DuplicateModelWarning
from videorecs_widgets.widgets.summary import ModelSummary, metrics_figure

MISSING_ARN = "arn:aws:personalize:local:000000000000:campaign/no-such-campaign"
CELL = "padding:2px 8px;white-space:nowrap;"


@pytest.fixture()
def summary(catalog, registry, service):
    panel = ModelSummary(catalog, registry, results=service, seed=3)
    yield panel
    panel.close()


def test_models_ordered_by_type_then_sort_order_with_recipe_and_status(summary):
    table = summary.table
    assert table["name"].tolist() == ["Personal Recommendations", "Most Popular",
                                      "Personal Ranking", "Similar Items"]
    assert table["recipe"].tolist() == ["aws-user-personalization", "aws-popularity-count",
                                        "aws-personalized-ranking", "aws-sims"]
    assert table["status"].tolist() == ["ACTIVE"] * 4
    assert summary.status == ""


def test_metrics_are_rounded_to_four_places_not_truncated(summary, lab_campaigns):
    personalize = clients_for_arn(lab_campaigns.campaigns["recs"],
                                  workspace=lab_campaigns.workspace).personalize
    for info, row in zip(summary.models, summary.table.to_dict("records"), strict=True):
        metrics = personalize.get_solution_metrics(
            solutionVersionArn=info.solution_version_arn)["metrics"]
        for label, key in (("precision@5", "precision_at_5"), ("precision@10", "precision_at_10"),
                           ("precision@25", "precision_at_25"),
                           ("NDCG@10", "normalized_discounted_cumulative_gain_at_10"),
                           ("MRR@25", "mean_reciprocal_rank_at_25"), ("coverage", "coverage")):
            assert row[label] == round(metrics[key], 4)
            assert f"{round(metrics[key], 4):.4f}" in summary.html
    assert summary._chart.value[:4] == b"\x89PNG"


def test_data_summary_is_counted_from_the_catalog(summary):
    assert summary.data_summary == {"reviewers": 943, "movies": 1682, "interactions": 100000}
    assert "<b>100,000</b> interactions" in summary._data.value


def test_random_user_button_hands_a_user_to_the_callback(summary, catalog):
    picked = []
    summary.on_random_user(picked.append)
    summary._random.click()
    summary._random.click()
    rng = np.random.default_rng(3)
    assert picked == [catalog.random_user(rng), catalog.random_user(rng)]
    assert summary.last_random_user == picked[-1]


def test_registry_change_shows_new_models_and_errors_without_runtime_calls(summary, registry,
                                                                          service):
    registry.add(ModelSpec("Gone", MISSING_ARN, "recommendations", 0))
    table = summary.table
    assert table["name"].tolist()[0] == "Gone"
    assert table["recipe"].iloc[0] is None and math.isnan(table["precision@5"].iloc[0])
    # the table says what its HTML says: a model that could not be described is an error
    assert table["status"].iloc[0] == "error"
    assert "".join(f"<td style='{CELL}'>{text}</td>" for text in
                   ("Gone", "recommendations", "—", "error")) in summary.html
    assert summary.status.startswith(
        f"Model 'Gone': there is no campaign {MISSING_ARN!r} in the embedded engine's workspace ")
    assert service.calls == 0
    registry.remove("Gone")
    assert len(summary.table) == 4 and summary.status == ""


def test_model_names_are_escaped_in_the_table(summary, registry):
    registry.update("Most Popular", name="<b>Popular</b>")
    assert "&lt;b&gt;Popular&lt;/b&gt;" in summary.html and "<b>Popular" not in summary.html


def test_a_sims_campaign_declared_as_recommendations_is_flagged_as_a_type_mismatch(
        summary, registry, lab_campaigns, service):
    registry.add(ModelSpec("SIMS as recs", lab_campaigns.campaigns["sims"], "recommendations",
                           3))
    row = summary.table.set_index("name").loc["SIMS as recs"]
    assert row["recipe"] == "aws-sims"
    assert row["status"] == "type mismatch: aws-sims answers similar-items"
    assert f"<td style='{CELL}'>type mismatch: aws-sims answers similar-items</td>" \
        in summary.html
    assert summary.status == (
        "Model 'SIMS as recs' is declared as 'recommendations', but its recipe aws-sims answers "
        "'similar-items' queries: change its type to 'similar-items' in Administration, or "
        "point it to a recommendations campaign.")
    assert summary.table["status"].tolist().count("ACTIVE") == 4 and service.calls == 0
    registry.remove("SIMS as recs")
    assert summary.status == ""


def test_a_name_with_an_emoji_is_charted_without_a_font_warning(summary, registry):
    # pytest turns warnings into errors: matplotlib's "Glyph ... missing from font" would
    # fail the redraw and show in the status line.
    before = bytes(summary._chart.value)
    registry.update("Most Popular", name="🎬 Most Popular")
    assert summary.status == ""
    assert summary.table["name"].tolist()[1] == "🎬 Most Popular"
    after = bytes(summary._chart.value)
    assert after.startswith(b"\x89PNG") and after != before


def test_a_note_says_why_ranking_and_user_personalization_metrics_are_equal(summary,
                                                                            registry):
    assert summary.note == (
        "Personalized-ranking is the user-personalization model asked to order a given list, "
        "so its offline metrics (the whole catalogue ranked) equal those of "
        "user-personalization trained on the same data.")
    assert "Personalized-ranking is the user-personalization model" in summary._note.value
    registry.remove("Personal Ranking")
    assert summary.note == "" and summary._note.value == ""


def _lab_six(registry, lab_campaigns) -> None:
    """The six models of the lab's models.yaml (the two metadata variants on the recs ARN,
    which the registry warns about: same ARN and type as Personal Recommendations)."""
    for name, order in (("Recommendations + demographics", 3),
                        ("Recommendations + item metadata", 4)):
        with pytest.warns(DuplicateModelWarning):
            registry.add(ModelSpec(name, lab_campaigns.campaigns["recs"], "recommendations",
                                   order))


def _overlapping(boxes) -> list[tuple[int, int]]:
    return [(a, b) for a in range(len(boxes)) for b in range(a + 1, len(boxes))
            if boxes[a].overlaps(boxes[b])]


def test_metrics_chart_keeps_the_legend_off_the_bars_and_the_names_apart(summary, registry,
                                                                         lab_campaigns):
    _lab_six(registry, lab_campaigns)
    described = summary.models
    assert len(described) == 6 and summary.status == ""
    figure = metrics_figure(described)
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    ranking, coverage = figure.axes
    plot = ranking.get_window_extent(renderer)
    legend = ranking.get_legend().get_window_extent(renderer)
    assert legend.y0 >= plot.y1  # above the plot area, so no bar is under it
    assert [t.get_text() for t in ranking.get_legend().get_texts()] == [
        "precision@5", "precision@10", "precision@25", "NDCG@10", "MRR@25"]
    names = [t for t in ranking.get_yticklabels() if t.get_text()]
    assert [t.get_text() for t in names] == [i.name for i in described]
    assert _overlapping([t.get_window_extent(renderer) for t in names]) == []
    # the coverage axes share the rows; its own tick labels (0, 0.5, 1) do not overlap either
    ticks = [t for t in coverage.get_xticklabels() if t.get_text()]
    assert [t.get_text() for t in ticks] == ["0", "0.5", "1"]
    assert _overlapping([t.get_window_extent(renderer) for t in ticks]) == []
    assert ranking.get_title() == "ranking metrics (held-out users)"
    assert coverage.get_title() == "coverage"
    title = ranking.title.get_window_extent(renderer)
    assert not title.overlaps(legend)


def test_models_table_scrolls_sideways_and_keeps_recipes_on_one_line(summary, registry,
                                                                     lab_campaigns):
    _lab_six(registry, lab_campaigns)
    markup = summary.html
    assert markup.startswith("<div class='videorecs-models-box' "
                             "style='overflow-x:auto;width:0;min-width:100%'><table ")
    assert "style='border-collapse:collapse;width:max-content'" in markup
    cells = re.findall(r"<t[dh] style='([^']*)'", markup)
    assert len(cells) == 10 * 7 and all("white-space:nowrap;" in c for c in cells)
    assert f"<td style='{CELL}'>aws-popularity-count</td>" in markup


def test_a_failed_campaign_update_is_noted_with_its_reason(catalog, lab_campaigns, tmp_path):
    # A real local campaign whose update failed: the new version's model file is missing, so
    # the campaign stays ACTIVE on the version it served (latestCampaignUpdate: CREATE FAILED).
    from videorecs_widgets import personalize_data
    from videorecs_widgets.clients import personalize_clients
    from videorecs_widgets.local.backend import backend_for
    from videorecs_widgets.local.store import resolve_workspace
    from videorecs_widgets.provision import (
        ensure_campaign,
        ensure_dataset,
        ensure_dataset_group,
        ensure_import_job,
        ensure_schema,
        ensure_solution,
        ensure_solution_version,
    )
    from videorecs_widgets.registry import ModelRegistry
    from videorecs_widgets.results import ResultsService

    workspace = tmp_path / "engine"
    files = personalize_data.write_lab_files(catalog, tmp_path / "data")
    personalize, _ = personalize_clients("local", workspace=workspace)
    schema = ensure_schema(personalize, "s", personalize_data.INTERACTIONS_SCHEMA)
    group = ensure_dataset_group(personalize, "g")
    dataset = ensure_dataset(personalize, group, "Interactions", schema, "i")
    ensure_import_job(personalize, dataset, "imp", str(files["interactions"].resolve()))
    solution = ensure_solution(personalize, group, "pop",
                               "arn:aws:personalize:::recipe/aws-popularity-count")
    served = ensure_solution_version(personalize, solution)
    campaign = ensure_campaign(personalize, "pop-campaign", served)
    retrained = personalize.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    backend = backend_for(resolve_workspace(workspace))
    backend.wait_for_background_work(120)
    backend.store.model_path(retrained).unlink()
    personalize.update_campaign(campaignArn=campaign, solutionVersionArn=retrained)
    backend.wait_for_background_work(120)
    update = personalize.describe_campaign(campaignArn=campaign)["campaign"][
        "latestCampaignUpdate"]
    assert update["status"] == "CREATE FAILED"

    registry = ModelRegistry(tmp_path / "models.yaml")
    registry.add(ModelSpec("Most Popular", campaign, "recommendations", 1))
    service = ResultsService(catalog, workspace=workspace)
    panel = ModelSummary(catalog, registry, results=service)
    (info,) = panel.models
    assert info.status == "ACTIVE" and info.solution_version_arn == served
    assert info.update_failure == update["failureReason"]
    assert panel.table["status"].tolist() == ["ACTIVE (update failed)"]
    reason = update["failureReason"].rstrip(".")
    assert reason.startswith(f"The model file of solution version {retrained} is missing")
    assert panel.note == (
        f"Model 'Most Popular': the campaign's latest update failed ({reason}); it keeps "
        "serving the previous solution version, whose metrics are shown.")
    assert "the campaign&#x27;s latest update failed" in panel._note.value
    assert panel.status == ""
    panel.close()
    service.close()
