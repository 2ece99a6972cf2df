"""Recommendations mode: two models' lists side by side for one user, and how they compare.

Model 1 and Model 2 start at "no model selected" and list only ``recommendations`` models,
in the registry's order (sort order, then name); their values are model names. Under them:

- an overlap line: films both lists share, their Jaccard index and their rank-biased overlap
  (p = 0.9; see :func:`videorecs_widgets.results.overlap`);
- two lists of up to 25 film cards, films the user already rated marked with their stars
  (each header counts them, with their star range; a note says why they can be there:
  :data:`RATED_NOTE`);
- a chart of each list's genre mix next to the user's own history: for every genre, its share
  of all genre labels of the films in the list (a film with three genres adds three labels),
  and the same over every film the user rated.

One change makes one runtime call per model it concerns: a model choice asks that model only,
a user change asks both (at the same time), Refresh forgets the cache and asks both again.
A registry change only updates the drop-downs (the current choice stays when that model still
exists) and asks no model.
"""

from __future__ import annotations

import html
import io
import math
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
import pandas as pd
import PIL.Image
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from videorecs_widgets.personalize_data import LAB_MIN_RATING
from videorecs_widgets.results import RECOMMENDATIONS, Overlap, Result, ResultsService, overlap
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

RBO_P = 0.9
_SLOTS = (0, 1)

#: Shown when a list holds films the user rated. The lab imports only ratings above
#: LAB_MIN_RATING as interactions (personalize_data), so a film the user rated lower is no
#: interaction the model could leave out.
RATED_NOTE = (
    "Films the user rated can be recommended: user-personalization leaves out only the "
    f"interactions it learned from (the lab's models learn from ratings above "
    f"{LAB_MIN_RATING:g}, the {math.floor(LAB_MIN_RATING) + 1}- and 5-star ones), and "
    "popularity-count leaves out nothing."
)


def rated_text(frame: pd.DataFrame, user_id: Any) -> str:
    """The header's count of films ``user_id`` rated, with their star range:
    ``"5 rated by user 196 (1-3★)"``; ``"none rated by user 196"``."""
    stars = frame["rated"].dropna().astype(int)
    if stars.empty:
        return f"none rated by user {user_id}"
    low, high = int(stars.min()), int(stars.max())
    span = f"{low}★" if low == high else f"{low}-{high}★"
    return f"{len(stars)} rated by user {user_id} ({span})"


def genre_mix(genre_lists: list[list[str]], genres: list[str]) -> list[float]:
    """Each genre's share of all genre labels in ``genre_lists`` (zeros for no labels)."""
    counts = dict.fromkeys(genres, 0)
    for film_genres in genre_lists:
        for genre in film_genres:
            if genre in counts:
                counts[genre] += 1
    total = sum(counts.values())
    return [counts[g] / total if total else 0.0 for g in genres]


class _GenreChart:
    """A horizontal bar chart of genre shares, drawn fast enough for every user change.

    The axes, labels and legend are drawn once per x scale and kept as a background; an
    update restores it, draws only the bars (matplotlib's blitting) and encodes the PNG.
    """

    SERIES = ("Model 1", "Model 2", "user's history")
    COLOURS = ("#3b6fb6", "#e08a2c", "#8c8c8c")
    SCALES = (0.25, 0.5, 1.0)

    def __init__(self, genres: list[str]) -> None:
        self.genres = list(genres)
        self.figure = Figure(figsize=(4.6, 0.2 * len(genres) + 0.9), dpi=80)
        self.canvas = FigureCanvasAgg(self.figure)
        self.axes = self.figure.add_subplot()
        height = 0.27
        positions = range(len(genres))
        self.bars = [
            self.axes.barh([p + (k - 1) * height for p in positions], [0.0] * len(genres),
                           height=height, color=colour, label=label, animated=True)
            for k, (label, colour) in enumerate(zip(self.SERIES, self.COLOURS, strict=True))
        ]
        self.axes.set_yticks(list(positions), self.genres, fontsize=8)
        self.axes.invert_yaxis()
        self.axes.tick_params(axis="x", labelsize=8)
        self.axes.set_xlabel("share of genre labels", fontsize=8)
        self.axes.legend(fontsize=7, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3,
                         frameon=False)
        self.axes.set_xlim(0, self.SCALES[0])
        self.figure.tight_layout()
        self._backgrounds: dict[float, Any] = {}

    def png(self, series: list[list[float] | None]) -> bytes:
        top = max((max(values) for values in series if values), default=0.0)
        scale = next((s for s in self.SCALES if top <= s), self.SCALES[-1])
        self.axes.set_xlim(0, scale)
        if scale not in self._backgrounds:
            self.canvas.draw()  # animated bars are left out of this drawing
            self._backgrounds[scale] = self.canvas.copy_from_bbox(self.figure.bbox)
        self.canvas.restore_region(self._backgrounds[scale])
        for bars, values in zip(self.bars, series, strict=True):
            for bar, value in zip(bars, values or [0.0] * len(self.genres), strict=True):
                bar.set_width(value)
                if value > 0:
                    self.axes.draw_artist(bar)
        width, height = self.canvas.get_width_height()
        image = PIL.Image.frombuffer("RGBA", (width, height), self.canvas.buffer_rgba(),
                                     "raw", "RGBA", 0, 1)
        buffer = io.BytesIO()
        image.save(buffer, format="png", compress_level=1)
        return buffer.getvalue()


class RecommendationsPanel:
    """Two recommendation models side by side for the navigator's current user.

    ``results`` is the shared :class:`ResultsService` (one is made when omitted, with
    ``workspace``). ``navigator``: a :class:`UserNavigator` shared with other panels (the
    caller shows it); when omitted the panel makes and shows its own, starting at
    ``user_id``. ``n`` is the list length (at most 25 cards are shown).
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
        genre_chart: bool = True,
    ) -> None:
        self.catalog = catalog
        self.registry = registry
        self.service = results or ResultsService(
            catalog, workspace=registry.workspace if workspace is None else workspace)
        self.n = n
        own_navigator = navigator is None
        self.navigator = navigator or UserNavigator(catalog, user_id)
        self._results: list[Result | None] = [None, None]
        self._overlap: Overlap | None = None
        self._genres = list(catalog.genres)
        movies = catalog.movies
        self._genres_of = dict(zip(movies["item_id"], movies["genres"], strict=True))
        self._history_mix: dict[Any, list[float]] = {}
        self._mix = pd.DataFrame()
        self._chart: _GenreChart | None = None

        self._models = [model_dropdown(registry, RECOMMENDATIONS, f"Model {k + 1}")
                        for k in _SLOTS]
        self._refresh = widgets.Button(description="Refresh", icon="refresh",
                                       tooltip="Ask both models again (forget cached answers)")
        self._chart_toggle = widgets.Checkbox(value=genre_chart, description="Genre mix chart",
                                              indent=False)
        self._overlap_line = widgets.HTML()
        self._rated_note = widgets.HTML()  # why films the user rated can be in a list
        self._headers = [widgets.HTML() for _ in _SLOTS]
        self._grids = [FilmGrid(25, empty_text="Choose a model to see its recommendations.")
                       for _ in _SLOTS]
        self._chart_image = widgets.Image(format="png", layout=widgets.Layout(width="368px"))
        self.status_line = StatusLine()

        self._models[0].observe(self._on_model1_change, names="value")
        self._models[1].observe(self._on_model2_change, names="value")
        self._refresh.on_click(self._on_refresh_click)
        self._chart_toggle.observe(self._on_chart_toggle_change, names="value")
        self.navigator.on_user_change(self._on_user_change)
        registry.observe(self._on_registry_change)

        columns = widgets.HBox(
            [widgets.VBox([self._headers[k], self._grids[k].widget],
                          layout=widgets.Layout(width="50%")) for k in _SLOTS],
            layout=widgets.Layout(grid_gap="12px", align_items="flex-start"),
        )
        children: list[widgets.Widget] = [self.navigator.widget] if own_navigator else []
        children += [
            widgets.HBox([*self._models, self._refresh, self._chart_toggle]),
            self.status_line.widget,
            self._overlap_line,
            self._rated_note,
            columns,
            self._chart_image,
        ]
        self.widget = widgets.VBox(children)
        self._render()

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    # ---- state ----------------------------------------------------------------------------

    @property
    def current_user(self) -> Any:
        """The user whose recommendations are shown."""
        return self.navigator.current_user

    @property
    def selected_models(self) -> tuple[str | None, str | None]:
        """The names chosen as Model 1 and Model 2 (``None``: no model selected)."""
        return (chosen(self._models[0]), chosen(self._models[1]))

    @property
    def model_options(self) -> list[str]:
        """The model names the drop-downs offer, in order (after "no model selected")."""
        return [value for _, value in self._models[0].options if value != NO_MODEL_VALUE]

    @property
    def results(self) -> tuple[Result | None, Result | None]:
        """The shown results of Model 1 and Model 2 (``None`` where no model is selected)."""
        return (self._results[0], self._results[1])

    @property
    def overlap(self) -> Overlap | None:
        """Overlap of the two shown lists, or ``None`` unless both models answered."""
        return self._overlap

    @property
    def genre_mix(self) -> pd.DataFrame:
        """Genre shares shown in the chart: one row per genre; columns Model 1, Model 2 and
        the user's history (empty before anything was drawn or with the chart off)."""
        return self._mix

    @property
    def status(self) -> str:
        """The status line's message ("" when all is well)."""
        return self.status_line.message

    @property
    def html(self) -> str:
        """The two lists' card HTML, Model 1 first (for tests and scripts)."""
        return self._grids[0].html + self._grids[1].html

    # ---- public actions -------------------------------------------------------------------

    def select_models(self, model1: str | None, model2: str | None = None) -> None:
        """Choose both models at once by name (one call per model not already cached).

        Raises :class:`~videorecs_widgets.errors.UnknownModelError` for a name that is not a
        recommendations model of the registry; neither choice changes then.
        """
        values = [model_value(dropdown, self.registry, RECOMMENDATIONS, name)
                  for dropdown, name in zip(self._models, (model1, model2), strict=True)]
        with self._paused():
            for dropdown, value in zip(self._models, values, strict=True):
                dropdown.value = value
        self.status_line.run(self._update_results, _SLOTS, busy=self._busy_text(_SLOTS))

    def clear_models(self) -> None:
        """Set both drop-downs to "no model selected" (no runtime call)."""
        with self._paused():
            for dropdown in self._models:
                dropdown.value = NO_MODEL_VALUE
        self._results = [None, None]
        self._render()

    def refresh(self) -> None:
        """Forget the shown models' cached answers and ask them again."""
        for name in self.selected_models:
            if name is not None:
                self.service.refresh(name)
        self.status_line.run(self._update_results, _SLOTS, busy=self._busy_text(_SLOTS))

    def close(self) -> None:
        """Stop following the registry and the navigator, and close the widgets."""
        self.registry.observe(self._on_registry_change, remove=True)
        self.navigator.on_user_change(self._on_user_change, remove=True)
        self.widget.close()

    # ---- handlers -------------------------------------------------------------------------

    def _on_model1_change(self, _change: dict[str, Any]) -> None:
        self.status_line.run(self._update_results, (0,), busy=self._busy_text((0,)))

    def _on_model2_change(self, _change: dict[str, Any]) -> None:
        self.status_line.run(self._update_results, (1,), busy=self._busy_text((1,)))

    def _on_user_change(self, _user_id: Any) -> None:
        self.status_line.run(self._update_results, _SLOTS, busy=self._busy_text(_SLOTS))

    def _on_refresh_click(self, _button: widgets.Button) -> None:
        self.refresh()

    def _on_chart_toggle_change(self, _change: dict[str, Any]) -> None:
        self.status_line.run(self._render_chart, busy="Drawing the genre mix…")

    def _on_registry_change(self, _registry: Any) -> None:
        self.status_line.run(self._update_options, busy="Updating the model lists…")

    # ---- the update paths -----------------------------------------------------------------

    def _update_results(self, slots: tuple[int, ...]) -> None:
        """Ask the models in ``slots`` (concurrently) for the current user, then redraw."""
        specs: list[ModelSpec | None] = [self._spec(k) for k in slots]
        answers = self.service.compare(specs, self.current_user, n=self.n)
        for k, answer in zip(slots, answers, strict=True):
            self._results[k] = answer
        self._render()

    def _update_options(self) -> None:
        """Follow the registry: new options, same choice where it still exists, no model call."""
        options = model_options(self.registry, RECOMMENDATIONS)
        removed = []
        with self._paused():
            for k, dropdown in enumerate(self._models):
                before = chosen(dropdown)
                if not set_model_options(dropdown, options):
                    self._results[k] = None
                    removed.append(before)
        self._render()
        if removed:
            self.status_line.show(removed_note(self.registry, removed))

    def _render(self) -> None:
        """Draw everything from the stored results (no model call)."""
        errors = []
        for k in _SLOTS:
            result = self._results[k]
            name = chosen(self._models[k])
            if result is None or name is None:
                self._results[k] = None
                self._headers[k].value = f"<b>Model {k + 1}</b>: {html.escape(NO_MODEL)}"
                self._grids[k].clear(no_models_note(self.registry, RECOMMENDATIONS))
                continue
            if result.error:
                errors.append(f"Model {k + 1}: {result.error}")
                self._headers[k].value = f"<b>Model {k + 1}: {html.escape(name)}</b>"
                self._grids[k].clear(result.error)
                continue
            frame = result.frame
            self._headers[k].value = (
                f"<b>Model {k + 1}: {html.escape(name)}</b> · {len(frame)} films"
                f" · {html.escape(rated_text(frame, self.current_user))}"
            )
            self._grids[k].show(frame)
        self._render_overlap()
        shown = [r.frame for r in self._results if r is not None and not r.error]
        any_rated = any(frame["rated"].notna().any() for frame in shown)
        self._rated_note.value = (f'<span style="color:#6a7282">{html.escape(RATED_NOTE)}</span>'
                                  if any_rated else "")
        self._render_chart()
        if errors:
            self.status_line.error(" ".join(errors))
        elif self.status_line.kind == "error":
            self.status_line.clear()

    def _render_overlap(self) -> None:
        first, second = self._results
        if first is None or second is None or first.error or second.error:
            self._overlap = None
            self._overlap_line.value = (
                '<span style="color:#6a7282">Choose two models to see how their lists '
                "overlap.</span>")
            return
        self._overlap = overlap(first.item_ids, second.item_ids, p=RBO_P)
        shared, jaccard, rbo = self._overlap
        self._overlap_line.value = html.escape(
            f"Overlap: {shared} shared films (of {len(first.frame)} and {len(second.frame)}) · "
            f"Jaccard {_fmt(jaccard)} · rank-biased overlap (p = {RBO_P}) {_fmt(rbo)}"
        )

    def _render_chart(self) -> None:
        shown = [r for r in self._results if r is not None and not r.error]
        if not self._chart_toggle.value or not shown:
            self._mix = pd.DataFrame()
            self._chart_image.layout.display = "none"
            return
        series: list[list[float] | None] = [
            genre_mix(r.frame["genres"].tolist(), self._genres)
            if r is not None and not r.error else None
            for r in self._results
        ]
        series.append(self._user_mix(self.current_user))
        labels = [f"Model {k + 1}: {chosen(self._models[k])}" if series[k] is not None
                  else f"Model {k + 1}: —" for k in _SLOTS] + ["user's history"]
        self._mix = pd.DataFrame(
            {label: values for label, values in zip(labels, series, strict=True)
             if values is not None},
            index=pd.Index(self._genres, name="genre"),
        )
        if self._chart is None:
            self._chart = _GenreChart(self._genres)
        self._chart_image.value = self._chart.png(series)
        self._chart_image.layout.display = "block"

    # ---- helpers --------------------------------------------------------------------------

    def _user_mix(self, user_id: Any) -> list[float]:
        if user_id not in self._history_mix:
            rated = self.catalog.ratings_of(user_id)
            self._history_mix[user_id] = genre_mix(
                [self._genres_of.get(i, []) for i in rated], self._genres)
        return self._history_mix[user_id]

    def _spec(self, slot: int) -> ModelSpec | None:
        name = chosen(self._models[slot])
        return None if name is None else self.registry.get(name)

    def _busy_text(self, slots: tuple[int, ...]) -> str:
        names = [chosen(self._models[k]) for k in slots if chosen(self._models[k]) is not None]
        if not names:
            return "Updating…"
        return f"Asking {' and '.join(repr(n) for n in names)} for user {self.current_user}…"

    def _paused(self) -> Any:
        """Stop reacting to the drop-downs while code sets them (restored in ``finally``)."""
        return paused((self._models[0], self._on_model1_change),
                      (self._models[1], self._on_model2_change))


def _fmt(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:.3f}"
