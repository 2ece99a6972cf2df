"""The panels, and the pieces they share.

Panels (each usable alone, displayed like any widget):

- :class:`ModelSummary`: every model with recipe, status and metrics; data summary; random user.
- :class:`RecommendationsPanel`: two recommendation models side by side for one user.
- :class:`PersonalRankingPanel`: a genre's popular films re-ranked for the user by a model.
- :class:`SimilarItemsPanel`: films similar to a starting film, optionally re-ranked.
- :class:`RegistryEditor`: add, edit and remove the registry's models, checked and saved.
- :class:`VideoRecsApp`: all of the above in one widget, as the original site.

Shared pieces, for building more panels:

- :class:`UserNavigator`: current user, random / previous / next / id box, review summary,
  top-rated films; ``on_user_change(callback)``.
- :class:`FilmGrid` and :func:`card_html`: film cards (escaped), optionally selectable.
- :class:`StatusLine`: one-line status with a busy indicator; ``run(fn)`` catches and logs.
- :class:`WaitProgress`: status lines while waiting on Personalize resources (notebook 01).
- :mod:`~videorecs_widgets.widgets.controls`: model drop-downs (values are model names,
  "no model selected" first) and :func:`paused` for observers.

Panels never call boto3: they ask :class:`videorecs_widgets.results.ResultsService`.
"""

from videorecs_widgets.widgets.app import VideoRecsApp
from videorecs_widgets.widgets.cards import FilmGrid, card_html
from videorecs_widgets.widgets.controls import (
    NO_MODEL,
    NO_MODEL_VALUE,
    chosen,
    model_dropdown,
    model_options,
    paused,
    set_model_options,
)
from videorecs_widgets.widgets.editor import RegistryEditor
from videorecs_widgets.widgets.navigator import UserNavigator
from videorecs_widgets.widgets.progress import WaitProgress
from videorecs_widgets.widgets.ranking import PersonalRankingPanel
from videorecs_widgets.widgets.recommendations import RecommendationsPanel
from videorecs_widgets.widgets.similar import SimilarItemsPanel
from videorecs_widgets.widgets.status import StatusLine
from videorecs_widgets.widgets.summary import ModelSummary

__all__ = [
    "NO_MODEL",
    "NO_MODEL_VALUE",
    "FilmGrid",
    "ModelSummary",
    "PersonalRankingPanel",
    "RecommendationsPanel",
    "RegistryEditor",
    "SimilarItemsPanel",
    "StatusLine",
    "UserNavigator",
    "VideoRecsApp",
    "WaitProgress",
    "card_html",
    "chosen",
    "model_dropdown",
    "model_options",
    "paused",
    "set_model_options",
]
