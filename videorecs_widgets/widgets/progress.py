"""A progress line for waiting on Personalize resources in a notebook.

``WaitProgress`` is a widget and a callable: pass it as ``progress=`` to the ``ensure_*`` helpers
or to ``wait_until_active`` and it shows, in place, each resource's status and the seconds spent.
"""

from __future__ import annotations

import html
import time
from typing import Any

import ipywidgets as widgets

_DONE = {"ACTIVE"}
_FAILED = {"CREATE FAILED", "DELETE FAILED", "UPDATE FAILED"}


def _short(arn: str) -> str:
    """The part of an ARN a person recognises: ``campaign/personalize-lab-recs-campaign``."""
    return arn.split(":", 5)[-1] if arn.startswith("arn:") else arn


class WaitProgress:
    """Shows ``kind/name: STATUS (12.3 s)`` for every resource waited on, one line each."""

    def __init__(self) -> None:
        self._lines: dict[str, tuple[str, float]] = {}
        self._html = widgets.HTML(value="", layout=widgets.Layout(min_height="1.5em"))
        self._started = time.monotonic()

    @property
    def widget(self) -> widgets.HTML:
        """The HTML widget the lines are written to."""
        return self._html

    @property
    def lines(self) -> dict[str, tuple[str, float]]:
        """Latest (status, elapsed seconds) per resource ARN, in the order first seen."""
        return dict(self._lines)

    def __call__(self, arn: str, status: str, elapsed: float) -> None:
        self._lines[arn] = (status, float(elapsed))
        self._update_html()

    def _update_html(self) -> None:
        rows = []
        for arn, (status, elapsed) in self._lines.items():
            colour = "#1a7f37" if status in _DONE else "#cf222e" if status in _FAILED else "#9a6700"
            rows.append(
                f"<div><code>{html.escape(_short(arn))}</code>: "
                f"<b style='color:{colour}'>{html.escape(status)}</b> ({elapsed:.1f} s)</div>"
            )
        self._html.value = "".join(rows)

    def _repr_mimebundle_(self, **kwargs: Any) -> dict | None:
        return self._html._repr_mimebundle_(**kwargs)
