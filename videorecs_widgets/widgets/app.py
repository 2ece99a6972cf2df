"""The whole Video Recommendations site in one widget.

Three tabs, as the original site had pages:

- **Models**: :class:`ModelSummary` (every model with recipe, status and metrics; the data
  summary; "Select random user", which opens the explorer on that user);
- **Explorer**: the Mode choice (Recommendations, Personal Ranking, Similar Items), one
  :class:`UserNavigator` shared by the three modes, and the panel of the chosen mode;
- **Administration**: :class:`RegistryEditor`.

All panels share one :class:`~videorecs_widgets.results.ResultsService` (one cache, one call
counter) and follow the registry themselves, so a change from the editor, from code, or from
an outside edit picked up by "Reload models.yaml" (or ``registry.reload()``) reaches every
drop-down at once, keeps each choice whose model still exists, and asks no model anything.
Changing mode clears the model choices of every mode. The Personal Ranking and Similar Items
panels are built the first time their mode is chosen, so opening the app costs one panel.
"""

from __future__ import annotations

import html
import os
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from videorecs_widgets.errors import InvalidParameterError
from videorecs_widgets.registry import ModelRegistry
from videorecs_widgets.results import ResultsService
from videorecs_widgets.widgets.editor import RegistryEditor, duplicate_notes
from videorecs_widgets.widgets.navigator import UserNavigator
from videorecs_widgets.widgets.ranking import PersonalRankingPanel
from videorecs_widgets.widgets.recommendations import RecommendationsPanel
from videorecs_widgets.widgets.similar import SimilarItemsPanel
from videorecs_widgets.widgets.status import StatusLine
from videorecs_widgets.widgets.summary import ModelSummary

if TYPE_CHECKING:
    from videorecs_widgets.catalog import Catalog
    from videorecs_widgets.results import Result

RECOMMENDATIONS_MODE = "Recommendations"
RANKING_MODE = "Personal Ranking"
SIMILAR_MODE = "Similar Items"
MODES: tuple[str, ...] = (RECOMMENDATIONS_MODE, RANKING_MODE, SIMILAR_MODE)
TABS: tuple[str, ...] = ("Models", "Explorer", "Administration")
_PANELS = {
    RECOMMENDATIONS_MODE: RecommendationsPanel,
    RANKING_MODE: PersonalRankingPanel,
    SIMILAR_MODE: SimilarItemsPanel,
}

Panel = RecommendationsPanel | PersonalRankingPanel | SimilarItemsPanel


class VideoRecsApp:
    """Model summary, explorer (three modes) and model administration in one widget.

    ``registry`` is a :class:`ModelRegistry` or the path of a ``models.yaml``. ``results``
    is the shared results service (made from ``catalog`` and ``workspace`` when omitted);
    ``workspace`` is the embedded engine's folder, also used by the editor's type check
    unless ``clients`` is given. ``user_id`` is the first user shown; ``seed`` seeds the
    random-user buttons. ``mode`` is the first mode.
    """

    def __init__(
        self,
        catalog: Catalog,
        registry: ModelRegistry | str | os.PathLike[str],
        *,
        results: ResultsService | None = None,
        workspace: Any = None,
        clients: Any = None,
        user_id: Any = None,
        seed: int | None = None,
        mode: str = RECOMMENDATIONS_MODE,
    ) -> None:
        if mode not in MODES:
            raise InvalidParameterError(f"Invalid mode: {mode!r}; use one of {MODES}.")
        # The registry's duplicate warnings go to the status line, not to stderr (a red box
        # on the app's page); the editor's table lists them too.
        with duplicate_notes():
            self.registry = (registry if isinstance(registry, ModelRegistry)
                             else ModelRegistry(registry))
        self.catalog = catalog
        if workspace is None:  # local ARNs name no workspace: the one beside models.yaml
            workspace = self.registry.workspace
        self.service = results or ResultsService(catalog, workspace=workspace)
        self._panels: dict[str, Panel] = {}

        self.summary = ModelSummary(catalog, self.registry, results=self.service, seed=seed)
        self.navigator = UserNavigator(catalog, user_id, seed=seed)
        self.editor = RegistryEditor(self.registry, clients=clients, workspace=workspace)
        self._mode = widgets.ToggleButtons(options=list(MODES), value=mode,
                                           description="Mode")
        self._stack = widgets.Stack(
            [widgets.HTML(f"<i>{html.escape(m)} opens here.</i>") for m in MODES],
            selected_index=MODES.index(mode),
            # a column, so the shown panel takes the whole width (a row shrinks it to content)
            layout=widgets.Layout(flex_flow="column"),
        )
        self._reload = widgets.Button(description="Reload models.yaml", icon="refresh",
                                      tooltip="Pick up changes made to the file elsewhere",
                                      layout=widgets.Layout(width="auto"))  # whole label
        self.status_line = StatusLine()
        self._tabs = widgets.Tab(
            [self.summary.widget,
             widgets.VBox([self._mode, self.navigator.widget, self._stack]),
             self.editor.widget],
            titles=TABS, selected_index=0,
        )

        self.summary.on_random_user(self._on_random_user)
        self._mode.observe(self._on_mode_change, names="value")
        self._reload.on_click(self._on_reload_click)

        self.widget = widgets.VBox([
            widgets.HBox([widgets.HTML("<h2 style='margin:0 16px 0 0'>Video Recommendations"
                                       "</h2>"), self._reload],
                         layout=widgets.Layout(align_items="center")),
            self.status_line.widget,
            self._tabs,
        ])
        self._update_mode(mode)
        if self.registry.warnings:
            self.status_line.show(" ".join(f"Note: {w}." for w in self.registry.warnings))

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    # ---- state ----------------------------------------------------------------------------

    @property
    def mode(self) -> str:
        """The explorer's mode: Recommendations, Personal Ranking or Similar Items."""
        return self._mode.value

    @property
    def tab(self) -> str:
        """The tab shown: Models, Explorer or Administration."""
        return TABS[self._tabs.selected_index or 0]

    @property
    def panel(self) -> Panel:
        """The explorer panel of the current mode."""
        return self._panels[self.mode]

    @property
    def panels(self) -> dict[str, Panel]:
        """The explorer panels built so far, by mode (a mode's panel is built when chosen)."""
        return dict(self._panels)

    @property
    def current_user(self) -> Any:
        """The explorer's user."""
        return self.navigator.current_user

    @property
    def selected_models(self) -> tuple[str | None, ...]:
        """The current mode's model choices (see each panel's ``selected_models``)."""
        return self.panel.selected_models

    @property
    def results(self) -> tuple[Result | None, ...]:
        """The current mode's shown results (see each panel's ``results``)."""
        return self.panel.results

    @property
    def status(self) -> str:
        """The app's own status line (reloading the registry); panels have their own."""
        return self.status_line.message

    # ---- public actions -------------------------------------------------------------------

    def set_mode(self, mode: str) -> None:
        """Switch the explorer to ``mode`` (as the Mode buttons do); clears model choices."""
        self._mode.value = mode

    def show_tab(self, tab: str) -> None:
        """Show the Models, Explorer or Administration tab."""
        if tab not in TABS:
            raise ValueError(f"Invalid tab: {tab!r}; use one of {TABS}.")
        self._tabs.selected_index = TABS.index(tab)

    def open_explorer(self, user_id: Any) -> None:
        """Show the explorer on ``user_id`` (what "Select random user" does)."""
        self.navigator.set_user(user_id)
        self.show_tab("Explorer")

    def reload(self) -> bool:
        """Pick up an outside edit of models.yaml (as the Reload button does); True if the
        models changed. Every drop-down follows; no model is asked anything."""
        with duplicate_notes() as notes:
            changed = self.status_line.run(self.registry.reload,
                                           busy=f"Reading {self.registry.path} again…")
        if changed is not None and self.status_line.kind != "error":
            note = "".join(f" Note: {n}." for n in notes)
            self.status_line.show(
                f"{self.registry.path} changed: the model lists were updated.{note}" if changed
                else f"{self.registry.path} has not changed.", "ok")
        return bool(changed)

    def close(self) -> None:
        """Stop every panel following the registry and close the widgets."""
        for panel in self._panels.values():
            panel.close()
        self.summary.close()
        self.editor.close()
        self.widget.close()

    # ---- handlers -------------------------------------------------------------------------

    def _on_random_user(self, user_id: Any) -> None:
        self.open_explorer(user_id)

    def _on_mode_change(self, change: dict[str, Any]) -> None:
        self.status_line.run(self._update_mode, change["new"],
                             busy=f"Opening {change['new']}…")

    def _on_reload_click(self, _button: widgets.Button) -> None:
        self.reload()

    # ---- the update path ------------------------------------------------------------------

    def _update_mode(self, mode: str) -> None:
        """Show ``mode``'s panel (built on first use) with no model chosen in any mode."""
        for panel in self._panels.values():
            panel.clear_models()
        if mode not in self._panels:
            panel = _PANELS[mode](self.catalog, self.registry, results=self.service,
                                  navigator=self.navigator)
            self._panels[mode] = panel
            children = list(self._stack.children)
            children[MODES.index(mode)] = panel.widget
            self._stack.children = children
        self._stack.selected_index = MODES.index(mode)
