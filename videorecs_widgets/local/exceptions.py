"""The service errors the embedded engine answers with.

Each class carries the error code Amazon Personalize uses as a class attribute, and the HTTP
status it travels with. The protocol layer turns them into an error response that botocore parses
into ``botocore.exceptions.ClientError``, so callers see exactly what the service would send::

    EngineError                       (videorecs_widgets.errors)
    └── PersonalizeServiceError       code, status
        ├── InvalidInputException
        ├── InvalidNextTokenException
        ├── LimitExceededException
        ├── ResourceAlreadyExistsException
        ├── ResourceInUseException
        ├── ResourceNotFoundException  (404 on the runtime API, 400 on the control plane)
        ├── TooManyTagsException
        ├── ModelFileException         local only: a trained model file is missing or damaged
        ├── StateFileException         local only: the workspace's state.json cannot be read
        └── InternalFailure            anything else that went wrong inside the engine (500)

Messages follow the service's wording ("Resource Arn arn:...:campaign/x does not exist.").
"""

from __future__ import annotations

from videorecs_widgets.errors import EngineError


class PersonalizeServiceError(EngineError):
    """An error answer of the embedded Personalize service."""

    code = "InternalFailure"
    status = 400
    # The runtime API (rest-json) gives some errors their own status; the control plane (json)
    # answers every client error with 400.
    runtime_status: int | None = None

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)

    def status_for(self, service: str) -> int:
        if service == "personalize-runtime" and self.runtime_status is not None:
            return self.runtime_status
        return self.status


class InvalidInputException(PersonalizeServiceError):
    code = "InvalidInputException"


class InvalidNextTokenException(PersonalizeServiceError):
    code = "InvalidNextTokenException"


class LimitExceededException(PersonalizeServiceError):
    code = "LimitExceededException"


class ResourceAlreadyExistsException(PersonalizeServiceError):
    code = "ResourceAlreadyExistsException"

    @classmethod
    def for_arn(cls, arn: str) -> ResourceAlreadyExistsException:
        return cls(f"Resource Arn {arn} already exists.")


class ResourceInUseException(PersonalizeServiceError):
    code = "ResourceInUseException"


class ResourceNotFoundException(PersonalizeServiceError):
    code = "ResourceNotFoundException"
    runtime_status = 404

    @classmethod
    def for_arn(cls, arn: str) -> ResourceNotFoundException:
        return cls(f"Resource Arn {arn} does not exist.")


class TooManyTagsException(PersonalizeServiceError):
    code = "TooManyTagsException"


class ModelFileException(PersonalizeServiceError):
    """A trained model file is missing or damaged: only the resources using it are affected.

    The service has no such error (its models never go missing); the embedded engine answers
    with this code and status 500 so the caller sees a ClientError that names the file.
    """

    code = "ModelFileException"
    status = 500


class StateFileException(PersonalizeServiceError):
    """The workspace's ``state.json`` cannot be read (damaged, another version, unknown entries).

    Local only, like :class:`ModelFileException`: status 500, and every call answers it until
    the file is moved away or repaired, so the engine never works on (or saves over) a state it
    did not understand.
    """

    code = "StateFileException"
    status = 500


class InternalFailure(PersonalizeServiceError):
    """An unexpected error inside the engine (a bug): the common AWS error code and status for a
    request that failed for an unknown reason. The protocol layer answers it for any exception
    that is not a service error, and logs the traceback."""

    code = "InternalFailure"
    status = 500
