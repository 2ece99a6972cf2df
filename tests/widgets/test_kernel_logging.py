"""A failing panel in a real kernel: a short status line in the panel, no traceback under the
cell, and the full traceback for a user who configures logging."""

from __future__ import annotations

import nbformat

from videorecs_widgets.notebook_runner import execute_notebook

MISSING_ARN = "arn:aws:personalize:local:000000000000:campaign/no-such-campaign"


def _stream_text(cell: nbformat.NotebookNode, name: str) -> str:
    return "".join(o.get("text", "") for o in cell.outputs
                   if o.output_type == "stream" and o.name == name)


def test_a_failing_model_in_a_kernel_prints_no_traceback_unless_logging_is_configured(
        ml100k_dir, tmp_path):
    setup = f"""
from videorecs_widgets import Catalog, ModelRegistry, ModelSpec, RecommendationsPanel
catalog = Catalog.from_movielens({str(ml100k_dir.parent)!r})
registry = ModelRegistry({str(tmp_path / "models.yaml")!r})
registry.add(ModelSpec("Gone", {MISSING_ARN!r}, "recommendations", 1))
panel = RecommendationsPanel(catalog, registry, user_id="196",
                             workspace={str(tmp_path / "engine")!r})
"""
    fail = 'panel.select_models("Gone")\nprint(panel.status)'
    configured = ("import logging, sys\n"
                  "logging.basicConfig(stream=sys.stderr, level=logging.WARNING)\n"
                  "panel.refresh()")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(s) for s in (setup, fail, configured)]
    source = tmp_path / "quiet.ipynb"
    nbformat.write(nb, source)

    cells = execute_notebook(source, tmp_path / "quiet-out.ipynb").notebook.cells

    assert _stream_text(cells[0], "stderr") == ""
    assert _stream_text(cells[1], "stderr") == ""
    assert [o.output_type for o in cells[1].outputs] == ["stream"]
    assert _stream_text(cells[1], "stdout").startswith("Model 1: Model 'Gone': ")
    logged = _stream_text(cells[2], "stderr")
    assert logged.startswith("WARNING:videorecs_widgets.results:Model 'Gone' "
                             f"({MISSING_ARN}) failed on a user query\nTraceback ")
    assert logged.endswith(
        "botocore.errorfactory.ResourceNotFoundException: An error occurred "
        "(ResourceNotFoundException) when calling the GetRecommendations operation: Resource "
        f"Arn {MISSING_ARN} does not exist.\n")
