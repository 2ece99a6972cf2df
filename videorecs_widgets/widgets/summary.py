"""The front page: every registered model with its recipe, status and offline metrics.

The table lists the models by type (recommendations, then personal ranking, then similar
items) and then by sort order and name. Metrics are Personalize's offline metrics of the
campaign's solution version, rounded (not truncated) to four decimal places: precision at
5 / 10 / 25, NDCG at 10, MRR at 25 and coverage. A bar chart shows them per model; the data
summary (reviewers, movies, interactions) is counted from the catalog; "Select random user"
hands a random user to the :meth:`ModelSummary.on_random_user` callbacks (the app opens the
explorer on it).

A campaign whose latest update_campaign failed (``latestCampaignUpdate`` CREATE FAILED) still
serves the version it served: its status reads "ACTIVE (update failed)" and a note under the
table gives the reason.

The model descriptions come from the control plane (describe_campaign,
describe_solution_version, get_solution_metrics) through the results layer, cached per model
name and ARN until Refresh; no recommendation is asked for here.
"""

from __future__ import annotations

import html
import io
import math
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from videorecs_widgets.model_spec import recipe_model_type
from videorecs_widgets.results import (
    PERSONAL_RANKING,
    RECOMMENDATIONS,
    SIMILAR_ITEMS,
    SUMMARY_DECIMALS,
    SUMMARY_METRICS,
    SUMMARY_TYPE_ORDER,
    ModelInfo,
    ResultsService,
    summary_table,
)
from videorecs_widgets.widgets.status import StatusLine

if TYPE_CHECKING:
    from videorecs_widgets.catalog import Catalog
    from videorecs_widgets.registry import ModelRegistry

TYPE_ORDER = SUMMARY_TYPE_ORDER
_CELL = "padding:2px 8px;white-space:nowrap;"  # every cell of the models table
TYPE_LABELS = {RECOMMENDATIONS: "recommendations", PERSONAL_RANKING: "personal ranking",
               SIMILAR_ITEMS: "similar items"}
METRICS = SUMMARY_METRICS
DECIMALS = SUMMARY_DECIMALS


#: shown under the table when a personalized-ranking and a user-personalization model are
#: both listed, whose metric rows are then equal (the engine trains them alike).
SAME_METRICS_NOTE = (
    "Personalized-ranking is the user-personalization model asked to order a given list, so "
    "its offline metrics (the whole catalogue ranked) equal those of user-personalization "
    "trained on the same data."
)


def _both_user_recipes(infos: list[ModelInfo]) -> bool:
    recipes = [info.recipe or "" for info in infos]
    return (any(r.startswith("aws-personalized-ranking") for r in recipes)
            and any(r.startswith("aws-user-personalization") for r in recipes))


def update_failed_note(info: ModelInfo) -> str:
    """The note for a campaign whose latest update failed: it is ACTIVE, but still on the
    solution version it served before (the metrics shown are that version's)."""
    reason = (info.update_failure or "").rstrip(".")
    return (f"Model {info.name!r}: the campaign's latest update failed ({reason}); it keeps "
            "serving the previous solution version, whose metrics are shown.")


def type_mismatch(info: ModelInfo) -> str | None:
    """The type ``info``'s recipe answers when it is not the type the registry declares
    (a SIMS campaign registered as recommendations), else ``None`` (also when unknown)."""
    expected = recipe_model_type(info.recipe)
    return expected if expected is not None and expected != info.type else None


def _plain(text: str) -> str:
    # matplotlib reads $...$ as mathematics; a model name is plain text.
    return text.replace("$", r"\$")


def metrics_figure(described: Sequence[ModelInfo]) -> Figure:
    """The summary's chart: per model (one row each, names on the left), its ranking metrics
    as grouped horizontal bars and its coverage beside them.

    One row per model keeps the names apart however many models there are or however long
    their names: the figure grows in height with the rows. The legend sits above the bars,
    outside the plot area, so it never covers one.
    """
    ranking = [m for m in METRICS if m[1] != "coverage"]
    count = len(described)
    figure = Figure(figsize=(9.5, 1.1 + 0.42 * count), dpi=80, layout="constrained")
    FigureCanvasAgg(figure)
    left, right = figure.subplots(1, 2, sharey=True, width_ratios=[3, 1])
    y = np.arange(count)
    height = 0.8 / len(ranking)
    for k, (label, key) in enumerate(ranking):
        left.barh(y + (k - (len(ranking) - 1) / 2) * height,
                  [i.metrics.get(key, 0.0) for i in described], height, label=label)
    left.set_yticks(y, [_plain(i.name) for i in described], fontsize=8)
    left.invert_yaxis()  # the table's order, top to bottom (shared with the coverage axes)
    left.set_title("ranking metrics (held-out users)", fontsize=9, pad=19)
    left.legend(fontsize=7, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(ranking),
                frameon=False, borderaxespad=0.2, handlelength=1.2, columnspacing=1.2)
    left.tick_params(axis="x", labelsize=8)
    right.barh(y, [i.metrics.get("coverage", 0.0) for i in described], 0.6, color="#8c8c8c")
    right.set_title("coverage", fontsize=9, pad=19)
    right.set_xlim(0, 1)
    right.set_xticks([0, 0.25, 0.5, 0.75, 1], ["0", "", "0.5", "", "1"])
    right.tick_params(axis="x", labelsize=8)
    right.tick_params(axis="y", left=False)
    return figure


class ModelSummary:
    """Every registered model with recipe, status and metrics; a chart; the data summary.

    ``results`` is the shared :class:`ResultsService` (one is made when omitted, with
    ``workspace``). ``seed`` seeds the random-user button.
    """

    def __init__(
        self,
        catalog: Catalog,
        registry: ModelRegistry,
        *,
        results: ResultsService | None = None,
        workspace: Any = None,
        seed: int | None = None,
    ) -> None:
        self.catalog = catalog
        self.registry = registry
        self.service = results or ResultsService(
            catalog, workspace=registry.workspace if workspace is None else workspace)
        self._rng = np.random.default_rng(seed)
        self._callbacks: list[Callable[[Any], Any]] = []
        self._infos: list[ModelInfo] = []
        self._table = pd.DataFrame()
        self._last_random: Any = None
        self._problems: dict[str, str] = {}  # model name -> why it cannot answer as declared
        self._notes: list[str] = []  # the sentences under the table

        self._refresh = widgets.Button(description="Refresh", icon="refresh",
                                       tooltip="Describe every model again")
        self._random = widgets.Button(description="Select random user", icon="random",
                                      button_style="primary",
                                      layout=widgets.Layout(width="auto"))  # whole label
        self._table_html = widgets.HTML(layout=widgets.Layout(overflow="auto"))  # narrow pages
        self._note = widgets.HTML()  # under the table: why two rows can show equal metrics
        self._chart = widgets.Image(format="png", layout=widgets.Layout(max_width="760px"))
        self._data = widgets.HTML()
        self.status_line = StatusLine()

        self._refresh.on_click(self._on_refresh_click)
        self._random.on_click(self._on_random_click)
        registry.observe(self._on_registry_change)

        self.widget = widgets.VBox([
            widgets.HTML("<h3>Models</h3>"),
            widgets.HBox([self._refresh, self._random]),
            self.status_line.widget,
            self._table_html,
            self._note,
            self._chart,
            widgets.HTML("<h3>Data</h3>"),
            self._data,
        ])
        self._render_data()
        self.status_line.run(self._update_models, busy="Describing the models…")

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    # ---- state ----------------------------------------------------------------------------

    @property
    def table(self) -> pd.DataFrame:
        """The table shown: name, type, recipe, status, then the metrics rounded to 4 places
        (NaN where the model has no such metric), one row per model in display order."""
        return self._table

    @property
    def models(self) -> list[ModelInfo]:
        """The models' descriptions, in display order (errors in ``ModelInfo.error``)."""
        return list(self._infos)

    @property
    def data_summary(self) -> dict[str, int]:
        """Reviewers, movies and interactions, counted from the catalog."""
        return dict(self._summary)

    @property
    def last_random_user(self) -> Any:
        """The user the random-user button picked last (``None`` before the first click)."""
        return self._last_random

    @property
    def status(self) -> str:
        """The status line's message ("" when all is well)."""
        return self.status_line.message

    @property
    def html(self) -> str:
        """The table's HTML."""
        return self._table_html.value

    @property
    def note(self) -> str:
        """The sentences under the table, one per line ("" when none applies): why two rows
        show equal metrics, and each campaign whose latest update failed."""
        return "\n".join(self._notes)

    # ---- public actions -------------------------------------------------------------------

    def refresh(self) -> None:
        """Describe every model again (forgetting cached descriptions)."""
        for spec in self.registry.models:
            self.service.refresh(spec.name)
        self.status_line.run(self._update_models, busy="Describing the models…")

    def select_random_user(self) -> Any:
        """Pick a random user and hand it to the :meth:`on_random_user` callbacks."""
        self._last_random = self.catalog.random_user(self._rng)
        for callback in list(self._callbacks):
            callback(self._last_random)
        return self._last_random

    def on_random_user(self, callback: Callable[[Any], Any], remove: bool = False) -> None:
        """Call ``callback(user_id)`` when a random user is selected (``remove`` to stop)."""
        if remove:
            if callback in self._callbacks:
                self._callbacks.remove(callback)
        elif callback not in self._callbacks:
            self._callbacks.append(callback)

    def close(self) -> None:
        """Stop following the registry and close the widgets."""
        self.registry.observe(self._on_registry_change, remove=True)
        self.widget.close()

    # ---- handlers -------------------------------------------------------------------------

    def _on_refresh_click(self, _button: widgets.Button) -> None:
        self.refresh()

    def _on_random_click(self, _button: widgets.Button) -> None:
        self.status_line.run(self.select_random_user, busy="Picking a random user…")

    def _on_registry_change(self, _registry: Any) -> None:
        self.status_line.run(self._update_models, busy="Describing the models…")

    # ---- the update path ------------------------------------------------------------------

    def _update_models(self) -> None:
        specs = [spec for model_type in TYPE_ORDER for spec in self.registry.of_type(model_type)]
        self._infos = self.service.describe_all(specs)
        self._table = summary_table(self._infos)
        problems = {info.name: info.error for info in self._infos if info.error}
        for row, info in enumerate(self._infos):
            if info.update_failure and info.status:
                self._table.loc[row, "status"] = f"{info.status} (update failed)"
            expected = type_mismatch(info)
            if expected is None:
                continue
            # It is ACTIVE, but every request of its declared type would be refused.
            self._table.loc[row, "status"] = f"type mismatch: {info.recipe} answers {expected}"
            problems.setdefault(info.name, (
                f"Model {info.name!r} is declared as {info.type!r}, but its recipe "
                f"{info.recipe} answers {expected!r} queries: change its type to "
                f"{expected!r} in Administration, or point it to a {info.type} campaign."))
        self._problems = problems
        self._table_html.value = self._table_markup()
        notes = [SAME_METRICS_NOTE] if _both_user_recipes(self._infos) else []
        notes += [update_failed_note(info) for info in self._infos if info.update_failure]
        self._note.value = "".join(f"<div style='color:#6a7282'>{html.escape(note)}</div>"
                                   for note in notes)
        self._notes = notes
        self._render_chart()
        errors = list(problems.values())
        if errors:
            self.status_line.error(" ".join(errors))
        elif not self._infos:
            self.status_line.show("No models in the registry yet: add one to see it here.")

    def _table_markup(self) -> str:
        # nowrap: a recipe name never breaks at its hyphens ("aws-/popularity-/count"); a
        # table wider than its box scrolls sideways inside the box (JupyterLab's narrow
        # output area) instead of being cut off. The box's "width:0;min-width:100%" keeps
        # the table's width out of the widget's own (a flex item grows to its content
        # otherwise, and an outer box cuts it), while the box still fills the widget.
        head = "".join(f"<th style='{_CELL}text-align:left'>{html.escape(h)}</th>"
                       for h in ("Name", "Type", "Recipe", "Status",
                                 *(label for label, _ in METRICS)))
        body = []
        for info, row in zip(self._infos, self._table.to_dict("records"), strict=True):
            cells = [info.name, TYPE_LABELS.get(info.type, info.type),
                     info.recipe or "—", row["status"] or "—"]
            tds = "".join(f"<td style='{_CELL}'>{html.escape(str(c))}</td>"
                          for c in cells)
            for label, _ in METRICS:
                value = row[label]
                text = "—" if math.isnan(value) else f"{value:.{DECIMALS}f}"
                tds += f"<td style='{_CELL}text-align:right'>{text}</td>"
            problem = self._problems.get(info.name)
            title = f" title='{html.escape(problem, quote=True)}'" if problem else ""
            body.append(f"<tr{title}>{tds}</tr>")
        if not body:
            body.append(f"<tr><td colspan='{4 + len(METRICS)}' style='color:#6a7282'>"
                        "No models registered.</td></tr>")
        return (f"<div class='videorecs-models-box' style='overflow-x:auto;width:0;min-width:100%'>"
                f"<table class='videorecs-models' style='border-collapse:collapse;"
                f"width:max-content'><thead><tr>{head}</tr></thead>"
                f"<tbody>{''.join(body)}</tbody></table></div>")

    def _render_chart(self) -> None:
        described = [i for i in self._infos if i.metrics]
        if not described:
            self._chart.layout.display = "none"
            return
        # A name with a glyph the font lacks (an emoji) is drawn as a box; matplotlib's
        # UserWarning about it would reach the page or the cell as a stderr box.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from font",
                                    category=UserWarning)
            self._chart.value = self._chart_png(described)
        self._chart.layout.display = "block"

    @staticmethod
    def _chart_png(described: list[ModelInfo]) -> bytes:
        buffer = io.BytesIO()
        metrics_figure(described).savefig(buffer, format="png")
        return buffer.getvalue()

    def _render_data(self) -> None:
        self._summary = self.catalog.summary()
        self._data.value = " · ".join(
            f"<b>{value:,}</b> {html.escape(key)}" for key, value in self._summary.items()
        )
