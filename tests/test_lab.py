import nbformat
import pytest

from videorecs_widgets.cli import main
from videorecs_widgets.clients import personalize_clients
from videorecs_widgets.errors import InvalidParameterError
from videorecs_widgets.lab import build_lab_models, declared_parameters, run_lab
from videorecs_widgets.registry import ModelRegistry


def test_build_lab_models_makes_the_four_campaigns_and_registers_them(tmp_path, ml100k_dir):
    workspace, registry_path = tmp_path / "ws", tmp_path / "models.yaml"
    arns = build_lab_models(workspace, registry_path, lab_data_dir=tmp_path / "lab")
    assert sorted(arns) == ["Most Popular", "Personal Ranking", "Personal Recommendations",
                            "Similar Items"]
    registry = ModelRegistry(registry_path)
    assert [m.name for m in registry.of_type("recommendations")] == [
        "Personal Recommendations", "Most Popular"]
    assert registry.get("Similar Items").arn == arns["Similar Items"]
    clients = personalize_clients("local", workspace=workspace)
    checks = {c.name: c for c in registry.check(clients)}
    assert all(c.ok for c in checks.values()), [c.message for c in checks.values()]
    assert checks["Similar Items"].recipe_name == "aws-sims"

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
