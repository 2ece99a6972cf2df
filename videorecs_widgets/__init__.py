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
    UnknownUserError,
    VideorecsError,
)

__version__ = "0.1.0"

__all__ = [
    "DataError",
    "InvalidParameterError",
    "EngineError",
    "InteractionsValidationError",
    "RegistryConflictError",
    "RegistryError",
    "RegistryValidationError",
    "UnknownIdError",
    "UnknownItemError",
    "UnknownUserError",
    "VideorecsError",
    "__version__",
]
