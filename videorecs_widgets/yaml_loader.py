"""A strict YAML reader and writer for small hand-edited files such as ``models.yaml``.

Reading goes through PyYAML's *safe* composer only (no object construction at all), then walks
the node tree itself so it can refuse what PyYAML would accept silently:

- tags other than the plain ones (``!!python/object:...``, ``!!binary``, custom ``!tags``);
- anchors and aliases (pointless in a registry and the way to a "billion laughs" file);
- duplicate keys in a mapping (PyYAML keeps the last one without a word);
- more than one document;
- lists and mappings nested more than :data:`MAX_DEPTH` levels deep.

Every value comes back as a :class:`Scalar`, :class:`Mapping` or :class:`Sequence` that keeps its
line number and, for scalars, the original text and whether it was quoted, so callers can say
"name parsed as the boolean False from 'no'" instead of just seeing ``False``.

Writing (:func:`render_scalar`) quotes every string that YAML 1.1 (PyYAML) *or* YAML 1.2 would
read as something else (``no``, ``on``, ``10:20``, ``0123``, ``1e3``, ``0o17``, ``~``, ...).
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Union

import yaml
import yaml.constructor
import yaml.nodes
import yaml.reader
import yaml.resolver

from videorecs_widgets.errors import RegistryValidationError

# libyaml's safe loader when PyYAML was built with it (about ten times faster), else PyYAML's.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_TAG_PREFIX = "tag:yaml.org,2002:"
# Plain values only; anything else is refused with the tag named.
_ALLOWED_SCALAR_TAGS = {"str", "int", "float", "bool", "null", "timestamp"}

Node = Union["Scalar", "Mapping", "Sequence"]

#: How deeply lists and mappings may nest: far above what a hand-edited file needs (the
#: registry uses 3 levels), far below what the recursive composer and walk can take.
MAX_DEPTH = 32


@dataclass(frozen=True)
class Scalar:
    """A scalar value with where it came from."""

    value: object  # what YAML 1.1 (PyYAML's safe loader) makes of it
    text: str  # the text as written, without quotes
    tag: str  # short tag: "str", "int", "float", "bool", "null" or "timestamp"
    quoted: bool  # written in quotes (or as a block scalar): always text then
    line: int  # 1-based
    style: str = ""  # "" plain, "'" or '"' quoted, "|" or ">" a block scalar

    def reading(self) -> str | None:
        """How YAML 1.1 read an unquoted value that is not text, or ``None`` for plain text.

        For example ``"the boolean False"`` for ``no`` or ``"the number 620"`` for ``10:20``.
        """
        if self.tag == "str":
            return None
        if self.tag == "bool":
            return f"the boolean {self.value}"
        if self.tag == "null":
            return "null (no value)"
        if self.tag == "timestamp":
            return f"the date {self.value}"
        form = number_form(self.text)
        detail = f" (a YAML 1.1 {form} number)" if form else ""
        return f"the number {self.value!r}{detail}"


@dataclass(frozen=True)
class Mapping:
    """A mapping with text keys; ``items`` maps each key to (key line, value)."""

    line: int
    items: dict[str, tuple[int, Node]] = field(default_factory=dict)


@dataclass(frozen=True)
class Sequence:
    line: int
    items: list[Node] = field(default_factory=list)


def number_form(text: str) -> str | None:
    """Name the unusual YAML 1.1 number form of ``text`` (``"sexagesimal (base 60)"`` for
    ``10:20``, ``"octal"`` for ``010``, ...), or ``None`` for a plain decimal."""
    body = text.strip().lstrip("+-").replace("_", "")
    if ":" in body:
        return "sexagesimal (base 60)"
    if body.lower().startswith("0x"):
        return "hexadecimal"
    if body.lower().startswith("0b"):
        return "binary"
    if len(body) > 1 and body.startswith("0") and body.isdigit():
        return "octal"
    if "_" in text:
        return "digit-grouped"
    return None


def load(text: str, source: str) -> Node | None:
    """Parse one YAML document into located nodes; ``None`` for an empty document.

    Raises :class:`RegistryValidationError` naming ``source`` and the line for YAML syntax
    errors (the line of the mistake, with the fix it implies: see :func:`_explain`), more than
    one document, disallowed tags, aliases and duplicate keys.
    """
    try:
        _check_events(text, source)
        root = yaml.compose(text, Loader=_SafeLoader)
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, text, source) from None
    except yaml.reader.ReaderError as exc:
        raise _forbidden_character(exc, text, source) from None
    except yaml.YAMLError as exc:
        raise RegistryValidationError(
            f"Registry {source}: could not read it as YAML: {exc}."
        ) from None
    if root is None:
        return None
    return _Walker(source).walk(root)


def _check_events(text: str, source: str) -> None:
    """Refuse, from the event stream, what the node tree would hide or could not hold.

    compose() would turn an alias into a second reference to the anchored node and lose the
    alias's own line (and drops anchors no alias uses); and composing and walking are
    recursive, so a file nested thousands of levels deep would end in a RecursionError instead
    of a sentence naming its line.
    """
    depth = 0
    for event in yaml.parse(text, Loader=_SafeLoader):
        if isinstance(event, yaml.AliasEvent):
            raise RegistryValidationError(
                f"Registry {source}, line {event.start_mark.line + 1}: uses an alias "
                f"(*{event.anchor}); write the value out instead, the registry does not "
                "support anchors and aliases."
            )
        # An anchor no alias uses does nothing, but the file would hold a feature it does not
        # support; refused where it is written, so the fix is obvious.
        if isinstance(event, yaml.NodeEvent) and event.anchor is not None:
            raise RegistryValidationError(
                f"Registry {source}, line {event.start_mark.line + 1}: sets an anchor "
                f"(&{event.anchor}); remove it, the registry does not support anchors and "
                "aliases."
            )
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise _too_deep(source, event.start_mark.line + 1)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _syntax_error(exc: yaml.MarkedYAMLError, text: str, source: str) -> RegistryValidationError:
    """PyYAML's (or libyaml's) syntax error as a sentence for people editing the file: on the
    line where the mistake is (often before the one the parser stopped at), naming the key or
    text involved, with the fix when the error implies one (see :func:`_explain`)."""
    problem = exc.problem or exc.context or "not valid YAML"
    mark = exc.problem_mark or exc.context_mark
    if mark is None:
        return RegistryValidationError(f"Registry {source}: could not read it as YAML: {problem}.")
    lines = text.splitlines()
    if "maximum nesting depth" in problem:
        # libyaml's own limit (1000), met while it looks ahead of the events load() checks
        return _too_deep(source, mark.line + 1)
    line, column, sentence = _explain(exc, text, lines)
    where = f", line {line}" + (f", column {column}" if column is not None else "")
    end = "" if sentence.endswith("?") else "."
    return RegistryValidationError(
        f"Registry {source}{where}: could not read it as YAML: {sentence}{end}"
    )


def _explain(exc: yaml.MarkedYAMLError, text: str,
             lines: list[str]) -> tuple[int, int | None, str]:
    """(line, column or None, sentence) for a syntax error, 1-based.

    Each hint is said only when the error implies it: a simple key that runs to the next line
    has no ':' on its own line; a ':' the parser refuses after another ': ' on the same line is
    text holding ': '; one at a line's first key continues a value from the line above, which
    either lacks its ':' or is indented less; a block that meets a line it cannot place, after
    a quoted value that ran over several lines, met an unclosed quote, and otherwise a line
    whose indentation does not fit.
    """
    problem = exc.problem or exc.context or "not valid YAML"
    context = exc.context or ""
    mark = exc.problem_mark or exc.context_mark
    assert mark is not None
    start = exc.context_mark
    current = lines[mark.line] if mark.line < len(lines) else ""
    found = current[mark.column] if mark.column < len(current) else ""

    if "expected a single document" in context:
        return mark.line + 1, None, "holds more than one YAML document (a second '---'); keep one"
    if found == "\t":
        return mark.line + 1, mark.column + 1, (
            "found a tab; YAML indents (and separates a '-' from its value) with spaces, never "
            "tabs")
    if "cannot start any token" in problem and found:
        value = current[mark.column:].split(" #", 1)[0].strip()
        return mark.line + 1, mark.column + 1, (
            f"found the character {found!r}, which cannot start a plain YAML value; quote the "
            f"value ({value!r})")
    if "quoted scalar" in context and start is not None:
        if "end of stream" in problem:
            return start.line + 1, start.column + 1, (
                "the quoted value that starts here is never closed (the file ends inside it); "
                "close its quote")
        return mark.line + 1, None, (
            f"{problem}, {context} that starts at line {start.line + 1}, column "
            f"{start.column + 1}; check that its quote is closed")
    if "simple key" in context and "expected ':'" in problem and start is not None:
        # A key must sit on one line: the scanner looked for its ':' on the line it started.
        entry = _content(lines, start.line, start.column)
        if not re.search(r":(?:\s|$)", entry):  # a ':' inside a word (an ARN) is no key's
            return start.line + 1, None, _missing_colon(entry)
    if "mapping values are not allowed" in problem:
        if _KEY.match(_content(lines, mark.line, 0, end=mark.column)):
            # key: value: more -- the value holds ': ', which YAML takes for a second key.
            key, _, value = _content(lines, mark.line, 0).partition(":")
            value = value.strip()
            return mark.line + 1, None, (
                f"the value of {key.strip()!r} holds ': ' (a colon and a space), which YAML "
                f"reads as the start of a key; text that contains ': ' must be quoted: "
                f"{key.strip()}: {render_scalar(value)}")
        above = _line_above(lines, mark.line)
        if above is not None:
            entry = _content(lines, above, 0)
            if not _KEY.match(entry):
                return above + 1, None, _missing_colon(entry)
            return mark.line + 1, None, (
                f"this line's indentation does not match the lines above: it is indented more "
                f"than {_KEY.match(entry)[1]!r} on line {above + 1}, so YAML reads it as more of "
                "that value; line it up with the keys above it")
    if start is not None and "while parsing a block" in context:
        multi_line = _multi_line_quoted(text, mark)
        if multi_line is not None:
            return multi_line.line + 1, multi_line.column + 1, (
                f"the quoted value that starts here only ends at line {mark.line + 1}; check that "
                "its quote is closed")
        opening = lines[start.line][start.column:] if start.line < len(lines) else ""
        what = ("list it would belong to starts at line {}, with its '-' at column {}"
                if opening.startswith("-") else
                "mapping it would belong to starts at line {}, with its keys at column {}")
        return mark.line + 1, None, (
            "this line's indentation does not match the lines above (the "
            f"{what.format(start.line + 1, start.column + 1)})")
    if exc.context and start is not None and start.line != mark.line:
        # Where the construct began, usually where the mistake is.
        return mark.line + 1, None, (
            f"{problem}, {exc.context} that starts at line {start.line + 1}, column "
            f"{start.column + 1}")
    return mark.line + 1, None, problem


# "key:" or "key: value" at the start of a line's content (after any "- ").
_KEY = re.compile(r"([^\s:#][^:#]*?):(?:\s|$)")


def _content(lines: list[str], line: int, column: int, end: int | None = None) -> str:
    """A line's text from ``column`` (to ``end``), without "- " list markers, a comment or
    edge spaces."""
    text = lines[line][column:end] if line < len(lines) else ""
    text = text.split(" #", 1)[0].strip()
    while text.startswith("- ") or text == "-":
        text = text[2:].lstrip()
    return text


def _line_above(lines: list[str], line: int) -> int | None:
    """The nearest line before ``line`` holding more than spaces or a comment."""
    for index in range(min(line, len(lines)) - 1, -1, -1):
        stripped = lines[index].strip()
        if stripped and not stripped.startswith("#"):
            return index
    return None


def _missing_colon(entry: str) -> str:
    key = entry.split(None, 1)[0] if entry.split() else entry
    return f"{entry!r} is not a 'key: value' pair; is a ':' missing after {key!r}?"


def _multi_line_quoted(text: str, mark: yaml.Mark) -> yaml.Mark | None:
    """Where the last quoted value before ``mark`` starts, when it runs over several lines: in
    a hand-edited file, the sign of a quote left open that the next quote closed."""
    last = None
    try:
        for token in yaml.scan(text, Loader=_SafeLoader):
            if token.start_mark.line > mark.line or (
                    token.start_mark.line == mark.line and token.start_mark.column >= mark.column):
                break
            if isinstance(token, yaml.ScalarToken):
                last = token
    except yaml.YAMLError:
        pass  # the tokens before the error are all that is needed
    if last is not None and last.style in ("'", '"') and (
            last.start_mark.line != last.end_mark.line):
        return last.start_mark
    return None


def _forbidden_character(exc: yaml.reader.ReaderError, text: str,
                         source: str) -> RegistryValidationError:
    """A character YAML does not allow anywhere in a file (NUL, ESC, ...), with line and column.

    The reader's own position counts characters in PyYAML but bytes in libyaml, so the
    character is looked up in the text instead: the reader stops at its first occurrence.
    """
    character = chr(exc.character) if isinstance(exc.character, int) else str(exc.character)
    index = text.find(character)
    if index < 0:
        return RegistryValidationError(
            f"Registry {source}: holds the character {character!r}, which a YAML file cannot "
            "contain; remove it."
        )
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    kind = "control character" if unicodedata.category(character) == "Cc" else "character"
    return RegistryValidationError(
        f"Registry {source}, line {line}, column {column}: holds the {kind} {character!r}, "
        "which a YAML file cannot contain; remove it."
    )


def _too_deep(source: str, line: int) -> RegistryValidationError:
    return RegistryValidationError(
        f"Registry {source}, line {line}: lists and mappings are nested more than {MAX_DEPTH} "
        "levels deep; a registry needs 3 (models, a model, its fields)."
    )


class _Walker:
    def __init__(self, source: str) -> None:
        self.source = source
        self.seen: set[int] = set()
        self.constructor = yaml.constructor.SafeConstructor()

    def fail(self, node: yaml.nodes.Node, problem: str) -> RegistryValidationError:
        return RegistryValidationError(
            f"Registry {self.source}, line {node.start_mark.line + 1}: {problem}."
        )

    def walk(self, node: yaml.nodes.Node) -> Node:
        # load() refused aliases already; this guards the walk against any shared node.
        if id(node) in self.seen:
            raise self.fail(node, "uses an anchored value twice; write the value out instead")
        self.seen.add(id(node))
        line = node.start_mark.line + 1
        tag = node.tag[len(_TAG_PREFIX):] if node.tag.startswith(_TAG_PREFIX) else node.tag
        if isinstance(node, yaml.ScalarNode):
            if tag == "merge":
                raise self.fail(node, "uses a merge key ('<<'); write the fields out instead")
            if tag not in _ALLOWED_SCALAR_TAGS:
                raise self.fail(node, f"value {node.value!r} has the tag {_short(node.tag)!r}; "
                                      "only plain values are allowed")
            try:
                value = self.constructor.construct_object(node, deep=True)
            except (yaml.YAMLError, ValueError) as exc:
                raise self.fail(
                    node, f"could not read value {node.value!r} as {tag}: {exc}"
                ) from None
            return Scalar(value=value, text=node.value, tag=tag,  # plain style: None or ''
                          quoted=bool(node.style), line=line, style=node.style or "")
        if isinstance(node, yaml.SequenceNode):
            if tag != "seq":
                raise self.fail(node, f"list has the tag {_short(node.tag)!r}; only plain lists "
                                      "are allowed")
            return Sequence(line=line, items=[self.walk(item) for item in node.value])
        if isinstance(node, yaml.MappingNode):
            if tag != "map":
                raise self.fail(node, f"mapping has the tag {_short(node.tag)!r}; only plain "
                                      "mappings are allowed")
            return self.walk_mapping(node, line)
        raise self.fail(node, f"holds an unexpected YAML node {type(node).__name__}")

    def walk_mapping(self, node: yaml.MappingNode, line: int) -> Mapping:
        items: dict[str, tuple[int, Node]] = {}
        first_line: dict[object, int] = {}
        for key_node, value_node in node.value:
            key = self.walk(key_node)
            if not isinstance(key, Scalar):
                raise self.fail(key_node, "uses a list or mapping as a key; keys must be text")
            # PyYAML would collapse keys that load as the same value ('1' and '01' both as 1).
            identity = (key.tag, key.value) if key.tag != "str" else ("str", key.text)
            if identity in first_line:
                raise self.fail(
                    key_node,
                    f"repeats the key {key.text!r} (first at line {first_line[identity]}); "
                    "a YAML reader would keep only the last one, remove one of them",
                )
            first_line[identity] = key.line
            if key.text in items:  # same text, different reading: cannot happen, but be sure
                raise self.fail(key_node, f"repeats the key {key.text!r}")
            items[key.text] = (key.line, self.walk(value_node))
        return Mapping(line=line, items=items)


def _short(tag: str) -> str:
    return "!!" + tag[len(_TAG_PREFIX):] if tag.startswith(_TAG_PREFIX) else tag


# Strings a YAML 1.2 (core schema) reader would take for numbers, booleans or null even though
# PyYAML (YAML 1.1) reads them as text: quoted too, so the file means the same to every reader.
_YAML12_NON_TEXT = re.compile(
    r"""[-+]?(?:[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)
      | [-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?
      | [-+]?\.(?:inf|Inf|INF) | \.(?:nan|NaN|NAN)
      | true|True|TRUE|false|False|FALSE|null|Null|NULL|~
      | y|Y|n|N  # booleans in the YAML 1.1 spec, though PyYAML reads them as text
    """,
    re.VERBOSE,
)


class _Dumper(yaml.SafeDumper):
    pass


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style: str | None = None
    if any(ch in value for ch in "\n\r\t") or not value.isprintable():
        style = '"'  # escapes keep control characters and line breaks exact
    elif _YAML12_NON_TEXT.fullmatch(value):
        style = "'"
    # With style None PyYAML's emitter still quotes whatever YAML 1.1 would misread.
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


# Text that is certainly safe unquoted, whatever the resolver says about it below: starts with
# a letter or digit, no ": " or " #", no trailing colon or space, only common punctuation.
_SIMPLE_PLAIN = re.compile(r"(?!.*(?:: | #))[^\W_][\w .,/()'+&:-]*(?<![: ])")
_resolver = yaml.resolver.Resolver()


def render_scalar(value: str | int) -> str:
    """One scalar as it should appear after ``key: `` in a block mapping.

    Text is left unquoted only when every YAML reader reads it back as the same text.
    """
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise TypeError(f"render_scalar takes text or an int, not {value!r}")
    if isinstance(value, int):
        return str(value)
    if (_SIMPLE_PLAIN.fullmatch(value) and not _YAML12_NON_TEXT.fullmatch(value)
            and _resolver.resolve(yaml.ScalarNode, value, (True, False)) == _TAG_PREFIX + "str"):
        return value  # the common case, without running the emitter
    dumped = yaml.dump({"k": value}, Dumper=_Dumper, allow_unicode=True, width=math.inf,
                       default_flow_style=False)
    assert dumped.startswith("k: ") and dumped.endswith("\n"), dumped
    return dumped[len("k: "):-1]
