from pathlib import Path

import nbformat
import pytest

from videorecs_widgets.cli import main
from videorecs_widgets.clients import personalize_clients
from videorecs_widgets.errors import InvalidParameterError
from videorecs_widgets.lab import build_lab_models, declared_parameters, project_root, run_lab
from videorecs_widgets.registry import ModelRegistry
from videorecs_widgets.serve import lab_models_missing


def test_build_lab_models_makes_the_six_campaigns_and_registers_them(tmp_path, ml100k_dir):
    workspace, registry_path = tmp_path / "ws", tmp_path / "models.yaml"
    arns = build_lab_models(workspace, registry_path, lab_data_dir=tmp_path / "lab")
    assert sorted(arns) == ["Most Popular", "Personal Ranking", "Personal Recommendations",
                            "Recommendations + demographics", "Recommendations + item metadata",
                            "Similar Items"]
    registry = ModelRegistry(registry_path)
    assert [m.name for m in registry.of_type("recommendations")] == [
        "Personal Recommendations", "Most Popular", "Recommendations + demographics",
        "Recommendations + item metadata"]
    assert registry.get("Similar Items").arn == arns["Similar Items"]
    # What the full lab leaves in the checkout's models.yaml, so a fresh checkout's app finds
    # every model it lists.
    assert registry.models == ModelRegistry(project_root() / "models.yaml").models
    assert lab_models_missing(workspace, project_root() / "models.yaml") is None
    clients = personalize_clients("local", workspace=workspace)
    checks = {c.name: c for c in registry.check(clients)}
    assert all(c.ok for c in checks.values()), [c.message for c in checks.values()]
    assert checks["Similar Items"].recipe_name == "aws-sims"
    assert checks["Recommendations + demographics"].recipe_name == "aws-user-personalization"
    groups = {g["name"] for g in clients.personalize.list_dataset_groups()["datasetGroups"]}
    assert groups == {"personalize-recs-dataset-group", "personalize-recs-demographics",
                      "personalize-recs-metadata"}
    # The demographics model answers a user without history from people like her.
    runtime = clients.runtime
    cold = {name: [e["itemId"] for e in runtime.get_recommendations(
        campaignArn=arns[name], userId="685", numResults=10)["itemList"]]
        for name in ("Personal Recommendations", "Recommendations + demographics")}
    assert cold["Personal Recommendations"] != cold["Recommendations + demographics"]

    personalize = clients.personalize
    before = personalize.list_solutions()["solutions"]
    saved = registry_path.read_bytes()
    assert build_lab_models(workspace, registry_path, lab_data_dir=tmp_path / "lab") == arns
    assert personalize.list_solutions()["solutions"] == before  # reused, nothing new
    for solution in before:
        versions = personalize.list_solution_versions(solutionArn=solution["solutionArn"])
        assert len(versions["solutionVersions"]) == 1
    assert registry_path.read_bytes() == saved


def test_declared_parameters_reads_the_parameters_cell():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("A = 1"),
                nbformat.v4.new_code_cell('BACKEND = "local"  # or "aws"\nN = 3\n  X = 2',
                                          metadata={"tags": ["parameters"]})]
    assert declared_parameters(nb) == ["BACKEND", "N"]


def test_run_lab_names_a_missing_notebook(tmp_path):
    with pytest.raises(InvalidParameterError, match="'01_build_models.ipynb' is missing"):
        run_lab(tmp_path, tmp_path / "build", parameters={})


def test_cli_lab_reports_a_missing_notebook_without_traceback(tmp_path, capsys, ml100k_dir):
    code = main(["lab", "--notebooks", str(tmp_path / "nowhere"),
                 "--build-dir", str(tmp_path / "build")])
    err = capsys.readouterr().err
    assert code == 2
    assert "videorecs-widgets lab: Lab notebook '01_build_models.ipynb' is missing" in err
    assert "Traceback" not in err


def test_cli_lab_refuses_a_build_dir_that_is_a_file_before_running(tmp_path, capsys, ml100k_dir):
    build = tmp_path / "build"
    build.write_text("not a folder")
    code = main(["lab", "--build-dir", str(build)])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.err == (
        f"videorecs-widgets lab: Cannot write the executed notebooks to {str(build)!r}: it is "
        "a file, not a folder; pass --build-dir with a folder.\n")
    assert "Running" not in captured.out


def test_cli_lab_refuses_a_build_dir_it_cannot_write_before_running(tmp_path, capsys,
                                                                   monkeypatch, ml100k_dir):
    build = tmp_path / "locked" / "build"

    def refuse(self, *args, **kwargs):  # what mkdir does in a folder the user may not write
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "mkdir", refuse)
    code = main(["lab", "--build-dir", str(build)])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.err == (
        f"videorecs-widgets lab: Cannot write the executed notebooks to {str(build)!r}: "
        "Permission denied; pass --build-dir with a folder you can write.\n")
    assert "Running" not in captured.out
