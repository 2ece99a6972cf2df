"""The service's input limits that botocore leaves to the service: maximum lengths, maximum
values and patterns.

botocore's parameter validator checks types, required members and minimums, but skips the
``max`` and ``pattern`` of a shape; the service refuses them with InvalidInputException.
:func:`request_checker` reads those constraints from the operation's input shape in botocore's
own service model (so they follow the installed model, never a copy of its numbers) and
compiles them once per operation into a function that checks a request's camelCase JSON.
Members without a constraint anywhere below them are skipped, so a check costs a few ``len``
calls on the runtime path.

The message is worded as the service words it::

    1 validation error detected: Value 'ddd...' at 'name' failed to satisfy constraint:
    Member must have length less than or equal to 63

Values are shown as the service (written in Java) prints them: lists as ``[a, b]``, maps as
``{k=v}``; a list or map whose members break a limit is named as a whole, with
"Member must satisfy constraint: [...]" ("Map value ..." / "Map keys ..." for maps); members of
a list of structures are named ``tags.1.member.tagKey`` (counted from 1).

Patterns are matched against the whole value, as the service's (Java) validator does:
``^[a-zA-Z0-9][a-zA-Z0-9\\-_]*`` refuses the name ``'my group'``. The few Java-only classes in
the model (``\\p{ASCII}``, ``\\p{L}\\p{Z}\\p{N}``) are translated; a pattern Python still cannot
compile is left unchecked rather than guessed at.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from botocore.model import OperationModel, Shape

from videorecs_widgets.local.exceptions import InvalidInputException

# A check appends the service's "Value ... at '<path>' failed ..." sentences to the list.
Check = Callable[[Any, str, list[str]], None]
# A member check returns the bare constraints a list or map member breaks ("Member must ...").
MemberCheck = Callable[[Any], list[str]]

# Shapes whose limits the engine does not apply, because it deliberately accepts more than the
# service: a data location may also be a local path or a file:// URI (see .importer), which
# neither fits the S3 pattern nor, in a deep folder, 256 characters.
ENGINE_EXTENSIONS = frozenset({"S3Location"})

_JAVA_CLASSES = (
    (r"\p{ASCII}", r"[\x00-\x7F]"),
    (r"\p{L}\p{Z}\p{N}", r"\w\s"),  # letters, separators, digits (inside a [...] class)
)


def _compile_pattern(pattern: str | None) -> re.Pattern[str] | None:
    if not pattern:
        return None
    for java, python in _JAVA_CLASSES:
        pattern = pattern.replace(java, python)
    if r"\p{" in pattern:
        return None
    try:
        return re.compile(pattern)
    except re.error:
        return None


def java_text(value: Any) -> str:
    """A value as the service's messages print it (Java's toString)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(java_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{java_text(k)}={java_text(v)}" for k, v in value.items()) + "}"
    return str(value)


def _failed(value: Any, path: str, constraint: str) -> str:
    return (f"Value '{java_text(value)}' at '{path}' failed to satisfy constraint: "
            f"{constraint}")


def _scalar_constraints(shape: Shape) -> MemberCheck | None:
    """The bare constraints of a string or number shape, or None if it has none to check."""
    limit = shape.metadata.get("max")
    if shape.type_name == "string":
        pattern = _compile_pattern(shape.metadata.get("pattern"))
        raw = shape.metadata.get("pattern")
        if limit is None and pattern is None:
            return None

        def string_constraints(value: Any) -> list[str]:
            broken = []
            if limit is not None and len(value) > limit:
                broken.append(f"Member must have length less than or equal to {limit}")
            if pattern is not None and pattern.fullmatch(value) is None:
                broken.append(f"Member must satisfy regular expression pattern: {raw}")
            return broken

        return string_constraints
    if shape.type_name in ("integer", "long", "float", "double") and limit is not None:
        def number_constraints(value: Any) -> list[str]:
            if value > limit:
                return [f"Member must have value less than or equal to {limit}"]
            return []

        return number_constraints
    return None


class _Compiler:
    """Builds the checks of one service model's shapes, each shape once."""

    def __init__(self) -> None:
        self._done: dict[str, Check | None] = {}
        self._building: set[str] = set()

    def check(self, shape: Shape) -> Check | None:
        key = f"{shape.type_name}:{shape.name}"
        if key in self._done:
            return self._done[key]
        if key in self._building:  # a recursive shape: its limits are checked at the outer level
            return None
        self._building.add(key)
        try:
            built = self._build(shape)
        finally:
            self._building.discard(key)
        self._done[key] = built
        return built

    def _build(self, shape: Shape) -> Check | None:
        if shape.name in ENGINE_EXTENSIONS:
            return None
        if shape.type_name == "structure":
            return self._structure(shape)
        if shape.type_name in ("list", "map"):
            return self._collection(shape)
        bare = _scalar_constraints(shape)
        if bare is None:
            return None

        def scalar(value: Any, path: str, errors: list[str]) -> None:
            errors.extend(_failed(value, path, c) for c in bare(value))

        return scalar

    def _structure(self, shape: Shape) -> Check | None:
        members = {name: check for name, member in shape.members.items()
                   if (check := self.check(member)) is not None}
        if not members:
            return None

        def structure(value: Any, path: str, errors: list[str]) -> None:
            for name, check in members.items():
                item = value.get(name)
                if item is not None:
                    check(item, f"{path}.{name}" if path else name, errors)

        return structure

    def _collection(self, shape: Shape) -> Check | None:
        limit = shape.metadata.get("max")
        is_map = shape.type_name == "map"
        values = shape.value if is_map else shape.member
        keys = _scalar_constraints(shape.key) if is_map else None
        bare_values = (_scalar_constraints(values)
                       if values.type_name not in ("structure", "list", "map") else None)
        nested = self.check(values) if values.type_name in ("structure", "list", "map") else None
        if limit is None and keys is None and bare_values is None and nested is None:
            return None
        all_fine = _fast_length_check(values) if bare_values is not None else None
        prefix = "Map value" if is_map else "Member"

        def collection(value: Any, path: str, errors: list[str]) -> None:
            if limit is not None and len(value) > limit:
                errors.append(_failed(value, path,
                                      f"Member must have length less than or equal to {limit}"))
            items = list(value.values()) if is_map else value
            if keys is not None:
                broken = _union(keys(k) for k in value)
                if broken:
                    errors.append(_failed(value, path, "Map keys must satisfy constraint: "
                                          f"[{', '.join(broken)}]"))
            if bare_values is not None and not (all_fine is not None and all_fine(items)):
                broken = _union(bare_values(v) for v in items if v is not None)
                if broken:
                    errors.append(_failed(value, path, f"{prefix} must satisfy constraint: "
                                          f"[{', '.join(broken)}]"))
            elif nested is not None:
                if is_map:
                    for key, item in value.items():
                        nested(item, f"{path}.{key}", errors)
                else:
                    for number, item in enumerate(value, start=1):
                        nested(item, f"{path}.{number}.member", errors)

        return collection


def _fast_length_check(shape: Shape) -> Callable[[Any], bool] | None:
    """For strings limited only in length (item ids): one pass over the lengths, because an
    inputList of 500 ids is checked on every ranking call."""
    limit = shape.metadata.get("max")
    if shape.type_name != "string" or limit is None or _compile_pattern(
            shape.metadata.get("pattern")) is not None:
        return None
    return lambda items: max(map(len, items), default=0) <= limit


def _union(lists: Any) -> list[str]:
    seen: dict[str, None] = {}
    for broken in lists:
        seen.update(dict.fromkeys(broken))
    return list(seen)


def request_checker(operation: OperationModel) -> Callable[[dict], None]:
    """A function that refuses a request (camelCase JSON) breaking the operation's limits."""
    check = _Compiler().check(operation.input_shape) if operation.input_shape else None

    def check_request(request: dict) -> None:
        if check is None:
            return
        errors: list[str] = []
        check(request, "", errors)
        if errors:
            count = len(errors)
            raise InvalidInputException(
                f"{count} validation error{'s' if count > 1 else ''} detected: "
                + "; ".join(errors)
            )

    return check_request
