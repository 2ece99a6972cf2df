"""Personal Ranking mode: a genre's most popular films, re-ranked for one user by a model.

The genre choice offers "All genres" and every genre of the catalog (19 for ML-100k, Horror
included). The 25 most popular films of that genre (most ratings above 3.5, see
:meth:`videorecs_widgets.catalog.Catalog.popular`) are always shown. Model 1 lists only
``personal-ranking`` models (values are model names, "no model selected" first); with a model
chosen, the same films are shown again in the order the model gives for the navigator's
current user, each card saying how far it moved ("up 7", "down 3", "not moved").

One change makes at most one runtime call: a genre, user or model change asks the chosen
model once (nothing when no model is chosen). A registry change only updates the drop-down
and asks no model.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
import pandas as pd

from videorecs_widgets.catalog import POPULAR_MIN_RATING
from videorecs_widgets.results import PERSONAL_RANKING, Result, ResultsService
from videorecs_widgets.widgets.cards import FilmGrid
from videorecs_widgets.widgets.controls import (
    NO_MODEL,
    NO_MODEL_VALUE,
    chosen,
    model_dropdown,
    model_options,
    model_value,
    no_models_note,
    paused,
    removed_note,
    set_model_options,
)
from videorecs_widgets.widgets.navigator import UserNavigator
from videorecs_widgets.widgets.status import StatusLine

if TYPE_CHECKING:
    from videorecs_widgets.catalog import Catalog
    from videorecs_widgets.registry import ModelRegistry, ModelSpec

ALL_GENRES = "All genres"
ALL_GENRES_VALUE = ""  # the drop-down's value for "All genres" (None would mean "nothing chosen")


def movement_text(moved: Any) -> str:
    """How far a film moved: ``"up 7"``, ``"down 3"``, ``"not moved"``; ``""`` when unknown.

    ``moved`` is the result frame's ``moved`` column: its place in the list sent minus its
    place in the model's answer, so positive means the model moved it up.
    """
    if moved is None or moved is pd.NA or pd.isna(moved):
        return ""
    moved = int(moved)
    if moved > 0:
        return f"up {moved}"
    if moved < 0:
        return f"down {-moved}"
    return "not moved"


def _movement_caption(row: Mapping[str, Any]) -> str:
    return movement_text(row.get("moved"))


#: The star levels ``Catalog.popular`` counts (ratings above POPULAR_MIN_RATING, whole stars),
#: in the cards' words: "4-5★" for ratings above 3.5.
LIKED_STARS = f"{math.floor(POPULAR_MIN_RATING) + 1}-5★"


def liked_text(count: Any) -> str:
    """A popular film's caption: ``"246 ratings of 4-5★"`` (what ``Catalog.popular`` counts);
    ``""`` when unknown. A card shows it on one line."""
    return "" if count is None or pd.isna(count) else f"{int(count)} ratings of {LIKED_STARS}"


def _liked_caption(row: Mapping[str, Any]) -> str:
    return liked_text(row.get("count"))


class PersonalRankingPanel:
    """A genre's 25 most popular films, and the same films re-ranked for the current user.

    ``results`` is the shared :class:`ResultsService` (one is made when omitted, with
    ``workspace``). ``navigator``: a :class:`UserNavigator` shared with other panels (the
    caller shows it); when omitted the panel makes and shows its own, starting at
    ``user_id``. ``genre`` is the first genre shown (``None``: all genres); ``n`` the number
    of popular films (the grid shows at most 25).
    """

    def __init__(
        self,
        catalog: Catalog,
        registry: ModelRegistry,
        *,
        results: ResultsService | None = None,
        navigator: UserNavigator | None = None,
        user_id: Any = None,
        workspace: Any = None,
        genre: str | None = None,
        n: int = 25,
    ) -> None:
        self.catalog = catalog
        self.registry = registry
        self.service = results or ResultsService(
            catalog, workspace=registry.workspace if workspace is None else workspace)
        self.n = n
        own_navigator = navigator is None
        self.navigator = navigator or UserNavigator(catalog, user_id)
        self._popular = pd.DataFrame()
        self._result: Result | None = None

        self._genre = widgets.Dropdown(
            options=[(ALL_GENRES, ALL_GENRES_VALUE)] + [(g, g) for g in catalog.genres],
            value=self._genre_value(genre), description="Genre",
            layout=widgets.Layout(width="260px"),
        )
        self._model = model_dropdown(registry, PERSONAL_RANKING, "Model 1")
        self._refresh = widgets.Button(description="Refresh", icon="refresh",
                                       tooltip="Ask the model again (forget cached answers)")
        self._headers = [widgets.HTML(), widgets.HTML()]
        self._popular_grid = FilmGrid(25, empty_text="No film in this genre was liked.")
        self._ranked_grid = FilmGrid(
            25, empty_text="Choose a ranking model to re-rank these films for this user.")
        self.status_line = StatusLine()

        self._genre.observe(self._on_genre_change, names="value")
        self._model.observe(self._on_model1_change, names="value")
        self._refresh.on_click(self._on_refresh_click)
        self.navigator.on_user_change(self._on_user_change)
        registry.observe(self._on_registry_change)

        columns = widgets.HBox(
            [widgets.VBox([self._headers[0], self._popular_grid.widget],
                          layout=widgets.Layout(width="50%")),
             widgets.VBox([self._headers[1], self._ranked_grid.widget],
                          layout=widgets.Layout(width="50%"))],
            layout=widgets.Layout(grid_gap="12px", align_items="flex-start"),
        )
        children: list[widgets.Widget] = [self.navigator.widget] if own_navigator else []
        children += [
            widgets.HBox([self._genre, self._model, self._refresh]),
            self.status_line.widget,
            columns,
        ]
        self.widget = widgets.VBox(children)
        self._update_popular()
        self._render()

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    # ---- state ----------------------------------------------------------------------------

    @property
    def current_user(self) -> Any:
        """The user the films are ranked for."""
        return self.navigator.current_user

    @property
    def genre(self) -> str | None:
        """The genre shown, or ``None`` for all genres."""
        return self._genre.value or None

    @property
    def genre_options(self) -> list[str]:
        """The genre drop-down's labels ("All genres" first)."""
        return [label for label, _ in self._genre.options]

    @property
    def selected_models(self) -> tuple[str | None]:
        """The name chosen as Model 1 (``None``: no model selected)."""
        return (chosen(self._model),)

    @property
    def model_options(self) -> list[str]:
        """The model names Model 1 offers, in order (after "no model selected")."""
        return [value for _, value in self._model.options if value != NO_MODEL_VALUE]

    @property
    def popular(self) -> pd.DataFrame:
        """The popular films shown: rank, item_id, title, year, genres, count, rated."""
        return self._popular

    @property
    def results(self) -> tuple[Result | None]:
        """Model 1's shown ranking (``None`` when no model is selected).

        Its frame has the films in the model's order, with ``input_rank`` (place in the
        popular list) and ``moved``.
        """
        return (self._result,)

    @property
    def status(self) -> str:
        """The status line's message ("" when all is well)."""
        return self.status_line.message

    @property
    def html(self) -> str:
        """The card HTML of the popular list, then of the re-ranked list."""
        return self._popular_grid.html + self._ranked_grid.html

    # ---- public actions -------------------------------------------------------------------

    def set_genre(self, genre: str | None) -> None:
        """Show ``genre`` (``None``: all genres), as the genre drop-down does."""
        self._genre.value = self._genre_value(genre)

    def select_model(self, name: str | None) -> None:
        """Choose Model 1 by name (``None``: no model), as the drop-down does.

        Raises :class:`~videorecs_widgets.errors.UnknownModelError` for a name that is not a
        personal-ranking model of the registry.
        """
        self._model.value = model_value(self._model, self.registry, PERSONAL_RANKING, name)

    def clear_models(self) -> None:
        """Set Model 1 to "no model selected" (no runtime call)."""
        with self._paused():
            self._model.value = NO_MODEL_VALUE
        self._result = None
        self._render()

    def refresh(self) -> None:
        """Forget the chosen model's cached answers and ask it again."""
        name = chosen(self._model)
        if name is not None:
            self.service.refresh(name)
        self.status_line.run(self._update_ranking, busy=self._busy_text())

    def close(self) -> None:
        """Stop following the registry and the navigator, and close the widgets."""
        self.registry.observe(self._on_registry_change, remove=True)
        self.navigator.on_user_change(self._on_user_change, remove=True)
        self.widget.close()

    # ---- handlers -------------------------------------------------------------------------

    def _on_genre_change(self, _change: dict[str, Any]) -> None:
        self.status_line.run(self._update_genre, busy=self._busy_text())

    def _on_model1_change(self, _change: dict[str, Any]) -> None:
        self.status_line.run(self._update_ranking, busy=self._busy_text())

    def _on_user_change(self, _user_id: Any) -> None:
        self.status_line.run(self._update_genre, busy=self._busy_text())

    def _on_refresh_click(self, _button: widgets.Button) -> None:
        self.refresh()

    def _on_registry_change(self, _registry: Any) -> None:
        self.status_line.run(self._update_options, busy="Updating the model list…")

    # ---- the update paths -----------------------------------------------------------------

    def _update_genre(self) -> None:
        """New popular list (genre or user changed), then the model's ranking of it."""
        self._update_popular()
        self._update_ranking()

    def _update_popular(self) -> None:
        frame = self.catalog.popular(self.genre, n=self.n)
        ratings = self.catalog.ratings_of(self.current_user)
        frame.insert(0, "rank", pd.array(range(1, len(frame) + 1), dtype="Int64"))
        frame["rated"] = pd.array([ratings.get(i) for i in frame["item_id"]], dtype="Int64")
        self._popular = frame

    def _update_ranking(self) -> None:
        """Ask the chosen model (one call) to rank the popular list for the user, then draw."""
        spec = self._spec()
        if spec is None or self._popular.empty:
            self._result = None
        else:
            self._result = self.service.rank(spec, self.current_user,
                                             self._popular["item_id"].tolist())
        self._render()

    def _update_options(self) -> None:
        """Follow the registry: new options, same choice where it still exists, no model call."""
        before = chosen(self._model)
        with self._paused():
            if not set_model_options(self._model, model_options(self.registry,
                                                                PERSONAL_RANKING)):
                self._result = None
        self._render()
        if before is not None and chosen(self._model) is None:
            self.status_line.show(removed_note(self.registry, [before]))

    def _render(self) -> None:
        """Draw both lists from the stored frames (no model call)."""
        where = f"in {self.genre}" if self.genre else "in all genres"
        user = html.escape(str(self.current_user))
        self._headers[0].value = (f"<b>The {len(self._popular)} most popular films "
                                  f"{html.escape(where)}</b> (most ratings of "
                                  f"{html.escape(LIKED_STARS)}) · rated marks: user {user}")
        self._popular_grid.show(self._popular, caption=_liked_caption)
        name = chosen(self._model)
        result = self._result
        if name is None or result is None:
            self._result = None
            self._headers[1].value = f"<b>Model 1</b>: {html.escape(NO_MODEL)}"
            self._ranked_grid.clear(no_models_note(self.registry, PERSONAL_RANKING))
            if self.status_line.kind == "error":
                self.status_line.clear()
            return
        self._headers[1].value = (f"<b>Re-ranked for user {user} by {html.escape(name)}</b>")
        if result.error:
            self._ranked_grid.clear(result.error)
            self.status_line.error(f"Model 1: {result.error}")
            return
        self._ranked_grid.show(result.frame, caption=_movement_caption)
        if self.status_line.kind == "error":
            self.status_line.clear()

    # ---- helpers --------------------------------------------------------------------------

    def _genre_value(self, genre: str | None) -> str:
        if genre is None or genre == ALL_GENRES_VALUE:
            return ALL_GENRES_VALUE
        return self.catalog.genre(genre)  # case-insensitive; an unknown one suggests the closest

    def _spec(self) -> ModelSpec | None:
        name = chosen(self._model)
        return None if name is None else self.registry.get(name)

    def _busy_text(self) -> str:
        name = chosen(self._model)
        if name is None:
            return "Updating…"
        return f"Asking {name!r} to rank the films for user {self.current_user}…"

    def _paused(self) -> Any:
        """Stop reacting to Model 1 while code sets it (restored in ``finally``)."""
        return paused((self._model, self._on_model1_change))
