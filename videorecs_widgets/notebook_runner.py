"""Execute the lab notebooks with nbclient, parameters injected as papermill does.

A notebook's cell tagged ``parameters`` holds its defaults; :func:`execute_notebook` inserts a
cell tagged ``injected-parameters`` right after it, so the defaults stay visible and the values
used are recorded in the saved notebook. Widget state is stored in the saved notebook, so the
panels render in any viewer that shows ipywidgets.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from videorecs_widgets.errors import InvalidParameterError, VideorecsError

log = logging.getLogger(__name__)

WIDGET_STATE_MIME = "application/vnd.jupyter.widget-state+json"
_ANSI = re.compile(r"\x1b\[[0-9;]*m")  # IPython colours tracebacks; the message is plain text


class NotebookExecutionError(VideorecsError):
    """A lab notebook stopped on an error; the message names the notebook and the cell."""


@dataclass(frozen=True)
class NotebookRun:
    """What one executed notebook produced."""

    source: Path
    output: Path
    seconds: float
    notebook: nbformat.NotebookNode


def inject_parameters(nb: nbformat.NotebookNode, parameters: Mapping[str, Any]) -> None:
    """Insert ``parameters`` as a code cell after the cell tagged ``parameters``.

    Values are written with ``repr``, so only plain Python literals (str, int, float, bool,
    None, lists and dicts of them) are accepted.
    """
    if not parameters:
        return
    for name, value in parameters.items():
        if not name.isidentifier():
            raise InvalidParameterError(
                f"Invalid parameter name {name!r}: it must be a Python identifier."
            )
        _check_literal(name, value)
    source = "# Parameters injected by videorecs-widgets\n" + "\n".join(
        f"{name} = {value!r}" for name, value in parameters.items()
    )
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": ["injected-parameters"]})
    tagged = [i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])]
    index = tagged[0] if tagged else -1
    nb.cells.insert(index + 1, cell)


def _check_literal(name: str, value: Any) -> None:
    if value is None or isinstance(value, (str, int, float, bool)):
        return
    if isinstance(value, (list, tuple)):
        for v in value:
            _check_literal(name, v)
        return
    if isinstance(value, dict):
        for k, v in value.items():
            _check_literal(name, k)
            _check_literal(name, v)
        return
    raise InvalidParameterError(
        f"Invalid value for parameter {name!r}: {value!r} is a {type(value).__name__}; "
        "only str, int, float, bool, None, lists and dicts of them can be injected."
    )


def execute_notebook(
    source: str | Path,
    output: str | Path,
    *,
    parameters: Mapping[str, Any] | None = None,
    cwd: str | Path | None = None,
    timeout: int = 1200,
    kernel_name: str = "python3",
) -> NotebookRun:
    """Run ``source`` top to bottom and write the executed copy to ``output``.

    The notebook runs in ``cwd`` (default: its own folder). On a cell error the executed
    notebook, error included, is still written to ``output`` before
    :class:`NotebookExecutionError` is raised, so the failure can be read there.
    """
    source = Path(source)
    output = Path(output)
    nb = nbformat.read(source, as_version=4)
    inject_parameters(nb, parameters or {})
    workdir = Path(cwd) if cwd is not None else source.parent
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name=kernel_name,
        resources={"metadata": {"path": str(workdir)}},
        store_widget_state=True,
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    try:
        client.execute()
    except CellExecutionError as exc:
        nbformat.write(nb, output)
        text = _ANSI.sub("", str(exc)).strip()
        first_line = text.splitlines()[-1] if text else repr(exc)
        raise NotebookExecutionError(
            f"Notebook {source.name} failed: {first_line} (the executed notebook with the "
            f"error is saved as {output})."
        ) from exc
    seconds = time.perf_counter() - started
    nbformat.write(nb, output)
    log.info("Executed %s in %.1f s -> %s", source.name, seconds, output)
    return NotebookRun(source=source, output=output, seconds=seconds, notebook=nb)


def has_widget_state(nb: nbformat.NotebookNode) -> bool:
    """True when the saved notebook carries the state of at least one widget model."""
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE_MIME, {}).get("state", {})
    return bool(state)
