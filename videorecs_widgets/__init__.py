"""videorecs_widgets: the Video Recommendations lab inside a notebook.

A model registry over ``models.yaml``, ipywidgets panels to explore and compare recommendation
models, and an embedded engine that trains Personalize-style models on this machine and answers
the Personalize API through ordinary boto3 clients.
"""

from videorecs_widgets.errors import (
    DataError,
    EngineError,
    InteractionsValidationError,
    InvalidParameterError,
    RegistryConflictError,
    RegistryError,
    RegistryValidationError,
    UnknownIdError,
    UnknownItemError,
    UnknownModelError,
    UnknownUserError,
    VideorecsError,
)
from videorecs_widgets.registry import (
    MODEL_TYPES,
    DuplicateModelWarning,
    ModelRegistry,
    ModelSpec,
    recipe_model_type,
)
from videorecs_widgets.registry_check import ModelCheck

__version__ = "0.1.0"

__all__ = [
    "MODEL_TYPES",
    "DataError",
    "DuplicateModelWarning",
    "InvalidParameterError",
    "EngineError",
    "InteractionsValidationError",
    "ModelCheck",
    "ModelRegistry",
    "ModelSpec",
    "RegistryConflictError",
    "RegistryError",
    "RegistryValidationError",
    "UnknownIdError",
    "UnknownItemError",
    "UnknownModelError",
    "UnknownUserError",
    "VideorecsError",
    "__version__",
    "recipe_model_type",
]
