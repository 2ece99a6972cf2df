"""The main job: run the lab notebooks 01 to 04 on the embedded engine and save them executed.

``videorecs-widgets lab`` (and ``make lab``) calls :func:`run_lab`. Every notebook gets the same
workspace, registry file and data folder as injected parameters, so notebook 03 explores the
campaigns that notebook 01 trained and notebook 02 registered.
"""

from __future__ import annotations

import os
import re
import tempfile
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

#: The lab's resources, as notebooks 01 and 02 name them (the notebooks spell the names out
#: for readers; build_lab_models makes the same ones without a notebook).
LAB_DATASET_GROUP = "personalize-recs-dataset-group"
LAB_RECIPES = {
    "personalize-lab-recs": "arn:aws:personalize:::recipe/aws-user-personalization",
    "personalize-lab-sims": "arn:aws:personalize:::recipe/aws-sims",
    "personalize-lab-rank": "arn:aws:personalize:::recipe/aws-personalized-ranking",
    "personalize-lab-popularity": "arn:aws:personalize:::recipe/aws-popularity-count",
}
#: registry entry per solution: (model name, type, sort order, description)
LAB_MODELS = {
    "personalize-lab-recs": ("Personal Recommendations", "recommendations", 1,
                             "user-personalization on ratings above 3.6 (the lab's interactions)"),
    "personalize-lab-popularity": ("Most Popular", "recommendations", 2,
                                   "popularity-count: the baseline every model should beat"),
    "personalize-lab-rank": ("Personal Ranking", "personal-ranking", 1,
                             "personalized-ranking on the same interactions"),
    "personalize-lab-sims": ("Similar Items", "similar-items", 1,
                             "SIMS: items often in the same users' histories"),
}

#: Notebook 04's variants, each in a dataset group of its own: variant -> (extra dataset
#: type, its schema's name, the lab file it imports, the registry entry as in LAB_MODELS).
LAB_VARIANTS = {
    "demographics": ("Users", "personalize-lab-users-schema", "users",
                     ("Recommendations + demographics", "recommendations", 3,
                      "user-personalization with the users dataset (age, gender, occupation)")),
    "metadata": ("Items", "personalize-lab-items-schema", "items",
                 ("Recommendations + item metadata", "recommendations", 4,
                  "user-personalization with the items dataset (year, genres)")),
}

_ASSIGNMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*=", re.MULTILINE)


def project_root() -> Path | None:
    """The source checkout this package sits in (it holds pyproject.toml), if any."""
    root = Path(__file__).resolve().parent.parent
    return root if (root / "pyproject.toml").is_file() else None


def find_project(start: str | os.PathLike[str] | None = None) -> Path:
    """The lab's project folder as a notebook finds it from the folder its kernel runs in:
    ``start`` (default: the current folder) or its parent, whichever holds both
    ``models.yaml`` and a ``notebooks/`` folder. So a notebook finds it when Jupyter (or an
    IDE) runs it in ``notebooks/`` or in the project folder itself.

    Raises :class:`InvalidParameterError` when neither does: a relative path such as
    ``../.videorecs`` would otherwise quietly put the engine's state, the data files and the
    registry beside whatever folder the kernel was started in.
    """
    here = (Path.cwd() if start is None else Path(start)).resolve()
    for folder in (here, here.parent):
        if (folder / "models.yaml").is_file() and (folder / "notebooks").is_dir():
            return folder
    raise InvalidParameterError(
        f"The lab's project folder (the one holding models.yaml and notebooks/) is neither "
        f"{str(here)!r}, where this notebook's kernel runs, nor its parent. Run this notebook "
        "from the project's notebooks/ folder (or start Jupyter in the project folder), or "
        "give WORKSPACE, REGISTRY_PATH and LAB_DATA_DIR as absolute paths."
    )


def project_path(value: str | os.PathLike[str], *,
                 start: str | os.PathLike[str] | None = None) -> Path:
    """A lab notebook's path parameter as a path: an absolute one as given, a relative one
    (``"models.yaml"``, ``".videorecs"``, ``"data/lab"``) in the project folder found by
    :func:`find_project` from ``start``, whatever folder the kernel runs in."""
    path = Path(value).expanduser()
    return path if path.is_absolute() else find_project(start) / path


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
    check_build_dir(build_dir)  # before notebook 01 runs for minutes, not after
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


def check_build_dir(build_dir: str | Path) -> None:
    """Create ``build_dir`` if needed and make sure a file can be written in it.

    Raises :class:`~videorecs_widgets.errors.InvalidParameterError` saying why not (a file in
    the way, no permission, ...), naming the folder.
    """
    build_dir = Path(build_dir)
    where = f"Cannot write the executed notebooks to {str(build_dir)!r}"
    if build_dir.exists() and not build_dir.is_dir():
        raise InvalidParameterError(
            f"{where}: it is a file, not a folder; pass --build-dir with a folder.")
    try:
        build_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=build_dir):
            pass  # an existing folder may still be read-only
    except OSError as exc:
        raise InvalidParameterError(
            f"{where}: {exc.strerror or exc}; pass --build-dir with a folder you can write."
        ) from exc


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


def build_lab_models(
    workspace: str | Path,
    registry_path: str | Path,
    *,
    lab_data_dir: str | Path | None = None,
    progress: Callable[[str, str, float], None] | None = None,
) -> dict[str, str]:
    """Notebooks 01, 02 and 04 without a notebook: the lab's six campaigns on the embedded
    engine of ``workspace``, registered in ``registry_path``, under the names the notebooks
    use. Reuses whatever exists.

    Returns model name -> campaign ARN.
    """
    from videorecs_widgets import personalize_data, provision
    from videorecs_widgets.catalog import Catalog
    from videorecs_widgets.clients import personalize_clients
    from videorecs_widgets.registry import ModelRegistry, ModelSpec

    personalize = personalize_clients("local", workspace=workspace).personalize
    catalog = Catalog.from_movielens(fetch=True)
    root = project_root()
    out = Path(lab_data_dir) if lab_data_dir else (
        root / "data" / "lab" if root else Path(workspace) / "lab-data")
    files = personalize_data.write_lab_files(catalog, out)
    schemas = {"interactions": provision.ensure_schema(
        personalize, "personalize-lab-recs-schema", personalize_data.INTERACTIONS_SCHEMA)}
    extra = {"users": personalize_data.USERS_SCHEMA, "items": personalize_data.ITEMS_SCHEMA}
    for _, schema_name, key, _ in LAB_VARIANTS.values():
        schemas[key] = provision.ensure_schema(personalize, schema_name, extra[key])

    def filled_group(name: str, datasets: list[tuple[str, str, str, str]]) -> str:
        group = provision.ensure_dataset_group(personalize, name, progress=progress)
        for dataset_type, key, dataset_name, job_name in datasets:
            dataset = provision.ensure_dataset(personalize, group, dataset_type, schemas[key],
                                               dataset_name, progress=progress)
            provision.ensure_import_job(personalize, dataset, job_name,
                                        str(Path(files[key]).resolve()), progress=progress)
        return group

    # (solution name, recipe, dataset group, registry entry), in the notebooks' order
    planned = []
    group = filled_group(LAB_DATASET_GROUP, [("Interactions", "interactions",
                                              "personalize-recs-interactions",
                                              "personalize-recs-import")])
    for solution_name, recipe in LAB_RECIPES.items():
        planned.append((solution_name, recipe, group, LAB_MODELS[solution_name]))
    for variant, (dataset_type, _, key, entry) in LAB_VARIANTS.items():
        group = filled_group(f"personalize-recs-{variant}", [
            (kind, file_key, f"personalize-{variant}-{kind.lower()}",
             f"personalize-{variant}-{kind.lower()}-import")
            for kind, file_key in (("Interactions", "interactions"), (dataset_type, key))
        ])
        planned.append((f"personalize-lab-{variant}", LAB_RECIPES["personalize-lab-recs"],
                        group, entry))

    registry = ModelRegistry(registry_path)
    arns = {}
    for solution_name, recipe, group, entry in planned:
        solution = provision.ensure_solution(personalize, group, solution_name, recipe)
        version = provision.ensure_solution_version(personalize, solution, progress=progress)
        campaign = provision.ensure_campaign(personalize, f"{solution_name}-campaign", version,
                                             progress=progress)
        name, model_type, sort_order, description = entry
        spec = ModelSpec(name, campaign, model_type, sort_order, description)
        if name not in registry.names:
            registry.add(spec)
        elif registry.get(name) != spec:
            registry.update(name, arn=campaign, type=model_type, sort_order=sort_order,
                            description=description)
        arns[name] = campaign
    return arns
