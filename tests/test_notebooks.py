"""The four lab notebooks, executed in order with nbclient on the embedded engine.

They run in a temporary workspace with a temporary registry and data folder (injected as
parameters, as the main job does), so the checkout's models.yaml is never touched; the registry
starts as a copy of the committed models.yaml, as `make lab` finds it.
"""

from __future__ import annotations

import json
import shutil

import nbformat
import pytest
import yaml

from videorecs_widgets.clients import personalize_clients
from videorecs_widgets.errors import InvalidParameterError
from videorecs_widgets.lab import LAB_NOTEBOOKS, find_project, project_path, project_root, run_lab
from videorecs_widgets.notebook_runner import (
    WIDGET_STATE_MIME,
    NotebookExecutionError,
    execute_notebook,
)
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
    shutil.copy(project_root() / "models.yaml", parameters["REGISTRY_PATH"])
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


def test_make_lab_leaves_the_committed_models_yaml_unchanged(lab):
    parameters, _ = lab
    # The committed file lists the six models the lab builds, as the lab writes them.
    with open(parameters["REGISTRY_PATH"], encoding="utf-8") as fh:
        assert fh.read() == (project_root() / "models.yaml").read_text(encoding="utf-8")


def test_plug_in_notebook_says_notebook_04_builds_its_two_models(lab):
    _, notebooks = lab
    text = _text(_cell(notebooks["02_plug_in_models.ipynb"], "registry.check(personalize)"))
    # 02 runs before 04: the check still reports NOT_FOUND for them, and says why.
    assert ("Not built yet: 'Recommendations + demographics', 'Recommendations + item "
            "metadata'. Notebook 04 builds them; until it has run, NOT_FOUND is expected for "
            "these two.") in text
    assert text.count("NOT_FOUND") >= 2 and "<td>notebook 04</td>" in text


def test_metadata_notebook_counts_what_demographics_change_for_the_cold_user(lab):
    _, notebooks = lab
    nb = notebooks["04_metadata_models.ipynb"]
    text = _text(_cell(nb, "COLD_USER = "))
    shared = int(text.split("Overlap(shared=")[1].split(",")[0])
    assert (f"{shared} of the demographics model's 25 films are also in the interactions-only "
            f"list; {25 - shared} are films of her group instead, such as '") in text
    prose = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "instead of the overall most popular ones" not in prose


def test_explore_notebook_states_the_lab_threshold_as_the_other_notebooks_do():
    nb = nbformat.read(project_root() / "notebooks" / "03_explore.ipynb", as_version=4)
    prose = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "3.5" not in prose and "4- and 5-star ratings, the ratings above 3.6" in prose


# ---- where the notebooks find the project, and run out of order -----------------------------

def _project_copy(root):
    """A project folder as a fresh clone has it: the notebooks and the committed models.yaml."""
    shutil.copytree(project_root() / "notebooks", root / "notebooks")
    shutil.copy(project_root() / "models.yaml", root / "models.yaml")
    return root


def test_project_path_is_found_from_notebooks_or_the_project_folder(tmp_path):
    project = _project_copy(tmp_path / "lab")
    assert find_project(project / "notebooks") == project.resolve()
    assert find_project(project) == project.resolve()
    assert project_path("models.yaml", start=project / "notebooks") == \
        project.resolve() / "models.yaml"
    assert project_path(str(tmp_path / "x"), start=tmp_path) == tmp_path / "x"  # as given
    (tmp_path / "elsewhere").mkdir()
    with pytest.raises(InvalidParameterError) as info:
        project_path(".videorecs", start=tmp_path / "elsewhere")
    assert str(info.value) == (
        "The lab's project folder (the one holding models.yaml and notebooks/) is neither "
        f"{str((tmp_path / 'elsewhere').resolve())!r}, where this notebook's kernel runs, nor "
        "its parent. Run this notebook from the project's notebooks/ folder (or start Jupyter "
        "in the project folder), or give WORKSPACE, REGISTRY_PATH and LAB_DATA_DIR as absolute "
        "paths.")


def test_build_notebook_run_outside_the_project_stops_before_writing(tmp_path, ml100k_dir):
    elsewhere = tmp_path / "somewhere" / "else"
    elsewhere.mkdir(parents=True)
    with pytest.raises(NotebookExecutionError) as info:
        execute_notebook(project_root() / "notebooks" / "01_build_models.ipynb",
                         tmp_path / "01.ipynb", cwd=elsewhere)
    assert "InvalidParameterError: The lab's project folder" in str(info.value)
    assert "Run this notebook from the project's notebooks/ folder" in str(info.value)
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["01.ipynb", "else", "somewhere"]


@pytest.fixture(scope="module")
def fresh_clone(tmp_path_factory, ml100k_dir):
    """Notebooks 02, 03 and 04 run in a fresh clone (no notebook 01 yet), with their default
    paths: 02 and 04 in notebooks/, 03 in the project folder itself."""
    project = _project_copy(tmp_path_factory.mktemp("clone"))
    errors = {}
    for name, cwd in (("02_plug_in_models.ipynb", project / "notebooks"),
                      ("03_explore.ipynb", project),
                      ("04_metadata_models.ipynb", project / "notebooks")):
        with pytest.raises(NotebookExecutionError) as info:
            execute_notebook(project / "notebooks" / name, project / "build" / name, cwd=cwd)
        errors[name] = str(info.value)
    return project, errors


def test_plug_in_notebook_before_notebook_01_says_to_run_it(fresh_clone):
    _, errors = fresh_clone
    assert "LookupError: No campaign 'personalize-lab-recs-campaign', " in errors[
        "02_plug_in_models.ipynb"]
    assert "'personalize-lab-sims-campaign': run notebook 01 first. (the executed" in errors[
        "02_plug_in_models.ipynb"]


def test_explore_notebook_before_notebooks_01_and_02_says_to_run_them(fresh_clone):
    project, errors = fresh_clone
    assert (
        "LookupError: Nothing to explore yet: no campaign for 'Personal Recommendations', "
        "'Most Popular', 'Personal Ranking', 'Similar Items' (in "
        f"{project.resolve() / '.videorecs'} for the embedded engine). Run notebooks 01 and 02 "
        "first: 01 trains the models, 02 registers them.") in errors["03_explore.ipynb"]
    nb = nbformat.read(project / "build" / "03_explore.ipynb", as_version=4)
    ran = [c for c in nb.cells if c.cell_type == "code" and c.execution_count is not None]
    assert "registry.check(" in ran[-1].source  # it stopped there, before any panel


def test_metadata_notebook_before_notebook_01_stops_before_training(fresh_clone):
    project, errors = fresh_clone
    assert ("LookupError: No campaign 'personalize-lab-recs-campaign': run notebook 01 first."
            in errors["04_metadata_models.ipynb"])
    personalize, _ = personalize_clients("local", workspace=project / ".videorecs")
    assert personalize.list_dataset_groups()["datasetGroups"] == []
    assert not (project / "data").exists()  # not even the data files were written
    assert (project / "models.yaml").read_bytes() == (project_root() / "models.yaml").read_bytes()


def test_build_notebook_on_aws_without_credentials_stops_at_the_client_cell(
        tmp_path, no_aws_credentials):
    # The kernel inherits the fixture's environment: no credentials anywhere.
    with pytest.raises(NotebookExecutionError) as info:
        execute_notebook(project_root() / "notebooks" / "01_build_models.ipynb",
                         tmp_path / "01.ipynb",
                         parameters={"BACKEND": "aws", "WORKSPACE": str(tmp_path / "unused"),
                                     "LAB_DATA_DIR": str(tmp_path / "lab-data")})
    assert ("AwsCredentialsError: Creating Personalize clients for AWS failed: no AWS "
            "credentials were found. Set AWS_PROFILE") in str(info.value)
    nb = nbformat.read(tmp_path / "01.ipynb", as_version=4)
    ran = [c for c in nb.cells if c.cell_type == "code" and c.execution_count is not None]
    assert "personalize_clients(BACKEND" in ran[-1].source
    assert "Amazon Personalize in" not in _text(ran[-1])


def test_build_notebook_on_aws_with_a_missing_profile_names_it_at_the_client_cell(
        tmp_path, monkeypatch, no_aws_credentials):
    monkeypatch.setenv("AWS_PROFILE", "nosuch")
    with pytest.raises(NotebookExecutionError) as info:
        execute_notebook(project_root() / "notebooks" / "01_build_models.ipynb",
                         tmp_path / "01.ipynb",
                         parameters={"BACKEND": "aws", "WORKSPACE": str(tmp_path / "unused"),
                                     "LAB_DATA_DIR": str(tmp_path / "lab-data")})
    assert ("AwsCredentialsError: Creating Personalize clients for AWS failed: the AWS profile "
            "'nosuch' (set by AWS_PROFILE) does not exist") in str(info.value)
    nb = nbformat.read(tmp_path / "01.ipynb", as_version=4)
    ran = [c for c in nb.cells if c.cell_type == "code" and c.execution_count is not None]
    assert "personalize_clients(BACKEND" in ran[-1].source
