import nbformat
import pytest

from videorecs_widgets.notebook_runner import (
    NotebookExecutionError,
    execute_notebook,
    has_widget_state,
    inject_parameters,
)


def _notebook(*sources: str, tags: dict[int, list[str]] | None = None):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3", "display_name": "Python 3", "language": "python",
    }
    for i, src in enumerate(sources):
        nb.cells.append(nbformat.v4.new_code_cell(src, metadata={"tags": (tags or {}).get(i, [])}))
    return nb


def test_inject_parameters_goes_after_the_parameters_cell():
    nb = _notebook("import os", "X = 1", "print(X)", tags={1: ["parameters"]})
    inject_parameters(nb, {"X": 5, "NAME": "a'b"})
    tags = [c.metadata.get("tags") for c in nb.cells]
    assert tags == [[], ["parameters"], ["injected-parameters"], []]
    assert "X = 5" in nb.cells[2].source and "NAME = \"a'b\"" in nb.cells[2].source


def test_inject_parameters_refuses_non_literals():
    nb = _notebook("X = 1", tags={0: ["parameters"]})
    with pytest.raises(ValueError, match="Invalid value for parameter 'X'"):
        inject_parameters(nb, {"X": object()})


def test_execute_notebook_runs_with_parameters_and_stores_widget_state(tmp_path):
    nb = _notebook(
        "X = 1",
        "import ipywidgets as w\nbox = w.IntSlider(value=X * 2)\nbox",
        "print('X is', X)",
        tags={0: ["parameters"]},
    )
    src = tmp_path / "demo.ipynb"
    nbformat.write(nb, src)
    run = execute_notebook(src, tmp_path / "out" / "demo.ipynb", parameters={"X": 21})
    outputs = run.notebook.cells[-1].outputs
    assert outputs[0]["text"] == "X is 21\n"
    assert has_widget_state(nbformat.read(run.output, as_version=4))
    state = run.notebook.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    assert any(m["state"].get("value") == 42 for m in state.values())


def test_execute_notebook_failure_names_notebook_and_keeps_output(tmp_path):
    src = tmp_path / "bad.ipynb"
    nbformat.write(_notebook("1 / 0"), src)
    out = tmp_path / "bad-out.ipynb"
    with pytest.raises(NotebookExecutionError) as info:
        execute_notebook(src, out)
    assert str(info.value).startswith("Notebook bad.ipynb failed: ZeroDivisionError: division by")
    assert "\x1b[" not in str(info.value)
    saved = nbformat.read(out, as_version=4)
    assert saved.cells[0].outputs[0]["ename"] == "ZeroDivisionError"
