"""Every error the library raises derives from :class:`VideorecsError`.

::

    VideorecsError
    ├── InvalidParameterError (+ ValueError)  an argument or notebook parameter is unusable
    ├── DataError                   MovieLens fetch / parse / verification failed
    │   └── InteractionsValidationError   a Personalize interactions file would be refused
    ├── UnknownIdError (+ KeyError) a user or item id that the data does not have
    │   ├── UnknownUserError
    │   ├── UnknownItemError
    │   └── UnknownGenreError
    ├── RegistryError               models.yaml could not be read, validated or saved
    │   ├── RegistryValidationError
    │   ├── RegistryConflictError   the file changed on disk since it was loaded
    │   └── UnknownModelError (+ KeyError) no model of that name in the registry
    ├── EngineError                 the embedded engine's own failures (damaged model file, ...)
    ├── AwsCredentialsError (+ botocore NoCredentialsError)  no usable AWS credentials for
    │                               "aws" (none found, a missing profile, a broken config file)
    │                               (defined in videorecs_widgets.clients, beside botocore)
    └── ResourceFailedError         a Personalize resource ended CREATE FAILED (failureReason)
        └── WaitTimeoutError (+ TimeoutError) it did not become ACTIVE in time

Errors from a Personalize service (real or embedded) reach callers as
``botocore.exceptions.ClientError``, exactly as boto3 raises them.
"""

from __future__ import annotations


class VideorecsError(Exception):
    """Base of every error raised by videorecs_widgets."""


class InvalidParameterError(VideorecsError, ValueError):
    """An argument (or a notebook parameter) cannot be used; the message says which and why."""


class DataError(VideorecsError):
    """MovieLens data could not be fetched, parsed or verified."""


class InteractionsValidationError(DataError):
    """An interactions file has problems Personalize would fail on.

    ``problems`` lists one sentence per problem, each naming the column, row and value.
    """

    def __init__(self, problems: list[str], source: str = "interactions") -> None:
        self.problems = list(problems)
        self.source = source
        lines = "\n".join(f"- {p}" for p in self.problems)
        super().__init__(f"{source}: {len(self.problems)} problem(s) found:\n{lines}")


class UnknownIdError(VideorecsError, KeyError):
    """An id that the catalog does not hold."""

    kind = "id"

    def __init__(self, value: object, hint: str = "") -> None:
        self.value = value
        self.hint = hint  # what to use instead, e.g. "Did you mean 'Horror'? ..."
        super().__init__(value)

    def __str__(self) -> str:
        text = f"Unknown {self.kind} {self.value!r}: it is not in the catalog."
        return f"{text} {self.hint}" if self.hint else text


class UnknownUserError(UnknownIdError):
    kind = "user id"


class UnknownItemError(UnknownIdError):
    kind = "item id"


class UnknownGenreError(UnknownIdError):
    """A genre the catalog does not have (``popular(genre=...)``)."""

    kind = "genre"


class RegistryError(VideorecsError):
    """models.yaml could not be read, validated or saved."""


class RegistryValidationError(RegistryError):
    """models.yaml (or a model being added) breaks a rule; the message names file, line, field."""


class RegistryConflictError(RegistryError):
    """The registry file changed on disk since it was loaded and a save would overwrite that."""


class UnknownModelError(RegistryError, KeyError):
    """No model of that name in the registry (of ``model_type``, when one was asked for)."""

    def __init__(self, name: object, source: str = "the registry", *,
                 model_type: str | None = None, available: tuple[str, ...] = (),
                 look_alike: str | None = None) -> None:
        self.name = name
        self.source = source
        self.model_type = model_type
        self.available = tuple(available)  # the models of that type, to pick from instead
        self.look_alike = look_alike  # a model whose name differs only in case or spacing
        super().__init__(name)

    def __str__(self) -> str:
        if self.model_type is None:
            hint = f" Did you mean {self.look_alike!r}?" if self.look_alike else ""
            return f"No model named {self.name!r} in {self.source}.{hint}"
        listed = ", ".join(repr(n) for n in self.available) or "none"
        return (f"No model named {self.name!r} of type {self.model_type} in {self.source} "
                f"(models of that type: {listed}).")


class EngineError(VideorecsError):
    """The embedded engine could not do what was asked (for example a damaged model file)."""


class ResourceFailedError(VideorecsError):
    """A Personalize resource (local or AWS) ended CREATE FAILED; the message has its reason."""


class WaitTimeoutError(ResourceFailedError, TimeoutError):
    """A Personalize resource was not ACTIVE before the wait's timeout."""
