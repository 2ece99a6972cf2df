"""The ``models.yaml`` format: text to validated :class:`ModelSpec` objects and back.

Reading (:func:`parse`) collects every problem in the file before raising, and each sentence
names the file, line, field and value, with a hint when YAML 1.1 is what changed the value:

    Registry models.yaml, line 7: name parsed as the number 620 from 10:20; quote it ('10:20')
    to keep it text.

Writing (:func:`render`) keeps the file's leading comment block (or writes :data:`DEFAULT_HEADER`
when there is none), lists models in the registry's stable order, quotes every string another
reader could take for something else, and checks that the text reads back to the same models.
Comments after the header are not kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from videorecs_widgets.errors import RegistryValidationError
from videorecs_widgets.model_spec import (
    FIELDS,
    MODEL_TYPES,
    REQUIRED_FIELDS,
    ModelSpec,
    name_key,
    spec_problems,
)
from videorecs_widgets.yaml_loader import (
    Mapping,
    Scalar,
    Sequence,
    load,
    number_form,
    render_scalar,
)

DEFAULT_HEADER = """\
# Models the Video Recommendations panels offer. Edit by hand, from a notebook
# (videorecs_widgets.ModelRegistry) or with `videorecs-widgets models add|update|remove`;
# a save keeps this header but not other comments.
#
#   name:        unique label shown in the panels, up to 64 characters
#   arn:         Personalize campaign or recommender ARN, up to 256 characters; the
#                region `local` means the embedded engine, so no AWS account is needed
#   type:        recommendations | personal-ranking | similar-items; it must fit the
#                recipe (`videorecs-widgets models check` asks the service)
#   sort_order:  whole number; order within a type in the drop-downs, then by name
#   description: optional free text
#
# Quote text that YAML could read as something else: 'no', 'on', '10:20', '0123'.
"""

_DECIMAL_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_LINE_END = re.compile(r"\r\n|\n|\r")
_TYPE_INDEX = {t: i for i, t in enumerate(MODEL_TYPES)}


def sort_key(spec: ModelSpec) -> tuple[int, int, str]:
    """The registry's stable order: type (as in MODEL_TYPES), then sort order, then name."""
    return (_TYPE_INDEX[spec.type], spec.sort_order, spec.name)


@dataclass
class ParsedFile:
    """What a registry file holds: its models (in file order), where each one starts, its header
    comment and any warnings (valid but suspicious content)."""

    specs: list[ModelSpec] = field(default_factory=list)
    lines: dict[str, int] = field(default_factory=dict)
    header: str | None = None  # with "\n" line ends, whatever the file's
    warnings: list[str] = field(default_factory=list)
    newline: str = "\n"  # the file's line ending, which a save keeps ("\r\n" on Windows)


def newline_style(text: str) -> str:
    """The line ending ``text`` uses (its first one): ``"\n"``, ``"\r\n"`` or ``"\r"``."""
    match = _LINE_END.search(text)
    return match.group() if match else "\n"


def split_header(text: str) -> str | None:
    """The leading comment block (comment and blank lines before any content), or ``None``."""
    header: list[str] = []
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        if stripped.startswith("#") or (not stripped and header):
            header.append(line.rstrip("\r\n") + "\n")  # render() writes the file's line ends
        elif not stripped:
            continue
        else:
            break
    # Trailing blank lines belong to the layout, not the header.
    while header and not header[-1].strip():
        header.pop()
    return "".join(header) or None


def parse(text: str, source: str) -> ParsedFile:
    """Validate registry text and return its models; raise one error listing every problem."""
    problems: list[str] = []
    parsed = ParsedFile(header=split_header(text), newline=newline_style(text))
    root = load(text, source)
    if root is None:
        return parsed
    if not isinstance(root, Mapping):
        raise _error(source, [f"Registry {source}, line {root.line}: the file must be a mapping "
                              "with one key, 'models', holding a list of models"])
    for key, (line, _) in root.items.items():
        if key != "models":
            problems.append(f"Registry {source}, line {line}: unknown top-level key {key!r}; "
                            "the file holds only 'models'")
    if "models" not in root.items:
        problems.append(f"Registry {source}, line {root.line}: there is no 'models' list; "
                        "start the file with 'models:'")
        raise _error(source, problems)
    models_line, models = root.items["models"]
    if isinstance(models, Scalar) and models.tag == "null":
        models = Sequence(line=models_line)  # "models:" with nothing under it
    if not isinstance(models, Sequence):
        raise _error(source, problems + [
            f"Registry {source}, line {models_line}: 'models' must be a list of models "
            "(lines starting with '- name: ...')"])

    first_seen: dict[str, tuple[str, int]] = {}  # name_key -> (name, line)
    for item in models.items:
        spec = _parse_model(item, source, problems)
        if spec is None:
            continue
        if (seen := first_seen.get(name_key(spec.name))) is not None:
            earlier, line = seen
            if earlier == spec.name:
                problems.append(
                    f"Registry {source}, line {item.line}: name {spec.name!r} is used again "
                    f"(first at line {line}); names must be unique"
                )
            else:
                problems.append(
                    f"Registry {source}, line {item.line}: name {spec.name!r} is the same as "
                    f"model {earlier!r} (line {line}) but for letter case, Unicode form or "
                    "spacing; names must be unique"
                )
            continue
        first_seen[name_key(spec.name)] = (spec.name, item.line)
        parsed.specs.append(spec)
        parsed.lines[spec.name] = item.line
    if problems:
        raise _error(source, problems)
    parsed.warnings = same_target_warnings(parsed.specs, source, parsed.lines)
    return parsed


def same_target_pairs(specs: list[ModelSpec]) -> list[tuple[ModelSpec, ModelSpec]]:
    """``(earlier, later)`` for each model that repeats an earlier model's ARN and type."""
    first: dict[tuple[str, str], ModelSpec] = {}
    pairs: list[tuple[ModelSpec, ModelSpec]] = []
    for spec in specs:
        earlier = first.setdefault((spec.arn, spec.type), spec)
        if earlier is not spec:
            pairs.append((earlier, spec))
    return pairs


def same_target_warnings(
    specs: list[ModelSpec], source: str, lines: dict[str, int] | None = None
) -> list[str]:
    """One sentence per model that repeats an earlier model's ARN and type (allowed, but the
    panels would show the same results twice, which is usually a copy-and-paste slip)."""
    lines = lines or {}
    found: list[str] = []
    for earlier, spec in same_target_pairs(specs):
        where = f", line {lines[spec.name]}" if spec.name in lines else ""
        earlier_where = f" (line {lines[earlier.name]})" if earlier.name in lines else ""
        found.append(
            f"Registry {source}{where}: models {earlier.name!r}{earlier_where} and {spec.name!r} "
            f"have the same ARN {spec.arn!r} and type {spec.type!r}; both will show the same "
            "results"
        )
    return found


def _parse_model(item: object, source: str, problems: list[str]) -> ModelSpec | None:
    """Turn one list entry into a spec, appending a sentence to ``problems`` per broken rule."""
    if not isinstance(item, Mapping):
        line = getattr(item, "line", "?")
        problems.append(f"Registry {source}, line {line}: a model must be a mapping of "
                        f"{', '.join(REQUIRED_FIELDS)} (and optional description)")
        return None
    values: dict[str, object] = {}
    lines: dict[str, int] = {}
    explained: set[str] = set()  # fields whose problem is already told, with its YAML reading
    own: list[str] = []  # this model's problems

    def problem(field_name: str, line: int, sentence: str) -> None:
        explained.add(field_name)
        own.append(f"Registry {source}, line {line}: {sentence}")

    for key, (key_line, node) in item.items.items():
        lines[key] = key_line
        if key not in FIELDS:
            values[key] = node  # spec_problems names it as unknown
            continue
        if not isinstance(node, Scalar):
            problem(key, node.line, f"{key} must be a single value, not a list or mapping")
        elif node.tag == "null":
            if key != "description":
                problem(key, node.line, f"field {key!r} has no value")
        elif key == "sort_order":
            if sentence := _sort_order_problem(node):
                problem(key, node.line, sentence)
            else:
                values[key] = node.value
        elif node.tag != "str":
            problem(key, node.line, f"{key} parsed as {node.reading()} from {node.text}; "
                                    f"quote it ({node.text!r}) to keep it text")
        else:
            values[key] = node.value

    for field_name, sentence in spec_problems(values):
        if field_name not in explained:
            sentence += _block_hint(item.items.get(field_name, (0, None))[1], field_name)
            own.append(f"Registry {source}, line {lines.get(field_name, item.line)}: {sentence}")
    problems.extend(own)
    if own:
        return None
    return ModelSpec(**values)  # type: ignore[arg-type]  # checked by spec_problems above


def _block_hint(node: object, field_name: str) -> str:
    """Why a one-line field ends with a line break, when a block scalar put it there."""
    if (field_name != "description" and isinstance(node, Scalar) and node.style in ("|", ">")
            and isinstance(node.value, str) and node.value.endswith("\n")):
        return (f" (a '{node.style}' block keeps its last line break: write "
                f"'{node.style}-' instead, or put the {field_name} on one line)")
    return ""


def _sort_order_problem(node: Scalar) -> str | None:
    """Why a sort_order scalar is refused for a YAML reason, or ``None``."""
    if node.tag == "int" and number_form(node.text) == "octal":
        # Nobody writes sort orders in octal: 010 is a ten with a leading zero.
        meant = int(node.text.replace("_", ""), 10)
        return (f"sort_order {node.text} reads as {node.reading()}; write {meant}, without the "
                f"leading zero (or {node.value}, if that was meant)")
    if node.tag == "int" and not _DECIMAL_INT.fullmatch(node.text):
        return (f"sort_order {node.text} reads as {node.reading()}; write it as a plain "
                f"decimal number ({node.value})")
    if node.tag == "bool":
        return f"sort_order parsed as {node.reading()} from {node.text}; write a whole number"
    if node.tag == "str" and node.quoted and _DECIMAL_INT.fullmatch(node.text.strip()):
        return f"sort_order {node.text!r} is quoted text; write the number without quotes"
    if node.tag != "int":
        return (f"sort_order {node.text!r} is not a whole number (it reads as "
                f"{node.reading() or 'text'})")
    return None


def _error(source: str, problems: list[str]) -> RegistryValidationError:
    if len(problems) == 1:
        message = problems[0] + "."
    else:
        listed = "\n".join(f"- {p}." for p in problems)
        message = f"Registry {source} has {len(problems)} problems:\n{listed}"
    error = RegistryValidationError(message)
    error.problems = list(problems)  # type: ignore[attr-defined]  # for panels listing them
    return error


def render(specs: list[ModelSpec], header: str | None, source: str, newline: str = "\n") -> str:
    """The file text for ``specs`` (written in the stable order) under ``header``, every line
    ended with ``newline`` (keep the file's own, see :func:`newline_style`).

    Reads the text back before returning it, so a rendering bug cannot reach the disk.
    """
    header = header if header is not None else DEFAULT_HEADER
    ordered = sorted(specs, key=sort_key)
    out = [header if header.endswith("\n") else header + "\n", "\n"]
    if not ordered:
        out.append("models: []\n")
    else:
        out.append("models:\n")
        for index, spec in enumerate(ordered):
            if index:
                out.append("\n")
            for position, (key, value) in enumerate(spec.to_dict().items()):
                lead = "  - " if position == 0 else "    "
                out.append(f"{lead}{key}: {render_scalar(value)}\n")  # type: ignore[arg-type]
    text = "".join(out)
    reread = parse(text, source)
    if reread.specs != ordered:
        raise RegistryValidationError(
            f"Registry {source}: the text written for the models did not read back the same; "
            "nothing was saved (please report this)."
        )
    # Values never hold a raw line break (render_scalar escapes them in double quotes), so
    # every "\n" here ends a line.
    return text if newline == "\n" else text.replace("\n", newline)
