"""videorecs_widgets: the Video Recommendations lab inside a notebook.

A model registry over ``models.yaml``, ipywidgets panels to explore and compare recommendation
models, and an embedded engine that trains Personalize-style models on this machine and answers
the Personalize API through ordinary boto3 clients.

Everything public is importable from here. Names other than the errors (except
``AwsCredentialsError``, which is also a botocore error) are loaded on first use, so
``import videorecs_widgets`` stays cheap (no ipywidgets or matplotlib until a panel is
asked for).
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

from videorecs_widgets.errors import (
    DataError,
    EngineError,
    InteractionsValidationError,
    InvalidParameterError,
    RegistryConflictError,
    RegistryError,
    RegistryValidationError,
    ResourceFailedError,
    UnknownGenreError,
    UnknownIdError,
    UnknownItemError,
    UnknownModelError,
    UnknownUserError,
    VideorecsError,
    WaitTimeoutError,
)

__version__ = "0.1.0"

# A library leaves handlers to the application: without one, Python's last-resort handler
# would print every logged traceback to stderr, which a notebook shows under the cell. The
# panels' status lines say what failed; a user who configures logging sees the tracebacks.
logging.getLogger("videorecs_widgets").addHandler(logging.NullHandler())

# public name -> the module that defines it
_LAZY = {
    "AwsCredentialsError": "videorecs_widgets.clients",  # a botocore error too: not eager
    "Catalog": "videorecs_widgets.catalog",
    "DuplicateModelWarning": "videorecs_widgets.registry",
    "FilmGrid": "videorecs_widgets.widgets",
    "MODEL_TYPES": "videorecs_widgets.registry",
    "ModelCheck": "videorecs_widgets.registry_check",
    "ModelRegistry": "videorecs_widgets.registry",
    "ModelSpec": "videorecs_widgets.registry",
    "ModelSummary": "videorecs_widgets.widgets",
    "MovieLensData": "videorecs_widgets.movielens",
    "PersonalRankingPanel": "videorecs_widgets.widgets",
    "PersonalizeClients": "videorecs_widgets.clients",
    "RecommendationsPanel": "videorecs_widgets.widgets",
    "RegistryEditor": "videorecs_widgets.widgets",
    "Result": "videorecs_widgets.results",
    "ResultsService": "videorecs_widgets.results",
    "SimilarItemsPanel": "videorecs_widgets.widgets",
    "StatusLine": "videorecs_widgets.widgets",
    "UserNavigator": "videorecs_widgets.widgets",
    "VideoRecsApp": "videorecs_widgets.widgets",
    "WaitProgress": "videorecs_widgets.widgets",
    "backend_for_arn": "videorecs_widgets.clients",
    "clients_for_arn": "videorecs_widgets.clients",
    "movielens": None,
    "overlap": "videorecs_widgets.results",
    "personalize_clients": "videorecs_widgets.clients",
    "personalize_data": None,
    "provision": None,
    "recipe_model_type": "videorecs_widgets.registry",
    "wait_until_active": "videorecs_widgets.clients",
}

__all__ = [
    "AwsCredentialsError",
    "Catalog",
    "DataError",
    "DuplicateModelWarning",
    "EngineError",
    "FilmGrid",
    "InteractionsValidationError",
    "InvalidParameterError",
    "MODEL_TYPES",
    "ModelCheck",
    "ModelRegistry",
    "ModelSpec",
    "ModelSummary",
    "MovieLensData",
    "PersonalRankingPanel",
    "PersonalizeClients",
    "RecommendationsPanel",
    "RegistryConflictError",
    "RegistryEditor",
    "RegistryError",
    "RegistryValidationError",
    "ResourceFailedError",
    "Result",
    "ResultsService",
    "SimilarItemsPanel",
    "StatusLine",
    "UnknownGenreError",
    "UnknownIdError",
    "UnknownItemError",
    "UnknownModelError",
    "UnknownUserError",
    "UserNavigator",
    "VideoRecsApp",
    "VideorecsError",
    "WaitProgress",
    "WaitTimeoutError",
    "__version__",
    "backend_for_arn",
    "clients_for_arn",
    "movielens",
    "overlap",
    "personalize_clients",
    "personalize_data",
    "provision",
    "recipe_model_type",
    "wait_until_active",
]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'videorecs_widgets' has no attribute {name!r}")
    module = _LAZY[name]
    value = (importlib.import_module(f"videorecs_widgets.{name}") if module is None
             else getattr(importlib.import_module(module), name))
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
