"""One registered model (:class:`ModelSpec`), the model types, and what a recipe is good for.

A :class:`ModelSpec` is always valid: its constructor checks every field with the same rules the
registry file is held to (:func:`spec_problems`), so no code path can hold a model with a
32-character type name or a solution ARN where a campaign ARN belongs.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, fields

from videorecs_widgets.errors import RegistryValidationError
from videorecs_widgets.recommenders import USE_CASES

#: The model types, in the order the panels list them (the original app's admin choices).
MODEL_TYPES: tuple[str, ...] = ("recommendations", "personal-ranking", "similar-items")

#: The fields a model has in ``models.yaml``; ``description`` is the only optional one.
FIELDS: tuple[str, ...] = ("name", "arn", "type", "sort_order", "description")
REQUIRED_FIELDS: tuple[str, ...] = ("name", "arn", "type", "sort_order")

MAX_NAME_LENGTH = 64  # the original Django model's CharField(max_length=64)
MAX_ARN_LENGTH = 256  # the original's CharField(max_length=256), also Personalize's own limit
# sort_order is a 32-bit signed whole number, as the original Django model's IntegerField.
MIN_SORT_ORDER = -(2**31)
MAX_SORT_ORDER = 2**31 - 1
# Characters a name may not hold: controls (NUL, tab, newline, ESC, DEL, C1), line and paragraph
# separators, lone surrogates (UTF-8 cannot write them) and invisible format characters (zero-width
# space, right-to-left override: two names would look the same, or one would show reversed). A
# name is one line of visible text in drop-downs, tables and models.yaml.
_BAD_NAME_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp", "Cf"})
# A description is free text: line breaks and tabs are fine (the file writes them escaped), other
# controls and lone surrogates are not (the latter cannot even be saved).
_BAD_DESCRIPTION_CATEGORIES = frozenset({"Cc", "Cs"})

# Personalize resource ARNs: arn:PARTITION:personalize:REGION:ACCOUNT:campaign|recommender/NAME.
# Campaign and recommender names follow the service's pattern [a-zA-Z0-9][a-zA-Z0-9\-_]*, at most
# 63 characters. The region "local" stands for the embedded engine. ASCII only: a Unicode \d
# would take Arabic-Indic or other digits for an account id that AWS never issues.
ARN_PATTERN = re.compile(
    r"arn:(?P<partition>aws(?:-[a-z]+)*):personalize:"
    r"(?P<region>local|[a-z]{2}(?:-[a-z]+)+-[0-9]+):(?P<account>[0-9]{12}):"
    r"(?P<resource>campaign|recommender)/(?P<resource_name>[a-zA-Z0-9][a-zA-Z0-9_-]{0,62})",
    re.ASCII,
)
ARN_EXAMPLE = "arn:aws:personalize:us-east-1:123456789012:campaign/my-campaign"
LOCAL_REGION = "local"

# What each Personalize recipe's model answers, by recipe name (the part after "recipe/").
# Domain recommenders (VIDEO_ON_DEMAND, ECOMMERCE) are listed by their recipe too
# (see videorecs_widgets.recommenders for what each use case must be asked with).
_RECIPE_TYPES: dict[str, str] = {
    # custom recipes: USER_PERSONALIZATION family -> get_recommendations(userId)
    "aws-user-personalization": "recommendations",
    "aws-user-personalization-v2": "recommendations",
    "aws-popularity-count": "recommendations",
    "aws-trending-now": "recommendations",
    "aws-hrnn": "recommendations",
    "aws-hrnn-metadata": "recommendations",
    "aws-hrnn-coldstart": "recommendations",
    # PERSONALIZED_RANKING -> get_personalized_ranking(userId, inputList)
    "aws-personalized-ranking": "personal-ranking",
    "aws-personalized-ranking-v2": "personal-ranking",
    # RELATED_ITEMS -> get_recommendations(itemId)
    "aws-sims": "similar-items",
    "aws-similar-items": "similar-items",
    "aws-semantic-similarity": "similar-items",
    # domain recommenders (VIDEO_ON_DEMAND, ECOMMERCE): from their use-case table
    **{case.recipe: case.model_type for case in USE_CASES.values()},
}


def recipe_model_type(recipe_arn_or_name: str | None) -> str | None:
    """The model type a recipe's campaigns answer, or ``None`` when it is none of the three.

    Accepts a recipe ARN (``arn:aws:personalize:::recipe/aws-sims``) or its bare name
    (``aws-sims``): ``aws-sims`` -> ``"similar-items"``, ``aws-personalized-ranking`` ->
    ``"personal-ranking"``, ``aws-user-personalization`` -> ``"recommendations"``. Recipes whose
    models answer other calls (user segmentation, next best action) and unknown names give
    ``None``.
    """
    if not recipe_arn_or_name:
        return None
    name = recipe_arn_or_name.rsplit("/", 1)[-1].strip().lower()
    return _RECIPE_TYPES.get(name)


def name_key(name: str) -> str:
    """What two names must not share, because they would look the same in a drop-down: the
    name in Unicode's compatibility form (NFKC), case-folded, with every run of spaces (of
    any kind) as one space. So ``Café`` composed and decomposed, ``Sims`` and ``SIMS``,
    ``Most Popular`` with a non-breaking space, two spaces or a fullwidth ``Ｍ`` count as one
    name."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())
    return " ".join(folded.split())


def type_problem(value: object) -> str | None:
    """Why ``value`` is not a model type, or ``None`` when it is one."""
    if isinstance(value, str) and value in MODEL_TYPES:
        return None
    return f"type {value!r} is not one of {', '.join(MODEL_TYPES)}"


def _bad_characters(text: str, categories: frozenset[str],
                    allowed: str = "") -> list[tuple[int, str]]:
    """(position, character) of each character of ``text`` in one of the Unicode
    ``categories``, except those in ``allowed``."""
    return [(i, c) for i, c in enumerate(text)
            if unicodedata.category(c) in categories and c not in allowed]


_CATEGORY_WORDS = {"Cc": "control character(s)", "Zl": "control character(s)",
                   "Zp": "control character(s)", "Cs": "lone surrogate(s)",
                   "Cf": "invisible format character(s)"}


def _characters_problem(field: str, text: str, bad: list[tuple[int, str]], rule: str) -> str:
    """The sentence for ``bad`` characters in a text field, saying what each one is."""
    kinds = dict.fromkeys(_CATEGORY_WORDS[unicodedata.category(c)] for _, c in bad)

    def shown(c: str) -> str:
        category = unicodedata.category(c)
        if category == "Cs":
            return f"{c!r} (UTF-8 cannot write it)"
        if category == "Cf":
            return f"{c!r} ({unicodedata.name(c, 'unnamed')})"
        return repr(c)

    where = ", ".join(f"{shown(c)} at position {i}" for i, c in bad[:3])
    more = f" and {len(bad) - 3} more" if len(bad) > 3 else ""
    return f"{field} {text!r} holds {' and '.join(kinds)} {where}{more}; {rule}"


def _edge_spaces(text: str) -> str | None:
    """``"ends with a line break; remove it"`` (and the like) when ``text`` starts or ends with
    white space, else ``None``."""
    def what(c: str) -> str:
        if c in "\n\r\x85\u2028\u2029":
            return "a line break"
        named = {" ": "a space", "\t": "a tab"}
        return named.get(c) or f"white space ({unicodedata.name(c, repr(c))})"

    parts = []
    if text[:1].isspace():
        parts.append(f"starts with {what(text[0])}")
    if len(text) > 1 and text[-1].isspace():
        parts.append(f"ends with {what(text[-1])}")
    if not parts:
        return None
    return f"{' and '.join(parts)}; remove {'them' if len(parts) > 1 else 'it'}"


def spec_problems(values: dict[str, object]) -> list[tuple[str, str]]:
    """Every rule a model's field values break, as ``(field, sentence)`` pairs.

    Used by :class:`ModelSpec` itself and by the registry loader, which adds the file and line.
    Checks presence, Python types, the name and ARN lengths and the ARN's form; YAML-specific
    readings (``no`` loaded as a bool, ``10:20`` as an int) are the loader's job, it knows the text.
    """
    problems: list[tuple[str, str]] = []
    for field in REQUIRED_FIELDS:
        if values.get(field) is None:
            problems.append((field, f"field {field!r} is missing"))
    for field in values:
        if field not in FIELDS:
            problems.append(
                (field, f"unknown field {field!r}; a model has {', '.join(FIELDS)}")
            )

    name = values.get("name")
    if name is not None:
        if not isinstance(name, str):
            problems.append(("name", f"name {name!r} is a {type(name).__name__}, not text"))
        # Characters first: a name ending in a line break is told so, not that it "ends with
        # spaces" (str.strip() takes line breaks and tabs for spaces).
        elif bad := _bad_characters(name, _BAD_NAME_CATEGORIES):
            problems.append(("name", _characters_problem(
                "name", name, bad, "a name must be one line of visible text")))
        elif not name.strip():
            problems.append(("name", f"name {name!r} is empty"))
        elif name != name.strip():
            problems.append(("name", f"name {name!r} starts or ends with spaces"))
        elif len(name) > MAX_NAME_LENGTH:
            problems.append(
                ("name", f"name {name!r} has {len(name)} characters, more than {MAX_NAME_LENGTH}")
            )

    arn = values.get("arn")
    if arn is not None:
        if not isinstance(arn, str):
            problems.append(("arn", f"arn {arn!r} is a {type(arn).__name__}, not text"))
        elif edges := _edge_spaces(arn):
            # Said before the form: an ARN pasted with a space or a line break is otherwise
            # right, and "not a Personalize ARN" would send its author looking elsewhere.
            problems.append(("arn", f"arn {arn!r} {edges}"))
        elif len(arn) > MAX_ARN_LENGTH:
            problems.append(
                ("arn", f"arn {arn!r} has {len(arn)} characters, more than {MAX_ARN_LENGTH}")
            )
        elif not ARN_PATTERN.fullmatch(arn):
            problems.append(
                (
                    "arn",
                    f"arn {arn!r} is not a Personalize campaign or recommender ARN "
                    f"(like {ARN_EXAMPLE!r}; region 'local' for the embedded engine)",
                )
            )

    model_type = values.get("type")
    if model_type is not None and (problem := type_problem(model_type)):
        problems.append(("type", problem))

    sort_order = values.get("sort_order")
    # bool is an int subclass: True would silently sort as 1.
    if sort_order is not None and (isinstance(sort_order, bool) or not isinstance(sort_order, int)):
        problems.append(
            ("sort_order", f"sort_order {sort_order!r} is a {type(sort_order).__name__}, "
             "not a whole number")
        )
    elif sort_order is not None and not MIN_SORT_ORDER <= sort_order <= MAX_SORT_ORDER:
        problems.append(
            ("sort_order", f"sort_order {sort_order!r} is outside {MIN_SORT_ORDER}.."
             f"{MAX_SORT_ORDER} (a 32-bit signed whole number)")
        )

    description = values.get("description")
    if description is not None and not isinstance(description, str):
        problems.append(
            ("description",
             f"description {description!r} is a {type(description).__name__}, not text")
        )
    elif description is not None and (
        bad := _bad_characters(description, _BAD_DESCRIPTION_CATEGORIES, allowed="\n\t")
    ):
        problems.append(("description", _characters_problem(
            "description", description, bad, "a description is text that may hold line breaks "
            "and tabs, but no other control characters")))
    return problems


@dataclass(frozen=True)
class ModelSpec:
    """A model the panels can use: a campaign or recommender ARN with a name, type and sort order.

    Raises :class:`~videorecs_widgets.errors.RegistryValidationError` when a field breaks a rule.
    """

    name: str
    arn: str
    type: str
    sort_order: int
    description: str | None = None

    def __post_init__(self) -> None:
        problems = spec_problems({f.name: getattr(self, f.name) for f in fields(self)})
        if problems:
            label = self.name if isinstance(self.name, str) else "?"
            sentences = "; ".join(sentence for _, sentence in problems)
            raise RegistryValidationError(f"Invalid model {label!r}: {sentences}.")

    @property
    def region(self) -> str:
        """The ARN's region; ``"local"`` for the embedded engine."""
        return self._arn_part("region")

    @property
    def backend(self) -> str:
        """``"local"`` (embedded engine) or ``"aws"``, read from the ARN's region."""
        return "local" if self.region == LOCAL_REGION else "aws"

    @property
    def account(self) -> str:
        """The ARN's twelve-digit account id."""
        return self._arn_part("account")

    @property
    def resource_type(self) -> str:
        """``"campaign"`` or ``"recommender"``."""
        return self._arn_part("resource")

    @property
    def resource_name(self) -> str:
        """The campaign's or recommender's own name (the part after the slash)."""
        return self._arn_part("resource_name")

    def to_dict(self) -> dict[str, object]:
        """The fields as ``models.yaml`` holds them; ``description`` only when set."""
        data: dict[str, object] = {
            "name": self.name,
            "arn": self.arn,
            "type": self.type,
            "sort_order": self.sort_order,
        }
        if self.description is not None:
            data["description"] = self.description
        return data

    def _arn_part(self, group: str) -> str:
        match = ARN_PATTERN.fullmatch(self.arn)
        assert match is not None  # __post_init__ refused any other ARN
        return match.group(group)
