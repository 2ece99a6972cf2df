"""The status line every panel shows: what it is doing, and what went wrong, in one short line.

:meth:`StatusLine.run` is the one way panels do work that can fail: it shows a busy
indicator, runs the function, catches every exception, logs its full traceback to the
``videorecs_widgets`` logger and shows a one-line message, so the panel stays usable.
"""

from __future__ import annotations

import contextlib
import html
import logging
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import ipywidgets as widgets

log = logging.getLogger("videorecs_widgets")

T = TypeVar("T")

KINDS = ("info", "busy", "ok", "error")
_COLOURS = {"info": "#555", "busy": "#555", "ok": "#1a7f37", "error": "#b42318"}
_ICONS = {"info": "", "busy": "⏳ ", "ok": "✓ ", "error": "⚠ "}


class StatusLine:
    """A one-line message with a kind (``info``, ``busy``, ``ok``, ``error``).

    Display it like any widget (``status``, or ``status.widget`` inside a box). The text
    is plain text: it is escaped before it enters the HTML widget.
    """

    def __init__(self, message: str = "") -> None:
        self._message = ""
        self._kind = "info"
        self.widget = widgets.HTML(layout=widgets.Layout(min_height="1.6em"))
        self.widget.add_class("videorecs-status")
        self.show(message)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    @property
    def message(self) -> str:
        """The message shown, as plain text ("" when nothing is shown)."""
        return self._message

    @property
    def kind(self) -> str:
        """``info``, ``busy``, ``ok`` or ``error``."""
        return self._kind

    @property
    def busy(self) -> bool:
        """True while work started through :meth:`run` or :meth:`working` is going on."""
        return self._kind == "busy"

    def show(self, message: str, kind: str = "info") -> None:
        """Show ``message`` (plain text, one line) as ``kind``."""
        if kind not in KINDS:
            raise ValueError(f"Invalid status kind: {kind!r}; use one of {KINDS}.")
        self._message = str(message)
        self._kind = kind
        if not self._message:
            self.widget.value = ""
            return
        self.widget.value = (
            f'<span style="color:{_COLOURS[kind]}">{_ICONS[kind]}'
            f"{html.escape(self._message)}</span>"
        )

    def error(self, message: str) -> None:
        """Show ``message`` as an error."""
        self.show(message, "error")

    def clear(self) -> None:
        """Show nothing."""
        self.show("")

    @contextlib.contextmanager
    def working(self, message: str = "Working…") -> Iterator[None]:
        """Show ``message`` as busy while the block runs; clear it after unless it was replaced."""
        self.show(message, "busy")
        try:
            yield
        finally:
            if self._kind == "busy":
                self.clear()

    def run(
        self,
        fn: Callable[..., T],
        *args: Any,
        busy: str = "Working…",
        what: str | None = None,
        **kwargs: Any,
    ) -> T | None:
        """Run ``fn(*args, **kwargs)`` showing ``busy``; on any exception show a short message.

        The exception's traceback goes to the ``videorecs_widgets`` logger; the message says
        what was attempted (``what``, default the busy text) and the exception's first line.
        Returns ``fn``'s result, or ``None`` when it failed. A message ``fn`` shows itself
        (for example an error from a result) is left in place.
        """
        with self.working(busy):
            try:
                return fn(*args, **kwargs)
            except Exception as exc:  # the panel must stay usable whatever went wrong
                attempted = (what or busy).rstrip("…. ")
                log.error("%s failed", attempted, exc_info=True)
                self.error(f"{attempted} failed: {_first_line(exc)}")
                return None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    line = text.splitlines()[0]
    return line if len(line) <= 240 else line[:239] + "…"
