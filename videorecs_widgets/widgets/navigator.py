"""The user navigator shared by the explorer panels: pick a user, see who they are.

Random, previous and next buttons and a user id box; the current user's age, gender and
occupation; their review summary per star level ("5 stars: 20.0% (21 reviews)", every level
shown even when it has no reviews); their 25 top-rated films, shown or hidden by a toggle.
An id that the catalog does not have is reported in the status line and the current user
stays; nothing jumps to user 1.
"""

from __future__ import annotations

import contextlib
import html
import logging
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
import numpy as np

from videorecs_widgets.errors import UnknownUserError
from videorecs_widgets.widgets.cards import FilmGrid
from videorecs_widgets.widgets.status import StatusLine

if TYPE_CHECKING:
    from videorecs_widgets.catalog import Catalog

log = logging.getLogger(__name__)

_GENDERS = {"M": "male", "F": "female"}


def review_lines(summary: Any) -> list[str]:
    """``["5 stars: 20.0% (21 reviews)", ..., "1 star: 0.0% (0 reviews)"]`` from a summary.

    ``summary`` is the catalog's review summary (rows with ``stars`` and ``count``). Shares
    are recomputed from the counts, and every level from 5 down to 1 gets its own line, so a
    level without reviews cannot shift the labels.
    """
    counts = {int(s): int(c) for s, c in zip(summary["stars"], summary["count"], strict=True)}
    total = sum(counts.values())
    lines = []
    for stars in range(5, 0, -1):
        count = counts.get(stars, 0)
        share = 100.0 * count / total if total else 0.0
        star_word = "star" if stars == 1 else "stars"
        review_word = "review" if count == 1 else "reviews"
        lines.append(f"{stars} {star_word}: {share:.1f}% ({count} {review_word})")
    return lines


class UserNavigator:
    """Choose the current user and show their profile, review summary and top-rated films.

    ``user_id`` is the first user shown (default: the catalog's first user). ``seed`` seeds
    the random-user button. Other code follows the current user with
    :meth:`on_user_change` and moves it with :meth:`set_user`.
    """

    def __init__(
        self, catalog: Catalog, user_id: Any = None, *, seed: int | None = None,
        top_n: int = 25,
    ) -> None:
        self.catalog = catalog
        self.top_n = top_n
        self._rng = np.random.default_rng(seed)
        self._callbacks: list[Callable[[Any], Any]] = []
        ids = list(catalog.user_ids)
        self._user: Any = None
        self._profile_text = ""
        self._review_lines: list[str] = []

        self._random = widgets.Button(description="Random user", icon="random")
        self._previous = widgets.Button(description="Previous", icon="arrow-left")
        self._next = widgets.Button(description="Next", icon="arrow-right")
        self._id_box = widgets.Text(description="User id", continuous_update=False,
                                    layout=widgets.Layout(width="180px"))
        self._profile = widgets.HTML()
        self._reviews = widgets.HTML()
        self._top_toggle = widgets.ToggleButton(value=False, description="Show top-rated films",
                                                icon="star",  # whole label, not stretched:
                                                layout=widgets.Layout(width="max-content"))
        self._top_grid = FilmGrid(top_n, empty_text="This user has rated no films.")
        self._top_grid.widget.layout.display = "none"
        self.status_line = StatusLine()

        self._random.on_click(self._on_random_click)
        self._previous.on_click(self._on_previous_click)
        self._next.on_click(self._on_next_click)
        self._id_box.observe(self._on_id_box_change, names="value")
        self._top_toggle.observe(self._on_top_toggle_change, names="value")

        self.widget = widgets.VBox([
            widgets.HBox([self._random, self._previous, self._next, self._id_box]),
            self.status_line.widget,
            widgets.HBox([self._profile, self._reviews],
                         layout=widgets.Layout(grid_gap="24px", align_items="flex-start")),
            self._top_toggle,
            self._top_grid.widget,
        ])
        self._update_user(ids[0] if user_id is None else self._known(user_id), notify=False)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    # ---- state ----------------------------------------------------------------------------

    @property
    def current_user(self) -> Any:
        """The id of the user shown."""
        return self._user

    @property
    def status(self) -> str:
        """The status line's message ("" when there is none)."""
        return self.status_line.message

    @property
    def top_rated(self) -> Any:
        """The top-rated films frame shown (empty while the list is hidden)."""
        return self._top_grid.frame

    @property
    def top_rated_visible(self) -> bool:
        """Whether the top-rated films are shown."""
        return bool(self._top_toggle.value)

    @property
    def profile_text(self) -> str:
        """The profile line shown, as plain text."""
        return self._profile_text

    @property
    def review_text(self) -> list[str]:
        """The review summary lines shown, 5 stars first."""
        return list(self._review_lines)

    # ---- public actions -------------------------------------------------------------------

    def set_user(self, user_id: Any) -> None:
        """Make ``user_id`` the current user; raises :class:`UnknownUserError` if unknown."""
        self._update_user(self._known(user_id))

    def show_top_rated(self, visible: bool = True) -> None:
        """Show or hide the user's top-rated films (as the toggle does)."""
        self._top_toggle.value = bool(visible)

    def random_user(self) -> None:
        """Jump to a random user (as the Random button does)."""
        self._update_user(self.catalog.random_user(self._rng))

    def next_user(self) -> None:
        """Go to the next user (as the Next button does)."""
        self._update_user(self.catalog.next_user(self._user))

    def previous_user(self) -> None:
        """Go to the previous user (as the Previous button does)."""
        self._update_user(self.catalog.previous_user(self._user))

    def on_user_change(self, callback: Callable[[Any], Any], remove: bool = False) -> None:
        """Call ``callback(user_id)`` after the current user changes (``remove`` to stop)."""
        if remove:
            if callback in self._callbacks:
                self._callbacks.remove(callback)
        elif callback not in self._callbacks:
            self._callbacks.append(callback)

    # ---- handlers -------------------------------------------------------------------------

    def _on_random_click(self, _button: widgets.Button) -> None:
        self.status_line.run(self.random_user, busy="Picking a random user…")

    def _on_previous_click(self, _button: widgets.Button) -> None:
        self.status_line.run(self.previous_user, busy="Going to the previous user…")

    def _on_next_click(self, _button: widgets.Button) -> None:
        self.status_line.run(self.next_user, busy="Going to the next user…")

    def _on_id_box_change(self, change: dict[str, Any]) -> None:
        text = str(change["new"]).strip()
        try:
            user_id = self._known(text) if text else self._user
        except UnknownUserError:
            self._set_box(self._user)
            self.status_line.error(
                f"No user with id {text!r} in the catalog; still showing user {self._user}."
            )
            return
        if user_id == self._user:
            # An emptied box, or the user shown already: show the id again and drop an
            # earlier "no user with id" message, which no longer applies.
            self._set_box(self._user)
            if self.status_line.kind == "error":
                self.status_line.clear()
            return
        self.status_line.run(self._update_user, user_id, busy=f"Opening user {user_id}…")

    def _on_top_toggle_change(self, change: dict[str, Any]) -> None:
        visible = bool(change["new"])
        self._top_toggle.description = ("Hide top-rated films" if visible
                                        else "Show top-rated films")
        self._top_grid.widget.layout.display = "flex" if visible else "none"
        if visible:
            self.status_line.run(self._update_top_rated, busy="Loading top-rated films…")
        else:
            self._top_grid.clear()

    # ---- the one update path --------------------------------------------------------------

    def _update_user(self, user_id: Any, notify: bool = True) -> None:
        profile = self.catalog.user_profile(user_id)
        summary = self.catalog.review_summary(user_id)
        self._user = user_id
        self._set_box(user_id)
        if self.status_line.kind == "error":  # an earlier "unknown id" no longer applies
            self.status_line.clear()
        age, gender = profile.get("age"), profile.get("gender")
        occupation = profile.get("occupation")
        parts = [f"User {user_id}"]
        if age is not None:
            parts.append(f"age {age}")
        if gender is not None:
            parts.append(_GENDERS.get(str(gender), str(gender)))
        if occupation is not None:
            parts.append(str(occupation))
        self._profile_text = " · ".join(parts)
        self._profile.value = f"<b>{html.escape(self._profile_text)}</b>"
        self._review_lines = review_lines(summary)
        self._reviews.value = "<br>".join(html.escape(line) for line in self._review_lines)
        if self._top_toggle.value:
            self._update_top_rated()
        if notify:
            for callback in list(self._callbacks):
                callback(user_id)

    def _update_top_rated(self) -> None:
        frame = self.catalog.top_rated(self._user, n=self.top_n)
        self._top_grid.show(frame, message=f"{len(frame)} highest-rated films of user "
                                           f"{self._user} (ties in file order)")

    # ---- helpers --------------------------------------------------------------------------

    def _known(self, user_id: Any) -> Any:
        # The catalog's own id (ints become their decimal text); unknown ids raise.
        return self.catalog.user_profile(user_id)["user_id"]

    @contextlib.contextmanager
    def _paused(self) -> Iterator[None]:
        """Stop reacting to the id box while code writes into it."""
        self._id_box.unobserve(self._on_id_box_change, names="value")
        try:
            yield
        finally:
            self._id_box.observe(self._on_id_box_change, names="value")

    def _set_box(self, user_id: Any) -> None:
        with self._paused():
            self._id_box.value = str(user_id)
