"""Similar Items mode: films like a starting film, optionally re-ranked for the user.

The starting film is the navigator's current user's top-rated film (ties in file order) and
follows the user. Any film card's "Start here" button, or a title picked in the search box
(titles matched by :meth:`videorecs_widgets.catalog.Catalog.search_titles`, shown by their
unique labels), makes that film the new starting film.

Model 1 lists only ``similar-items`` models (values are model names). Its list never holds the
starting film itself. Ordering is "as returned by the model" (its own order: SIMS orders by
similarity, not popularity) or "re-ranked for <user> by <ranking model>" for each
``personal-ranking`` model of the registry; the choice is disabled while the registry has no
ranking model.

One change asks each model shown once: a new starting film or user asks Model 1 and, when
one is chosen, the ordering model; a change of ordering asks only the ordering model (the
similar list is cached). A registry change only updates the drop-downs and asks no model.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
import pandas as pd

from videorecs_widgets.errors import UnknownItemError, UnknownModelError
from videorecs_widgets.results import (
    PERSONAL_RANKING,
    SIMILAR_ITEMS,
    Result,
    ResultsService,
    empty_frame,
)
from videorecs_widgets.widgets.cards import FilmGrid, card_html
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
from videorecs_widgets.widgets.ranking import movement_text
from videorecs_widgets.widgets.status import StatusLine

if TYPE_CHECKING:
    from videorecs_widgets.catalog import Catalog
    from videorecs_widgets.registry import ModelRegistry, ModelSpec

AS_RETURNED = "as returned by the model"
AS_RETURNED_VALUE = ""
SEARCH_RESULTS = 20


def _movement_caption(row: Mapping[str, Any]) -> str:
    return movement_text(row.get("moved"))


class SimilarItemsPanel:
    """Films similar to a starting film, by a similar-items model, in the order chosen.

    ``results`` is the shared :class:`ResultsService` (one is made when omitted, with
    ``workspace``). ``navigator``: a :class:`UserNavigator` shared with other panels (the
    caller shows it); when omitted the panel makes and shows its own, starting at
    ``user_id``. ``n`` is the list length (the grid shows at most 25).
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
        n: int = 25,
    ) -> None:
        self.catalog = catalog
        self.registry = registry
        self.service = results or ResultsService(
            catalog, workspace=registry.workspace if workspace is None else workspace)
        self.n = n
        own_navigator = navigator is None
        self.navigator = navigator or UserNavigator(catalog, user_id)
        self._start: str | None = None
        self._similar: Result | None = None
        self._ranked: Result | None = None
        self._search_ids: dict[str, str] = {}  # label shown in the search box -> item id

        self._start_card = widgets.HTML()
        self._search = widgets.Combobox(
            placeholder="Type part of a title, then pick it", description="Start from",
            ensure_option=False, layout=widgets.Layout(width="420px"),
        )
        self._model = model_dropdown(registry, SIMILAR_ITEMS, "Model 1")
        self._ordering = widgets.Dropdown(description="Ordering",
                                          layout=widgets.Layout(width="420px"))
        self._refresh = widgets.Button(description="Refresh", icon="refresh",
                                       tooltip="Ask the models again (forget cached answers)")
        self._header = widgets.HTML()
        self._grid = FilmGrid(25, action="Start here",
                              empty_text="Choose a similar-items model to see similar films.")
        self.status_line = StatusLine()

        self._search.observe(self._on_search_change, names="value")
        self._model.observe(self._on_model1_change, names="value")
        self._ordering.observe(self._on_ordering_change, names="value")
        self._refresh.on_click(self._on_refresh_click)
        self._grid.on_select(self._on_card_select)
        self.navigator.on_user_change(self._on_user_change)
        registry.observe(self._on_registry_change)

        children: list[widgets.Widget] = [self.navigator.widget] if own_navigator else []
        children += [
            widgets.HBox([self._start_card,
                          widgets.VBox([self._search, self._model, self._ordering,
                                        self._refresh])],
                         layout=widgets.Layout(grid_gap="16px", align_items="flex-start")),
            self.status_line.widget,
            self._header,
            self._grid.widget,
        ]
        self.widget = widgets.VBox(children)
        with self._paused():
            self._set_ordering_options()
        self._start = self._top_rated_film()
        self._render()

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    # ---- state ----------------------------------------------------------------------------

    @property
    def current_user(self) -> Any:
        """The user whose top-rated film starts the list (and who rankings are for)."""
        return self.navigator.current_user

    @property
    def starting_item(self) -> str | None:
        """The starting film's id (``None`` when the user has rated no film)."""
        return self._start

    @property
    def selected_models(self) -> tuple[str | None, str | None]:
        """The similar-items model (Model 1) and the ordering's ranking model, by name."""
        return (chosen(self._model), self.ordering)

    @property
    def ordering(self) -> str | None:
        """The ranking model that re-orders the list, or ``None`` for "as returned"."""
        return self._ordering.value or None

    @property
    def ordering_enabled(self) -> bool:
        """Whether Ordering can be changed (the registry has a ranking model)."""
        return not self._ordering.disabled

    @property
    def ordering_options(self) -> list[str]:
        """The Ordering drop-down's labels, "as returned by the model" first; each is
        accepted by :meth:`set_ordering`."""
        return [label for label, _ in self._ordering.options]

    @property
    def model_options(self) -> list[str]:
        """The model names Model 1 offers, in order (after "no model selected")."""
        return [value for _, value in self._model.options if value != NO_MODEL_VALUE]

    @property
    def search_options(self) -> list[str]:
        """The film labels the search box offers for the text typed."""
        return list(self._search.options)

    @property
    def results(self) -> tuple[Result | None, Result | None]:
        """Model 1's similar films (as returned) and their re-ranking (``None`` when absent)."""
        return (self._similar, self._ranked)

    @property
    def shown(self) -> pd.DataFrame:
        """The films shown, in the order shown: a result frame (see
        :mod:`videorecs_widgets.results`), with its columns even when no film is shown."""
        return self._grid.frame

    @property
    def grid(self) -> FilmGrid:
        """The film cards shown; each card's "Start here" button makes it the starting film."""
        return self._grid

    @property
    def status(self) -> str:
        """The status line's message ("" when all is well)."""
        return self.status_line.message

    @property
    def html(self) -> str:
        """The starting film's card HTML, then the shown films' card HTML."""
        return self._start_card.value + self._grid.html

    # ---- public actions -------------------------------------------------------------------

    def set_starting_item(self, item_id: Any) -> None:
        """Make ``item_id`` the starting film (one call per model shown).

        Raises :class:`~videorecs_widgets.errors.UnknownItemError` for a film the catalog
        does not have.
        """
        if not self.catalog.has_item(item_id):
            raise UnknownItemError(item_id)
        self._start = str(self.catalog.movie(item_id)["item_id"])
        self._update_results(similar=True)

    def select_model(self, name: str | None) -> None:
        """Choose Model 1 by name (``None``: no model), as the drop-down does.

        Raises :class:`~videorecs_widgets.errors.UnknownModelError` for a name that is not a
        similar-items model of the registry.
        """
        self._model.value = model_value(self._model, self.registry, SIMILAR_ITEMS, name)

    def set_ordering(self, ordering: str | None) -> None:
        """Order as the drop-down does: by a ranking model's name, or by one of the labels
        :attr:`ordering_options` lists (``None``: as returned).

        Raises :class:`~videorecs_widgets.errors.UnknownModelError` for anything else.
        """
        labels = dict(self._ordering.options)  # label -> value ("" for as returned)
        models = tuple(v for v in labels.values() if v != AS_RETURNED_VALUE)
        if ordering is None or ordering == AS_RETURNED_VALUE or ordering in models:
            value = ordering or AS_RETURNED_VALUE
        elif ordering in labels:
            value = labels[ordering]
        else:
            raise UnknownModelError(ordering, str(self.registry.path),
                                    model_type=PERSONAL_RANKING, available=models)
        self._ordering.value = value

    def search(self, text: str) -> list[str]:
        """Type ``text`` in the search box; returns the film labels it offers."""
        self._search.value = text
        return self.search_options

    def clear_models(self) -> None:
        """Model 1 to "no model selected" and Ordering to "as returned" (no runtime call)."""
        with self._paused():
            self._model.value = NO_MODEL_VALUE
            self._ordering.value = AS_RETURNED_VALUE
        self._similar = None
        self._ranked = None
        self._render()

    def refresh(self) -> None:
        """Forget the shown models' cached answers and ask them again."""
        for name in self.selected_models:
            if name is not None:
                self.service.refresh(name)
        self.status_line.run(self._update_results, similar=True, busy=self._busy_text())

    def close(self) -> None:
        """Stop following the registry and the navigator, and close the widgets."""
        self.registry.observe(self._on_registry_change, remove=True)
        self.navigator.on_user_change(self._on_user_change, remove=True)
        self.widget.close()

    # ---- handlers -------------------------------------------------------------------------

    def _on_user_change(self, _user_id: Any) -> None:
        self.status_line.run(self._update_user, busy=self._busy_text())

    def _on_card_select(self, item_id: Any) -> None:
        self.status_line.run(self.set_starting_item, item_id,
                             busy=f"Starting from {self.catalog.label(item_id)!r}…")

    def _on_search_change(self, change: dict[str, Any]) -> None:
        text = str(change["new"])
        item_id = self._search_ids.get(text)
        if item_id is not None:
            self.status_line.run(self.set_starting_item, item_id,
                                 busy=f"Starting from {text!r}…")
            return
        self._update_search(text)

    def _on_model1_change(self, _change: dict[str, Any]) -> None:
        self.status_line.run(self._update_results, similar=True, busy=self._busy_text())

    def _on_ordering_change(self, _change: dict[str, Any]) -> None:
        self.status_line.run(self._update_results, similar=False, busy=self._busy_text())

    def _on_refresh_click(self, _button: widgets.Button) -> None:
        self.refresh()

    def _on_registry_change(self, _registry: Any) -> None:
        self.status_line.run(self._update_options, busy="Updating the model lists…")

    # ---- the update paths -----------------------------------------------------------------

    def _update_user(self) -> None:
        """A new user: their top-rated film starts, the ordering labels name them."""
        with self._paused():
            self._set_ordering_options()
        self._start = self._top_rated_film()
        self._update_results(similar=True)

    def _update_results(self, similar: bool) -> None:
        """Ask Model 1 (when ``similar``) and the ordering model, one call each, then draw."""
        if similar:
            spec = self._spec(chosen(self._model))
            self._similar = (None if spec is None or self._start is None
                             else self.service.similar(spec, self._start, n=self.n,
                                                       user_id=self.current_user))
        self._ranked = None
        ranker = self._spec(self.ordering)
        if ranker is not None and self._similar is not None and self._similar.ok \
                and self._similar.item_ids:
            self._ranked = self.service.rank(ranker, self.current_user, self._similar.item_ids)
        self._render()

    def _update_search(self, text: str) -> None:
        ids = self.catalog.search_titles(text, n=SEARCH_RESULTS)
        self._search_ids = {self.catalog.label(i): i for i in ids}
        self._search.options = list(self._search_ids)

    def _update_options(self) -> None:
        """Follow the registry: new options, same choices where they still exist, no call."""
        model, ordering = chosen(self._model), self.ordering
        with self._paused():
            if not set_model_options(self._model, model_options(self.registry, SIMILAR_ITEMS)):
                self._similar = None
            self._set_ordering_options()
        if self._spec(self.ordering) is None:
            self._ranked = None
        self._render()
        notes = []
        if model is not None and chosen(self._model) is None:
            notes.append(removed_note(self.registry, [model]))
        if ordering is not None and self.ordering is None:
            notes.append(removed_note(self.registry, [ordering],
                                      "the list is shown as returned"))
        if notes:
            self.status_line.show(" ".join(notes))

    def _set_ordering_options(self) -> None:
        """Ordering's options for the current user and registry; keeps a model still listed.

        Call it inside :meth:`_paused`.
        """
        rankers = [spec.name for spec in self.registry.of_type(PERSONAL_RANKING)]
        user = self.current_user
        options = [(AS_RETURNED, AS_RETURNED_VALUE)] + [
            (f"re-ranked for user {user} by {name}", name) for name in rankers
        ]
        current = self._ordering.value
        with self._ordering.hold_sync():
            self._ordering.options = options
            self._ordering.value = current if current in rankers else AS_RETURNED_VALUE
            self._ordering.disabled = not rankers

    def _render(self) -> None:
        """Draw the starting film and the list from the stored results (no model call)."""
        self._render_start()
        name = chosen(self._model)
        similar = self._similar
        if name is None or similar is None:
            self._similar = self._ranked = None
            self._header.value = f"<b>Model 1</b>: {html.escape(NO_MODEL)}"
            self._grid.show(empty_frame(),  # no films, but the columns code reads
                            message=no_models_note(self.registry, SIMILAR_ITEMS))
            if self.status_line.kind == "error":
                self.status_line.clear()
            return
        start = "" if self._start is None else self.catalog.label(self._start)
        heading = f"Films similar to {start} by {name}"
        errors = []
        if similar.error:
            errors.append(f"Model 1: {similar.error}")
            self._grid.show(similar.frame, message=similar.error)  # empty, with its columns
        elif self._ranked is not None and self._ranked.error:
            errors.append(f"Ordering: {self._ranked.error}")
            self._grid.show(similar.frame, message="Shown as returned: " + self._ranked.error)
        elif self._ranked is not None:
            heading += f", re-ranked for user {self.current_user} by {self.ordering}"
            self._grid.show(self._ranked.frame, caption=_movement_caption)
        else:
            heading += " (as returned)"
            self._grid.show(similar.frame)
        self._header.value = f"<b>{html.escape(heading)}</b>"
        if errors:
            self.status_line.error(" ".join(errors))
        elif self.status_line.kind == "error":
            self.status_line.clear()

    def _render_start(self) -> None:
        if self._start is None:
            self._start_card.value = html.escape(
                f"User {self.current_user} has rated no film: pick a starting film by title.")
            return
        film = self.catalog.movie(self._start)
        rating = self.catalog.ratings_of(self.current_user).get(self._start)
        self._start_card.value = (
            "<div><b>Starting film</b></div>"
            + card_html({**film, "rated": rating}, caption=f"item {self._start}")
        )

    # ---- helpers --------------------------------------------------------------------------

    def _top_rated_film(self) -> str | None:
        top = self.catalog.top_rated(self.current_user, n=1)
        return None if top.empty else str(top["item_id"].iloc[0])

    def _spec(self, name: str | None) -> ModelSpec | None:
        return None if name is None else self.registry.get(name)

    def _busy_text(self) -> str:
        names = [n for n in self.selected_models if n is not None]
        if not names:
            return "Updating…"
        return f"Asking {' and '.join(repr(n) for n in names)}…"

    def _paused(self) -> Any:
        """Stop reacting to the drop-downs while code sets them (restored in ``finally``)."""
        return paused((self._model, self._on_model1_change),
                      (self._ordering, self._on_ordering_change))
