"""Film cards: poster (or a tidy placeholder), year, title, genres, score and the user's stars.

:func:`card_html` renders one film as HTML; :class:`FilmGrid` shows up to ``max_films``
cards in a wrapping grid, optionally with a button under each card (``action="Start here"``)
that reports the film's id to :meth:`FilmGrid.on_select` callbacks.

Every piece of text that comes from data (titles, genres, URLs, captions) is escaped with
:func:`html.escape` before it enters HTML, so a title like ``<script>…</script>`` shows as text.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Mapping
from typing import Any

import ipywidgets as widgets
import pandas as pd

CARD_WIDTH_PX = 132
POSTER_HEIGHT_PX = 150

Caption = Callable[[Mapping[str, Any]], str]


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA:
        return True
    try:
        return bool(isinstance(value, float) and math.isnan(value))
    except TypeError:
        return False


def stars_text(stars: Any) -> str:
    """``★★★★☆ (4)`` for 4 stars out of 5; ``""`` when there is no rating."""
    if _missing(stars):
        return ""
    n = int(stars)
    return f"{'★' * n}{'☆' * (5 - n)} ({n})"


def score_text(score: Any) -> str:
    """A model score in four significant digits; ``""`` when the model gave none."""
    if _missing(score):
        return ""
    return f"{float(score):.4g}"


def _poster(url: Any, title: str) -> str:
    # Only http(s) URLs become images: anything else (javascript:, data:, None) is a placeholder.
    box = (f"width:{CARD_WIDTH_PX}px;height:{POSTER_HEIGHT_PX}px;border-radius:4px;"
           "box-sizing:border-box;")
    if isinstance(url, str) and url.lower().startswith(("http://", "https://")):
        return (f'<img src="{html.escape(url, quote=True)}" alt="{html.escape(title)}" '
                f'style="{box}object-fit:cover;display:block">')
    return (f'<div class="videorecs-placeholder" style="{box}background:#eceff3;color:#4a5565;'
            "display:flex;align-items:center;justify-content:center;text-align:center;"
            f'padding:10px;font-size:13px;overflow:hidden">{html.escape(title)}</div>')


def card_html(film: Mapping[str, Any], caption: str = "") -> str:
    """One film card as HTML.

    ``film`` has ``title`` and any of ``rank``, ``year``, ``genres``, ``score``, ``rated``
    (or ``rating``: the user's stars), ``poster_url``. ``caption`` is an extra line of plain
    text (for example "▲ 3 places").
    """
    title = str(film.get("title", ""))
    top = []
    if not _missing(film.get("rank")):
        top.append(f"#{int(film['rank'])}")
    if not _missing(film.get("year")):
        top.append(str(int(film["year"])))
    genres = film.get("genres")
    genre_text = ", ".join(str(g) for g in genres) if isinstance(genres, list | tuple) else ""
    stars = film.get("rated", film.get("rating"))
    lines = [
        f'<div style="color:#6a7282">{html.escape(" · ".join(top))}</div>',
        _poster(film.get("poster_url"), title),
        f'<div class="videorecs-title" style="font-weight:600;margin-top:3px">'
        f"{html.escape(title)}</div>",
    ]
    if genre_text:
        lines.append(f'<div style="color:#6a7282">{html.escape(genre_text)}</div>')
    if score_text(film.get("score")):
        lines.append(f"<div>score {html.escape(score_text(film.get('score')))}</div>")
    if stars_text(stars):
        lines.append(f'<div style="color:#b7791f" title="your rating">'
                     f"rated {html.escape(stars_text(stars))}</div>")
    if caption:
        lines.append(f'<div class="videorecs-caption">{html.escape(caption)}</div>')
    return (f'<div class="videorecs-card" style="width:{CARD_WIDTH_PX}px;font-size:12px;'
            f'line-height:1.3;word-wrap:break-word">{"".join(lines)}</div>')


class FilmGrid:
    """Up to ``max_films`` film cards in a wrapping grid.

    ``action``: when given, each card gets a button with that label; clicking it calls every
    :meth:`on_select` callback with the film's ``item_id``. The grid keeps a fixed pool of
    card widgets and only changes their contents, so showing a new list is cheap and
    handlers are attached once.
    """

    def __init__(
        self,
        max_films: int = 25,
        *,
        action: str | None = None,
        empty_text: str = "No films to show.",
    ) -> None:
        if max_films < 1:
            raise ValueError(f"Invalid max_films: {max_films!r}; a grid shows at least one film.")
        self.max_films = max_films
        self.empty_text = empty_text
        self._callbacks: list[Callable[[Any], Any]] = []
        self._frame = pd.DataFrame()
        self._ids: list[Any] = []
        self._message_text = ""
        self._cards = [widgets.HTML() for _ in range(max_films)]
        self._buttons: list[widgets.Button] = []
        slots: list[widgets.Widget] = []
        for i, card in enumerate(self._cards):
            children: list[widgets.Widget] = [card]
            if action is not None:
                button = widgets.Button(description=action,
                                        layout=widgets.Layout(width=f"{CARD_WIDTH_PX}px"))
                button.on_click(self._select_handler(i))
                self._buttons.append(button)
                children.append(button)
            # buttons line up at the foot of each grid row, whatever the card's height
            slots.append(widgets.VBox(children, layout=widgets.Layout(
                display="none", justify_content="space-between")))
        self._slots = slots
        self._message = widgets.HTML()
        self._grid = widgets.GridBox(slots, layout=widgets.Layout(
            grid_template_columns=f"repeat(auto-fill, {CARD_WIDTH_PX + 8}px)",
            grid_gap="10px 6px",
        ))
        self.widget = widgets.VBox([self._message, self._grid])
        self.show(None)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    @property
    def frame(self) -> pd.DataFrame:
        """The films shown (the first ``max_films`` rows of the last frame given)."""
        return self._frame

    @property
    def item_ids(self) -> list[Any]:
        """The ids of the films shown, in order."""
        return list(self._ids)

    @property
    def html(self) -> str:
        """The HTML of the cards shown, in order (for tests and scripts)."""
        return "".join(card.value for card in self._cards[: len(self._frame)])

    @property
    def message(self) -> str:
        """The plain text shown above the cards ("" when there is none)."""
        return self._message_text

    def show(
        self,
        frame: pd.DataFrame | None,
        *,
        caption: Caption | None = None,
        message: str | None = None,
    ) -> None:
        """Show the films of ``frame`` (see :func:`card_html` for the columns used).

        ``caption(row)`` gives an extra line per card. ``message`` (plain text) is shown above
        the cards; with no films and no message, ``empty_text`` is shown.
        """
        frame = pd.DataFrame() if frame is None else frame.head(self.max_films)
        rows = frame.to_dict("records")
        self._frame = frame
        self._ids = [row.get("item_id") for row in rows]
        for i, slot in enumerate(self._slots):
            if i < len(rows):
                row = rows[i]
                self._cards[i].value = card_html(row, caption(row) if caption else "")
                if slot.layout.display != "flex":
                    slot.layout.display = "flex"
            elif slot.layout.display != "none":
                slot.layout.display = "none"
        if message is None and not rows:
            message = self.empty_text
        self._message_text = message or ""
        self._message.value = (f'<div style="color:#6a7282">{html.escape(message)}</div>'
                               if message else "")

    def clear(self, message: str | None = None) -> None:
        """Show no films (and ``message``, or ``empty_text``)."""
        self.show(None, message=message)

    def on_select(self, callback: Callable[[Any], Any], remove: bool = False) -> None:
        """Call ``callback(item_id)`` when a card's button is clicked (needs ``action``)."""
        if remove:
            if callback in self._callbacks:
                self._callbacks.remove(callback)
        elif callback not in self._callbacks:
            self._callbacks.append(callback)

    def select(self, index: int) -> None:
        """Act as if the button of the card at ``index`` (0-based) was clicked."""
        if not 0 <= index < len(self._ids):
            raise IndexError(f"Invalid card index: {index!r}; {len(self._ids)} card(s) shown.")
        for callback in list(self._callbacks):
            callback(self._ids[index])

    def _select_handler(self, index: int) -> Callable[[widgets.Button], None]:
        def _on_card_button_click(_button: widgets.Button) -> None:
            if index < len(self._ids):
                self.select(index)

        return _on_card_button_click
