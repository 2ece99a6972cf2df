"""Personalize filter expressions: parsing, and applying them to a list of candidate items.

The part of the language the engine handles (anything else is refused when the filter is
created, with a message naming the part, never ignored)::

    expression := block ( "|" block )*
    block      := ( "INCLUDE" | "EXCLUDE" ) "ItemID" "WHERE" condition ( "AND" condition )*
    condition  := "Items." FIELD ( "IN" | "NOT IN" ) "(" values ")"
                | "Items." FIELD ( "=" | "<" | "<=" | ">" | ">=" ) value   (numeric fields)
                | "Interactions.EVENT_TYPE" "IN" "(" values ")"      (EXCLUDE blocks only)
    values     := value ( "," value )*   ;   value := "text" | number | $PARAM

``Interactions.EVENT_TYPE IN ("*")`` means any interaction of the user; ``"*"`` means
nothing for an item field and is refused there. An item field holding several values joined
with "|" (like GENRES) matches ``IN`` when any of its values is listed.

Item fields are read with the type the ITEMS schema declares (:func:`check_fields` checks an
expression against it when the filter is created and again at every request, since the
dataset can be deleted or replaced in between): a numeric field (int, long, float, double)
compares numbers as numbers, so ``Items.YEAR IN ("1995")`` matches a YEAR of 1995 however the
value was stored, and every value given for it must be a finite number ("inf", "nan" are
refused); the comparisons ``= < <= > >=`` are for numeric fields only and take exactly one
value (a ``$PARAM`` given several values there is refused, not cut to its first); boolean
fields cannot be filtered on (the service's "Guidelines and requirements": filter on a string
field holding "True" / "False" instead).

Blocks apply one after the other: INCLUDE keeps only the items that match, EXCLUDE drops them.
As the service documents, a block whose ``$PARAM`` has no value in ``filterValues`` is skipped
when it EXCLUDEs, and is an error when it INCLUDEs. Each ``filterValues`` entry holds its values
in double quotes, comma-separated (``'"Horror","Comedy"'``); an unquoted one is refused.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from videorecs_widgets.local.exceptions import InvalidInputException

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\]|\\.)*")
      | (?P<param>\$[A-Za-z_][A-Za-z0-9_]*)
      | (?P<number>-?\d+(?:\.\d+)?)
      | (?P<op><=|>=|<|>|=)
      | (?P<punct>[(),|])
      | (?P<word>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?)
    )""",
    re.VERBOSE,
)

_COMPARISONS = ("=", "<", "<=", ">", ">=")


@dataclass(frozen=True)
class Value:
    """A literal (text or number) or a ``$PARAM`` placeholder."""

    literal: str | None = None
    param: str | None = None


@dataclass(frozen=True)
class Condition:
    source: str  # "Items" or "Interactions"
    field: str
    op: str  # "IN", "NOT IN" or a comparison
    values: tuple[Value, ...]

    @property
    def params(self) -> set[str]:
        return {v.param for v in self.values if v.param}


@dataclass(frozen=True)
class Block:
    action: str  # "INCLUDE" or "EXCLUDE"
    conditions: tuple[Condition, ...]

    @property
    def params(self) -> set[str]:
        return set().union(*(c.params for c in self.conditions))


@dataclass(frozen=True)
class FilterExpression:
    text: str
    blocks: tuple[Block, ...]

    @property
    def params(self) -> set[str]:
        return set().union(*(b.params for b in self.blocks))

    @property
    def item_fields(self) -> set[str]:
        return {c.field for b in self.blocks for c in b.conditions if c.source == "Items"}


def _refuse(expression: str, what: str) -> InvalidInputException:
    return InvalidInputException(
        f"Filter expression {expression!r} is not supported by the embedded engine: {what}."
    )


def _tokens(expression: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    text = expression.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise InvalidInputException(
                f"Filter expression {expression!r} could not be read at character {pos + 1}: "
                f"{text[pos:pos + 20]!r}."
            )
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        pos = match.end()
    return tokens


class _Parser:
    def __init__(self, expression: str) -> None:
        self.expression = expression
        self.tokens = _tokens(expression)
        self.pos = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise InvalidInputException(
                f"Filter expression {self.expression!r} ends too early."
            )
        self.pos += 1
        return token

    def expect_word(self, *words: str) -> str:
        kind, text = self.take()
        if kind != "word" or text.upper() not in words:
            raise InvalidInputException(
                f"Filter expression {self.expression!r}: expected {' or '.join(words)} "
                f"but found {text!r}."
            )
        return text.upper()

    def expect_punct(self, char: str) -> None:
        kind, text = self.take()
        if text != char:
            raise InvalidInputException(
                f"Filter expression {self.expression!r}: expected {char!r} but found {text!r}."
            )

    def parse(self) -> FilterExpression:
        blocks = [self.block()]
        while self.peek() is not None:
            self.expect_punct("|")
            blocks.append(self.block())
        return FilterExpression(self.expression, tuple(blocks))

    def block(self) -> Block:
        action = self.expect_word("INCLUDE", "EXCLUDE")
        kind, target = self.take()
        if target == "UserID" or target.upper() == "USERID":
            raise _refuse(self.expression, "filters on UserID (user segments) are not handled")
        if target.upper() != "ITEMID":
            raise InvalidInputException(
                f"Filter expression {self.expression!r}: expected ItemID after {action} "
                f"but found {target!r}."
            )
        self.expect_word("WHERE")
        conditions = [self.condition(action)]
        while self.peek() is not None and self.peek()[1].upper() in ("AND", "OR", "IF"):
            word = self.take()[1].upper()
            if word == "OR":
                raise _refuse(self.expression, "OR between conditions is not handled; "
                              "use separate blocks joined with |")
            if word == "IF":
                raise _refuse(self.expression, "IF CurrentUser... conditions are not handled")
            conditions.append(self.condition(action))
        return Block(action, tuple(conditions))

    def condition(self, action: str) -> Condition:
        kind, name = self.take()
        if kind != "word" or "." not in name:
            raise InvalidInputException(
                f"Filter expression {self.expression!r}: expected a field like Items.GENRES "
                f"but found {name!r}."
            )
        source, field = name.split(".", 1)
        if source == "CurrentItem":
            raise _refuse(self.expression, f"{name} (the current item) is not handled")
        if source not in ("Items", "Interactions"):
            raise _refuse(self.expression, f"fields of {source!r} are not handled "
                          "(only Items.FIELD and Interactions.EVENT_TYPE)")
        if source == "Interactions" and field != "EVENT_TYPE":
            raise _refuse(self.expression, f"Interactions.{field} is not handled "
                          "(only Interactions.EVENT_TYPE)")
        if source == "Interactions" and action != "EXCLUDE":
            raise _refuse(self.expression, "INCLUDE on Interactions is not handled "
                          "(only EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN (...))")
        kind, op = self.take()
        op = op.upper()
        if op == "NOT":
            self.expect_word("IN")
            op = "NOT IN"
        if op in ("IN", "NOT IN"):
            if source == "Interactions" and op != "IN":
                raise _refuse(self.expression, "Interactions.EVENT_TYPE NOT IN is not handled")
            self.expect_punct("(")
            values = [self.value()]
            while self.peek() is not None and self.peek()[1] == ",":
                self.take()
                values.append(self.value())
            self.expect_punct(")")
            if source == "Items" and any(v.literal == "*" for v in values):
                raise InvalidInputException(_star_message(
                    f"Filter expression {self.expression!r}", name))
        elif op in _COMPARISONS:
            if source == "Interactions":
                raise _refuse(self.expression, f"Interactions.EVENT_TYPE {op} is not handled")
            values = [self.value()]
        else:
            raise InvalidInputException(
                f"Filter expression {self.expression!r}: expected IN, NOT IN or a comparison "
                f"after {name} but found {op!r}."
            )
        return Condition(source, field, op, tuple(values))

    def value(self) -> Value:
        kind, text = self.take()
        if kind == "string":
            return Value(literal=text[1:-1].replace('\\"', '"'))
        if kind == "number":
            return Value(literal=text)
        if kind == "param":
            return Value(param=text[1:])
        raise InvalidInputException(
            f"Filter expression {self.expression!r}: expected a quoted value, a number or "
            f"$PARAM but found {text!r}."
        )


def parse_filter_expression(expression: str) -> FilterExpression:
    """Parse ``expression``; InvalidInputException says what is wrong or unsupported."""
    return _Parser(expression).parse()


def _star_message(subject: str, name: str) -> str:
    return (f'{subject}: "*" in {name} IN (...) matches no item; "*" (every event type) is '
            "only for Interactions.EVENT_TYPE.")


# -- the expression against the ITEMS schema ---------------------------------------------------
NUMERIC_TYPES = frozenset({"int", "long", "float", "double"})


def check_fields(expression: FilterExpression, item_fields: Mapping[str, str] | None, *,
                 subject: str, group: str) -> None:
    """Refuse an expression that does not fit the dataset group's ITEMS schema.

    ``item_fields`` maps each ITEMS field name, upper case, to its Avro type (``None`` when the
    group has no ITEMS dataset); ``subject`` starts each message ("Filter expression '...'"
    at creation, "Filter arn:... (expression '...')" at request time). Refused, with
    InvalidInputException naming the field and the operator: a field the schema lacks, a
    boolean field, a comparison on a field that is not numeric, and a literal that is not a
    number for a numeric field. ``$PARAM`` values are checked when they are given.
    """
    for block in expression.blocks:
        for condition in block.conditions:
            if condition.source != "Items":
                continue
            name = f"Items.{condition.field}"
            if item_fields is None:
                raise InvalidInputException(
                    f"{subject} uses {name}, but the dataset group {group} has no ITEMS dataset."
                )
            kind = item_fields.get(condition.field.upper())
            if kind is None:
                raise InvalidInputException(
                    f"{subject} uses {name}, which is not a field of the ITEMS schema "
                    f"({', '.join(sorted(item_fields))})."
                )
            if kind == "boolean":
                raise InvalidInputException(
                    f"{subject}: {name} is a boolean field, and Amazon Personalize cannot filter "
                    'on boolean fields; use a string field holding "True" / "False" instead.'
                )
            if condition.op in _COMPARISONS and kind not in NUMERIC_TYPES:
                raise InvalidInputException(
                    f"{subject}: {name} {condition.op} compares a {kind} field; the comparisons "
                    "= < <= > >= are for numeric fields, use IN or NOT IN for this one."
                )
            if kind in NUMERIC_TYPES:
                for value in condition.values:
                    if value.literal is not None and _number(value.literal) is None:
                        raise InvalidInputException(
                            f"{subject}: {name} {condition.op} {value.literal!r} gives a value "
                            f"that is not a finite number, but {name} is a numeric ({kind}) "
                            "field."
                        )


def _number(text: str) -> float | None:
    """The number ``text`` stands for; None unless it is a finite number. "nan", "inf" and
    "1e999" are refused: no item's field can be compared with them meaningfully, and
    ``Items.YEAR < "inf"`` would quietly match every item."""
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


# A filterValues entry: one or more values, each in double quotes (a quote inside escaped as
# \"), separated by commas. The Personalize Developer Guide writes every value that way and
# shows no other form: "GENRES": "\"horror\",\"comedy\",\"drama\"" in the batch
# input of "Filtering batch recommendations", "\"value1\",\"value2\",\"value3\"" for
# filterValues in the SDK examples of "Promoting items in recommendations". An unquoted value
# (a number too) is refused here rather than guessed at, so what works locally works on AWS.
_QUOTED = r'"(?:[^"\\]|\\.)*"'
_FILTER_VALUE = re.compile(rf"\s*{_QUOTED}\s*(?:,\s*{_QUOTED}\s*)*")


def parse_filter_value(name: str, raw: str) -> list[str]:
    """A filterValues entry (``"\\"Comedy\\",\\"Drama\\""``) as a list of values.

    InvalidInputException when a value is not in double quotes, with the quoted form to pass.
    """
    if _FILTER_VALUE.fullmatch(raw) is None:
        parts = [part.strip().strip('"') for part in raw.split(",") if part.strip()]
        example = ",".join(f'"{part}"' for part in parts) or '"Comedy","Drama"'
        raise InvalidInputException(
            f"Filter value for ${name} is {raw!r}: Amazon Personalize wants each value in "
            f"double quotes, several separated by commas; pass {example!r}."
        )
    return [m.group(0)[1:-1].replace('\\"', '"') for m in re.finditer(_QUOTED, raw)]


class ItemIndex:
    """Item metadata arranged for filtering: per field, which items hold which value.

    ``types`` maps field names (upper case) to the ITEMS schema's Avro types; without it a
    column of numbers counts as numeric. Numeric fields match by number (the stored CSV is read
    back with inferred types, so a nullable int such as YEAR comes back as 1995.0), the others
    by text.
    """

    def __init__(self, items: pd.DataFrame | None,
                 types: Mapping[str, str] | None = None) -> None:
        self.items = items
        self._columns: dict[str, str] = {}
        if items is not None:
            self._columns = {str(c).upper(): str(c) for c in items.columns}
        self._types = {k.upper(): v for k, v in (types or {}).items()}
        self._ids = (
            items["ITEM_ID"].astype(str).to_numpy() if items is not None
            else np.empty(0, dtype=object)
        )
        self._cache: dict[str, dict[str, set[str]]] = {}

    def has_field(self, field: str) -> bool:
        return field.upper() in self._columns

    def is_numeric(self, field: str) -> bool:
        """True when ``field`` compares as a number (its schema type, else its column)."""
        declared = self._types.get(field.upper())
        if declared is not None:
            return declared in NUMERIC_TYPES
        column = self._column(field)
        return (column is not None and pd.api.types.is_numeric_dtype(column)
                and not pd.api.types.is_bool_dtype(column))

    def _column(self, field: str) -> pd.Series | None:
        name = self._columns.get(field.upper())
        return None if name is None or self.items is None else self.items[name]

    def _by_value(self, field: str) -> dict[str, set[str]]:
        if field not in self._cache:
            column = self._column(field)
            index: dict[str, set[str]] = {}
            cells = column.to_numpy() if column is not None else ()
            for item, cell in zip(self._ids, cells, strict=True):
                if cell is None or cell is pd.NA or (isinstance(cell, float) and cell != cell):
                    continue
                for part in _text(cell).split("|"):
                    index.setdefault(part, set()).add(item)
            self._cache[field] = index
        return self._cache[field]

    def matching(self, field: str, op: str, values: list[str]) -> set[str]:
        """Items whose ``field`` satisfies ``op`` with ``values`` (NOT IN keeps empty cells)."""
        column = self._column(field)
        if column is None:  # no items data imported yet: nothing holds any value
            return set(self._ids) if op == "NOT IN" else set()
        if not self.is_numeric(field):
            if op not in ("IN", "NOT IN"):
                raise InvalidInputException(
                    f"Filter condition Items.{field} {op} {values[0]!r} compares a field that "
                    "is not numeric; use IN or NOT IN."
                )
            found: set[str] = set().union(*(self._by_value(field).get(v, set()) for v in values))
            return found if op == "IN" else set(self._ids) - found
        targets = []
        for value in values:
            number = _number(value)
            if number is None:
                raise InvalidInputException(
                    f"Filter condition Items.{field} {op} {value!r}: Items.{field} is a numeric "
                    "field, so each value must be a finite number."
                )
            targets.append(number)
        numbers = pd.to_numeric(column, errors="coerce").astype("float64")
        if op in ("IN", "NOT IN"):
            mask = numbers.isin(targets)
            mask = mask if op == "IN" else ~mask
        else:
            target = targets[0]
            mask = {
                "=": numbers == target,
                "<": numbers < target,
                "<=": numbers <= target,
                ">": numbers > target,
                ">=": numbers >= target,
            }[op]
        return set(self._ids[mask.fillna(False).to_numpy(dtype=bool)])


def _text(cell: object) -> str:
    # A text field of digits with gaps is read back from CSV as floats: 7.0 was "7".
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell)


def apply_filter(
    expression: FilterExpression,
    *,
    filter_values: dict[str, str] | None,
    items: ItemIndex,
    interacted: Callable[[tuple[str, ...] | None], set[str]],
) -> tuple[set[str], set[str] | None]:
    """The items to exclude and, when an INCLUDE block applies, the only items allowed.

    ``interacted(event_types)`` gives the items the current user interacted with (any event
    type when ``None``).
    """
    filter_values = filter_values or {}
    exclude: set[str] = set()
    allowed: set[str] | None = None
    for block in expression.blocks:
        missing = sorted(p for p in block.params if p not in filter_values)
        if missing:
            if block.action == "EXCLUDE":
                continue  # the service skips an EXCLUDE part whose values were not given
            raise InvalidInputException(
                f"Filter values are missing for ${', $'.join(missing)}: filter "
                f"{expression.text!r} INCLUDEs with them, so each needs a value in filterValues."
            )
        matched: set[str] | None = None
        for condition in block.conditions:
            values = _resolve(condition.values, filter_values)
            if condition.source == "Interactions":
                event_types = None if "*" in values else tuple(values)
                found = interacted(event_types)
            elif "*" in values:
                raise InvalidInputException(_star_message(
                    f"Filter {expression.text!r}", f"Items.{condition.field}"))
            elif condition.op in _COMPARISONS and len(values) != 1:
                # The parser lets a comparison hold one value, so several can only come from
                # a $PARAM; using the first and ignoring the rest would be a silent guess.
                param = condition.values[0].param
                raise InvalidInputException(
                    f"Filter {expression.text!r}: Items.{condition.field} {condition.op} "
                    f"${param} compares with one value, but filterValues gives ${param} "
                    f"{len(values)} values ({filter_values[param]!r}); pass one."
                )
            else:
                found = items.matching(condition.field, condition.op, values)
            matched = found if matched is None else matched & found
        matched = matched or set()
        if block.action == "EXCLUDE":
            exclude |= matched
        else:
            allowed = matched if allowed is None else allowed & matched
    if allowed is not None:
        allowed -= exclude
    return exclude, allowed


def _resolve(values: Iterable[Value], filter_values: dict[str, str]) -> list[str]:
    out: list[str] = []
    for value in values:
        if value.param is None:
            out.append(value.literal or "")
        else:
            out.extend(parse_filter_value(value.param, filter_values[value.param]))
    return out
