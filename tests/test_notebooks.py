"""The four lab notebooks, executed in order with nbclient on the embedded engine.

They run in a temporary workspace with a temporary registry and data folder (injected as
parameters, as the main job does), so the checkout's models.yaml is never touched.
"""

from __future__ import annotations

import json
import shutil

import nbformat
import pytest
import yaml

from videorecs_widgets.clients import personalize_clients
from videorecs_widgets.lab import LAB_NOTEBOOKS, project_root, run_lab
from videorecs_widgets.notebook_runner import WIDGET_STATE_MIME, execute_notebook
from videorecs_widgets.registry import ModelRegistry

METRIC_NAMES = [
    "coverage",
    "mean_reciprocal_rank_at_25",
    "normalized_discounted_cumulative_gain_at_10",
    "normalized_discounted_cumulative_gain_at_25",
    "normalized_discounted_cumulative_gain_at_5",
    "precision_at_10",
    "precision_at_25",
    "precision_at_5",
]


@pytest.fixture(scope="module")
def lab(tmp_path_factory, ml100k_dir):
    tmp = tmp_path_factory.mktemp("lab")
    parameters = {
        "BACKEND": "local",
        "WORKSPACE": str(tmp / "workspace"),
        "REGISTRY_PATH": str(tmp / "models.yaml"),
        "LAB_DATA_DIR": str(tmp / "lab-data"),
    }
    runs = run_lab(project_root() / "notebooks", tmp / "build", parameters=parameters,
                   echo=lambda _line: None)
    notebooks = {run.source.name: nbformat.read(run.output, as_version=4) for run in runs}
    return parameters, notebooks


def _cell(nb, needle: str):
    return next(c for c in nb.cells if c.cell_type == "code" and needle in c.source)


def _text(cell) -> str:
    parts = []
    for out in cell.outputs:
        parts.append(out.get("text", ""))
        data = out.get("data", {})
        parts.append(data.get("text/plain", ""))
        parts.append(data.get("text/html", ""))
    return "\n".join(parts)


def test_committed_notebooks_are_clean_and_on_python3():
    for name in LAB_NOTEBOOKS:
        nb = nbformat.read(project_root() / "notebooks" / name, as_version=4)
        nbformat.validate(nb)
        assert nb.metadata.kernelspec.name == "python3", name
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert all(not c.outputs and c.execution_count is None for c in code), name
        assert any("parameters" in c.metadata.get("tags", []) for c in code), name


def test_every_cell_ran_without_error(lab):
    _, notebooks = lab
    assert list(notebooks) == list(LAB_NOTEBOOKS)
    for name, nb in notebooks.items():
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            assert cell.execution_count is not None, (name, cell.source[:60])
            assert not [o for o in cell.outputs if o.output_type == "error"], name


def _metrics_of(personalize, solution_name: str) -> dict[str, float]:
    solutions = personalize.list_solutions()["solutions"]
    arn = next(s["solutionArn"] for s in solutions if s["name"] == solution_name)
    (version,) = personalize.list_solution_versions(solutionArn=arn)["solutionVersions"]
    return personalize.get_solution_metrics(
        solutionVersionArn=version["solutionVersionArn"])["metrics"]


def test_metrics_table_has_the_eight_metrics_with_the_engine_values(lab):
    parameters, notebooks = lab
    cell = _cell(notebooks["01_build_models.ipynb"], "get_solution_metrics")
    html = cell.outputs[0]["data"]["text/html"]
    personalize, _ = personalize_clients("local", workspace=parameters["WORKSPACE"])
    assert len(personalize.list_solutions()["solutions"]) == 6  # 4 of notebook 01, 2 of 04
    for name in METRIC_NAMES:
        assert f"<th>{name}</th>" in html
    metrics = _metrics_of(personalize, "personalize-lab-recs")
    assert sorted(metrics) == METRIC_NAMES
    for name, value in metrics.items():
        assert 0.0 < value <= 1.0, name
        assert f"{value:.4f}" in html, name
    popularity = _metrics_of(personalize, "personalize-lab-popularity")
    assert metrics["precision_at_10"] > 1.5 * popularity["precision_at_10"]


def test_first_recommendations_show_film_titles(lab, ml100k_dir):
    from videorecs_widgets.catalog import Catalog

    parameters, notebooks = lab
    text = _text(_cell(notebooks["01_build_models.ipynb"], "get_recommendations("))
    assert "Top 10 for user 196:" in text
    personalize, runtime = personalize_clients("local", workspace=parameters["WORKSPACE"])
    campaign = next(c["campaignArn"] for c in personalize.list_campaigns()["campaigns"]
                    if c["name"] == "personalize-lab-recs-campaign")
    items = runtime.get_recommendations(campaignArn=campaign, userId="196",
                                        numResults=10)["itemList"]
    catalog = Catalog.from_movielens(ml100k_dir)
    titles = [catalog.movie(i["itemId"])["title"] for i in items]
    assert len(titles) == 10
    # the lab's interactions are the ratings above 3.6: none of those comes back
    liked = {item for item, stars in catalog.ratings_of("196").items() if stars > 3.6}
    assert len(liked) == 22
    assert not liked & {i["itemId"] for i in items}
    for title in titles:
        assert title in text


def test_models_yaml_holds_the_lab_models(lab):
    parameters, _ = lab
    with open(parameters["REGISTRY_PATH"], encoding="utf-8") as fh:
        models = yaml.safe_load(fh)["models"]
    by_name = {m["name"]: m for m in models}
    assert set(by_name) == {
        "Personal Recommendations", "Most Popular", "Personal Ranking", "Similar Items",
        "Recommendations + demographics", "Recommendations + item metadata",
    }
    assert by_name["Similar Items"]["type"] == "similar-items"
    assert by_name["Similar Items"]["arn"].endswith(":campaign/personalize-lab-sims-campaign")
    assert by_name["Personal Ranking"]["type"] == "personal-ranking"
    assert all(m["arn"].startswith("arn:aws:personalize:local:") for m in models)


def test_the_sims_campaign_declared_as_ranking_is_refused(lab):
    _, notebooks = lab
    text = _text(_cell(notebooks["02_plug_in_models.ipynb"], "SIMS declared as ranking"))
    assert "Refused:" in text
    assert "aws-sims answers 'similar-items'" in text
    assert "SIMS declared as ranking" not in text.split("Models in the registry:")[1]


def test_saved_notebooks_carry_widget_state_for_the_panels(lab):
    _, notebooks = lab
    for name in ("02_plug_in_models.ipynb", "03_explore.ipynb"):
        state = notebooks[name].metadata["widgets"][WIDGET_STATE_MIME]["state"]
        assert len(state) > 50, name
    state = json.dumps(notebooks["03_explore.ipynb"].metadata["widgets"])
    # the comparison panel's cards and the ranking panel's Horror films are in the saved state
    assert "Groundhog Day" in state
    assert "Young Frankenstein" in state and "Psycho" in state


def test_metadata_notebook_answers_a_user_without_history_from_demographics(lab):
    _, notebooks = lab
    text = _text(_cell(notebooks["04_metadata_models.ipynb"], "COLD_USER = "))
    assert "'gender': 'F'" in text and "'occupation': 'librarian'" in text
    shared = int(text.split("Overlap(shared=")[1].split(",")[0])
    assert shared < 25  # not the global popularity list the interactions-only model gives


def test_explore_notebook_compares_two_models_for_the_chosen_user(lab):
    _, notebooks = lab
    nb = notebooks["03_explore.ipynb"]
    text = _text(_cell(nb, "side_by_side = "))
    assert "Overlap(shared=" in text
    assert "Personal Recommendations" in text and "Most Popular" in text
    assert "Star Wars" in text  # the most popular film of ML-100k heads the baseline
    assert "Starting film: Stand by Me" in _text(_cell(nb, "similar.set_ordering("))


def test_metadata_notebook_cleans_up_its_own_dataset_groups_when_asked(lab, tmp_path):
    parameters, _ = lab
    # A copy of the lab's state, so the other tests keep theirs.
    workspace, registry_path = tmp_path / "workspace", tmp_path / "models.yaml"
    shutil.copytree(parameters["WORKSPACE"], workspace, symlinks=True)
    shutil.copy(parameters["REGISTRY_PATH"], registry_path)
    run = execute_notebook(
        project_root() / "notebooks" / "04_metadata_models.ipynb", tmp_path / "04.ipynb",
        parameters={**parameters, "WORKSPACE": str(workspace),
                    "REGISTRY_PATH": str(registry_path), "CLEAN_UP": True},
        cwd=project_root() / "notebooks")
    nb = nbformat.read(run.output, as_version=4)
    assert "Deleted 10 resources; removed 2 models from" in _text(
        _cell(nb, "if CLEAN_UP:"))
    personalize, _ = personalize_clients("local", workspace=workspace)
    groups = {g["name"] for g in personalize.list_dataset_groups()["datasetGroups"]}
    assert groups == {"personalize-recs-dataset-group"}  # notebook 01's is left to its clean-up
    assert ModelRegistry(registry_path).names == [
        "Personal Recommendations", "Most Popular", "Personal Ranking", "Similar Items"]
