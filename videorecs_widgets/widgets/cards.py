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
#: A grid's columns: as many as fit at least one card wide, sharing the width left over.
GRID_COLUMNS = f"repeat(auto-fill, minmax({CARD_WIDTH_PX}px, 1fr))"

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


#: Scores below this are shown as "< 0.0001": the engine's and the service's scores are
#: shares (of the catalogue, of a ranked list) and the last places of a long list are tiny;
#: "9.617e-05" or "1.707e-09" tells a user nothing that "< 0.0001" does not.
SCORE_FLOOR = 0.0001
SCORE_DIGITS = 4


def score_text(score: Any) -> str:
    """A model score for a card; ``""`` when the model gave none.

    Four significant digits in positional notation (``0.003699``, ``0.1110``) down to
    :data:`SCORE_FLOOR`, ``"< 0.0001"`` for a smaller positive score, ``"0"`` for zero; no
    scientific notation for any score a service gives (they lie in [0, 1]; a model of one's
    own that answers 10,000 or more, or inf, is shown short rather than breaking the card).
    The exact value stays in the result frame's ``score`` column.
    """
    if _missing(score):
        return ""
    value = float(score)
    if not math.isfinite(value):  # no service score is; show it rather than fail the card
        return str(value)
    if value == 0:
        return "0"
    if abs(value) < SCORE_FLOOR:
        return f"< {SCORE_FLOOR:g}" if value > 0 else f"> -{SCORE_FLOOR:g}"
    if abs(value) >= 10**SCORE_DIGITS:  # far outside [0, 1]: keep the card narrow
        return f"{value:.{SCORE_DIGITS - 1}e}"
    # decimals for SCORE_DIGITS significant digits (none below the point from 1000 up)
    magnitude = math.floor(math.log10(abs(value)))
    decimals = max(0, SCORE_DIGITS - 1 - magnitude)
    text = f"{value:.{decimals}f}"
    if len(text.replace("-", "").replace(".", "").lstrip("0")) > SCORE_DIGITS and decimals:
        text = f"{value:.{decimals - 1}f}"  # 0.099996 rounds up to 0.1000, not 0.10000
    return text


def _poster(url: Any, title: str) -> str:
    # Only http(s) URLs become images: anything else (javascript:, data:, None) is a placeholder.
    box = (f"width:100%;height:{POSTER_HEIGHT_PX}px;border-radius:4px;"
           "box-sizing:border-box;")
    if isinstance(url, str) and url.lower().startswith(("http://", "https://")):
        return (f'<img src="{html.escape(url, quote=True)}" alt="{html.escape(title)}" '
                f'style="{box}object-fit:cover;display:block">')
    return (f'<div class="videorecs-placeholder" style="{box}background:#eceff3;color:#4a5565;'
            "display:flex;align-items:center;justify-content:center;text-align:center;"
            f'padding:10px;font-size:13px;overflow:hidden">{html.escape(title)}</div>')


LINE_PX = 16  # one line of card text (12px font, line-height 1.3, rounded up)


def _lines(css: str, text: str, lines: int = 1, *, title: str = "", cls: str = "") -> str:
    """A block of exactly ``lines`` text lines: longer text is cut with "…" (the full text is
    the tooltip), shorter or empty text keeps the room, so every card has the same height and
    side-by-side grids line up row by row."""
    clamp = (f"display:-webkit-box;-webkit-box-orient:vertical;-webkit-line-clamp:{lines};"
             if lines > 1 else "white-space:nowrap;text-overflow:ellipsis;")
    tip = f' title="{html.escape(title, quote=True)}"' if title else ""
    klass = f' class="{cls}"' if cls else ""
    return (f'<div style="{css}height:{lines * LINE_PX}px;overflow:hidden;{clamp}"{tip}{klass}>'
            f"{html.escape(text) if text else '&nbsp;'}</div>")


def card_html(film: Mapping[str, Any], caption: str = "", *, fill: bool = False) -> str:
    """One film card as HTML.

    ``film`` has ``title`` and any of ``rank``, ``year``, ``genres``, ``score``, ``rated``
    (or ``rating``: the user's stars), ``poster_url``. ``caption`` is an extra line of plain
    text (for example "up 3"). Every card has the same height whatever it shows: the title
    and the genres take two lines each (cut with "…", the full text as tooltip), and the score,
    the user's stars and the caption one line each, left blank when there is nothing to say
    (a popularity model gives no score). ``fill``: the card takes its container's width
    (a grid cell) instead of :data:`CARD_WIDTH_PX`.
    """
    title = str(film.get("title", ""))
    top = []
    if not _missing(film.get("rank")):
        top.append(f"#{int(film['rank'])}")
    if not _missing(film.get("year")):
        top.append(str(int(film["year"])))
    genres = film.get("genres")
    genre_text = ", ".join(str(g) for g in genres) if isinstance(genres, list | tuple) else ""
    stars = stars_text(film.get("rated", film.get("rating")))
    score = score_text(film.get("score"))
    lines = [
        _lines("color:#6a7282;", " · ".join(top)),
        _poster(film.get("poster_url"), title),
        _lines("font-weight:600;margin-top:3px;", title, 2, title=title, cls="videorecs-title"),
        _lines("color:#6a7282;", genre_text, 2, title=genre_text),
        _lines("", f"score {score}" if score else "", title=_exact(film.get("score"))),
        _lines("color:#b7791f;", f"rated {stars}" if stars else "",
               title="your rating" if stars else ""),
        _lines("", caption, cls="videorecs-caption" if caption else ""),
    ]
    width = "100%" if fill else f"{CARD_WIDTH_PX}px"
    return (f'<div class="videorecs-card" style="width:{width};min-width:{CARD_WIDTH_PX}px;'
            f'font-size:12px;line-height:{LINE_PX}px;word-wrap:break-word">'
            f'{"".join(lines)}</div>')


def _exact(score: Any) -> str:
    # the tooltip of the score line: the value as the model gave it
    return "" if _missing(score) else f"exact score {float(score)!r}"


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
        self._cards = [widgets.HTML(layout=widgets.Layout(width="100%"))
                       for _ in range(max_films)]
        self._buttons: list[widgets.Button] = []
        slots: list[widgets.Widget] = []
        for i, card in enumerate(self._cards):
            children: list[widgets.Widget] = [card]
            if action is not None:
                button = widgets.Button(description=action,
                                        layout=widgets.Layout(width="100%"))
                button.on_click(self._select_handler(i))
                self._buttons.append(button)
                children.append(button)
            # buttons line up at the foot of each grid row, whatever the card's height
            slots.append(widgets.VBox(children, layout=widgets.Layout(
                display="none", justify_content="space-between")))
        self._slots = slots
        self._message = widgets.HTML()
        # Columns at least a card wide share the row's width: no wide gap at the end of a
        # row (or between two grids side by side); cards grow to fill their column.
        self._grid = widgets.GridBox(slots, layout=widgets.Layout(
            grid_template_columns=GRID_COLUMNS, grid_gap="10px 8px",
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
                self._cards[i].value = card_html(row, caption(row) if caption else "",
                                                 fill=True)
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
