"""The main job: run the lab notebooks 01 to 04 on the embedded engine and save them executed.

``videorecs-widgets lab`` (and ``make lab``) calls :func:`run_lab`. Every notebook gets the same
workspace, registry file and data folder as injected parameters, so notebook 03 explores the
campaigns that notebook 01 trained and notebook 02 registered.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import nbformat

from videorecs_widgets.errors import InvalidParameterError
from videorecs_widgets.notebook_runner import NotebookRun, execute_notebook

LAB_NOTEBOOKS = (
    "01_build_models.ipynb",
    "02_plug_in_models.ipynb",
    "03_explore.ipynb",
    "04_metadata_models.ipynb",
)

_ASSIGNMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*=", re.MULTILINE)


def project_root() -> Path | None:
    """The source checkout this package sits in (it holds pyproject.toml), if any."""
    root = Path(__file__).resolve().parent.parent
    return root if (root / "pyproject.toml").is_file() else None


def declared_parameters(nb: nbformat.NotebookNode) -> list[str]:
    """Names assigned in the notebook's cell tagged ``parameters``."""
    for cell in nb.cells:
        if "parameters" in cell.metadata.get("tags", []):
            return _ASSIGNMENT.findall(cell.source)
    return []


def lab_parameters(root: Path) -> dict[str, Any]:
    """What the main job injects: the embedded engine, state and files in the checkout."""
    return {
        "BACKEND": "local",
        "WORKSPACE": str(root / ".videorecs"),
        "REGISTRY_PATH": str(root / "models.yaml"),
        "LAB_DATA_DIR": str(root / "data" / "lab"),
    }


def run_lab(
    notebooks_dir: str | Path | None = None,
    build_dir: str | Path | None = None,
    *,
    parameters: Mapping[str, Any] | None = None,
    notebooks: Sequence[str] = LAB_NOTEBOOKS,
    echo: Callable[[str], None] = print,
) -> list[NotebookRun]:
    """Execute the lab notebooks in order; returns what each produced.

    Each notebook receives the subset of ``parameters`` its ``parameters`` cell declares; the
    executed copies (widget state included) go to ``build_dir``.
    """
    root = project_root()
    if notebooks_dir is None:
        if root is None:
            raise InvalidParameterError(
                "No notebooks folder given and this installation is not a source checkout; "
                "pass notebooks_dir (the lab's notebooks/ folder)."
            )
        notebooks_dir = root / "notebooks"
    notebooks_dir = Path(notebooks_dir)
    build_dir = Path(build_dir) if build_dir is not None else notebooks_dir.parent / "build"
    if parameters is None:
        parameters = lab_parameters(notebooks_dir.parent)
    runs = []
    for name in notebooks:
        source = notebooks_dir / name
        if not source.is_file():
            raise InvalidParameterError(f"Lab notebook {name!r} is missing from {notebooks_dir}.")
        declared = declared_parameters(nbformat.read(source, as_version=4))
        injected = {k: v for k, v in parameters.items() if k in declared}
        echo(f"Running {name} ...")
        run = execute_notebook(source, build_dir / name, parameters=injected)
        echo(f"  done in {run.seconds:.1f} s -> {run.output}")
        runs.append(run)
    return runs


def metrics_table(registry_path: str | Path, workspace: str | Path | None = None):
    """The model summary's table for the registry at ``registry_path``: one row per model with
    recipe, status and offline metrics (the same numbers the ModelSummary panel shows)."""
    from videorecs_widgets.catalog import Catalog
    from videorecs_widgets.registry import ModelRegistry
    from videorecs_widgets.results import SUMMARY_TYPE_ORDER, ResultsService, summary_table

    registry = ModelRegistry(registry_path)
    service = ResultsService(Catalog.from_movielens(), workspace=workspace)
    try:
        specs = [spec for t in SUMMARY_TYPE_ORDER for spec in registry.of_type(t)]
        return summary_table(service.describe_all(specs))
    finally:
        service.close()
