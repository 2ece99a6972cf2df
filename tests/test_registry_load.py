"""Reading models.yaml: what loads, and every rule that refuses a file (with file, line, value)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from videorecs_widgets.errors import RegistryError, RegistryValidationError, UnknownModelError
from videorecs_widgets.registry import DuplicateModelWarning, ModelRegistry, ModelSpec

LOCAL = "arn:aws:personalize:local:000000000000:campaign/"
RECS = LOCAL + "personalize-lab-recs-campaign"
SIMS = LOCAL + "personalize-lab-sims-campaign"
RANK = LOCAL + "personalize-lab-rank-campaign"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "models.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def refused(path: Path) -> str:
    """Load ``path``, expect a refusal, check the file was not touched, return the message."""
    before = path.read_bytes()
    mtime = path.stat().st_mtime_ns
    with pytest.raises(RegistryValidationError) as info:
        ModelRegistry(path)
    assert path.read_bytes() == before
    assert path.stat().st_mtime_ns == mtime
    return str(info.value)


def model(name: str = "Recs", arn: str = RECS, type: str = "recommendations",
          sort_order: str = "1", extra: str = "") -> str:
    return (f"  - name: {name}\n    arn: {arn}\n    type: {type}\n"
            f"    sort_order: {sort_order}\n{extra}")


# ------------------------------------------------------------------------------ what loads


def test_load_absent_file_is_empty_registry(tmp_path):
    registry = ModelRegistry(tmp_path / "models.yaml")
    assert registry.models == []
    assert not (tmp_path / "models.yaml").exists()


def test_load_file_in_a_missing_folder_is_refused_naming_it(tmp_path, monkeypatch):
    # Almost always the wrong working directory (a notebook run from another folder), which an
    # empty registry would hide until the panels show nothing.
    (tmp_path / "notebooks").mkdir()
    monkeypatch.chdir(tmp_path / "notebooks")
    with pytest.raises(RegistryError) as info:
        ModelRegistry("../nope/models.yaml")
    assert str(info.value) == (
        f"Cannot open registry ../nope/models.yaml: the folder {str(tmp_path / 'nope')!r} does "
        f"not exist (paths are taken from the current folder, {str(tmp_path / 'notebooks')!r}); "
        "check the path."
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notebooks"]


def test_load_file_under_a_file_is_refused(tmp_path):
    (tmp_path / "models.yaml").write_text("models: []\n")
    with pytest.raises(RegistryError, match=r"the folder '.*models.yaml' is a file, not a "
                       r"folder"):
        ModelRegistry(tmp_path / "models.yaml" / "models.yaml")


@pytest.mark.parametrize("text", ["", "# only a comment\n", "models: []\n", "models:\n"])
def test_load_empty_forms_are_empty_registry(tmp_path, text):
    assert ModelRegistry(write(tmp_path, text)).models == []


def test_load_repository_models_yaml_holds_the_lab_models():
    # as the lab notebooks leave it: 01-02's four models, then 04's two metadata models
    registry = ModelRegistry(Path(__file__).resolve().parent.parent / "models.yaml")
    assert [(m.name, m.arn, m.type, m.sort_order) for m in registry.models] == [
        ("Personal Recommendations", RECS, "recommendations", 1),
        ("Most Popular", LOCAL + "personalize-lab-popularity-campaign", "recommendations", 2),
        ("Recommendations + demographics", LOCAL + "personalize-lab-demographics-campaign",
         "recommendations", 3),
        ("Recommendations + item metadata", LOCAL + "personalize-lab-metadata-campaign",
         "recommendations", 4),
        ("Personal Ranking", RANK, "personal-ranking", 1),
        ("Similar Items", SIMS, "similar-items", 1),
    ]
    assert all(m.backend == "local" and m.region == "local" for m in registry.models)
    assert registry.warnings == []


def test_load_orders_by_type_then_sort_order_then_name(tmp_path):
    path = write(tmp_path, "models:\n"
                 + model("Sims", SIMS, "similar-items", "1")
                 + model("Zed", RECS, "recommendations", "2")
                 + model("Beta", LOCAL + "b", "recommendations", "1")
                 + model("Alpha", LOCAL + "a", "recommendations", "2")
                 + model("Rank", RANK, "personal-ranking", "-5"))
    registry = ModelRegistry(path)
    assert registry.names == ["Beta", "Alpha", "Zed", "Rank", "Sims"]
    assert [m.name for m in registry.of_type("recommendations")] == ["Beta", "Alpha", "Zed"]
    assert [m.name for m in registry.of_type("similar-items")] == ["Sims"]
    assert list(registry) == registry.models
    assert len(registry) == 5 and "Zed" in registry and "zed" not in registry


def test_get_returns_spec_with_description_and_arn_parts(tmp_path):
    path = write(tmp_path, "models:\n" + model(
        "Recs", "arn:aws:personalize:eu-west-1:123456789012:recommender/vod-top-picks",
        extra="    description: top picks for you\n"))
    spec = ModelRegistry(path).get("Recs")
    assert spec == ModelSpec("Recs", "arn:aws:personalize:eu-west-1:123456789012:recommender/"
                             "vod-top-picks", "recommendations", 1, "top picks for you")
    assert (spec.backend, spec.region, spec.account) == ("aws", "eu-west-1", "123456789012")
    assert (spec.resource_type, spec.resource_name) == ("recommender", "vod-top-picks")


def test_get_unknown_name_raises_keyerror_naming_it(tmp_path):
    registry = ModelRegistry(write(tmp_path, "models:\n" + model()))
    with pytest.raises(UnknownModelError) as info:
        registry.get("Nope")
    assert isinstance(info.value, KeyError)
    assert str(info.value) == f"No model named 'Nope' in {tmp_path / 'models.yaml'}."


def test_get_of_a_look_alike_name_suggests_the_model(tmp_path):
    registry = ModelRegistry(write(tmp_path, "models:\n" + model()))
    (name,) = registry.names
    typed = "  ".join(name.upper().split(" "))  # other case, two spaces
    with pytest.raises(UnknownModelError) as info:
        registry.get(typed)
    assert str(info.value) == (f"No model named {typed!r} in {tmp_path / 'models.yaml'}. "
                               f"Did you mean {name!r}?")


def test_of_type_unknown_type_refused(tmp_path):
    registry = ModelRegistry(write(tmp_path, "models: []\n"))
    with pytest.raises(RegistryValidationError, match="type 'ranking' is not one of "
                       "recommendations, personal-ranking, similar-items"):
        registry.of_type("ranking")


def test_load_quoted_values_that_yaml_would_misread_stay_text(tmp_path):
    path = write(tmp_path, "models:\n" + model(name="'no'", type='"recommendations"',
                                               extra="    description: '10:20'\n"))
    spec = ModelRegistry(path).get("no")
    assert (spec.name, spec.description) == ("no", "10:20")


def test_load_same_arn_and_type_twice_warns_but_loads(tmp_path):
    path = write(tmp_path, "models:\n" + model("One") + model("Two"))
    with pytest.warns(DuplicateModelWarning) as caught:
        registry = ModelRegistry(path)
    assert registry.names == ["One", "Two"]
    expected = (f"Registry {path}, line 6: models 'One' (line 2) and 'Two' have the same ARN "
                f"{RECS!r} and type 'recommendations'; both will show the same results")
    assert registry.warnings == [expected]
    assert str(caught[0].message) == expected


def test_load_same_arn_different_type_no_warning(tmp_path):
    path = write(tmp_path, "models:\n" + model("One") + model("Two", type="similar-items"))
    assert ModelRegistry(path).warnings == []


# ----------------------------------------------------------------------- YAML-level refusals


def test_refuses_python_object_tag(tmp_path):
    path = write(tmp_path, "models:\n" + model(name="!!python/object/apply:os.system [ls]"))
    assert refused(path) == (
        f"Registry {path}, line 2: list has the tag '!!python/object/apply:os.system'; "
        "only plain lists are allowed."
    )


def test_refuses_python_name_tag_on_scalar(tmp_path):
    path = write(tmp_path, "models:\n" + model(type="!!python/unicode recommendations"))
    assert refused(path) == (f"Registry {path}, line 4: value 'recommendations' has the tag "
                             "'!!python/unicode'; only plain values are allowed.")


def test_refuses_duplicate_key_in_model(tmp_path):
    path = write(tmp_path, "models:\n" + model(extra="    name: Other\n"))
    assert refused(path) == (f"Registry {path}, line 6: repeats the key 'name' (first at line "
                             "2); a YAML reader would keep only the last one, remove one of them.")


def test_refuses_duplicate_top_level_key(tmp_path):
    path = write(tmp_path, "models:\n" + model() + "models: []\n")
    assert "line 6: repeats the key 'models' (first at line 1)" in refused(path)


def test_refuses_alias(tmp_path):
    path = write(tmp_path, "models:\n" + model() + model(name="*n"))
    assert refused(path) == (f"Registry {path}, line 6: uses an alias (*n); write the value out "
                             "instead, the registry does not support anchors and aliases.")


@pytest.mark.parametrize(
    ("text", "line", "anchor"),
    [
        ("models:\n  - &x\n    name: A\n    arn: " + RECS + "\n    type: recommendations\n"
         "    sort_order: 1\n", 2, "x"),
        ("models:\n" + model() + model(name="&n Recs 2") + model(name="*n"), 6, "n"),
        ("models: &all\n" + model(), 1, "all"),
    ],
)
def test_refuses_anchor_even_unused(tmp_path, text, line, anchor):
    path = write(tmp_path, text)
    assert refused(path) == (f"Registry {path}, line {line}: sets an anchor (&{anchor}); remove "
                             "it, the registry does not support anchors and aliases.")


def test_refuses_merge_key(tmp_path):
    path = write(tmp_path, "models:\n" + model() + "  - <<: {type: recommendations}\n")
    assert "line 6: uses a merge key ('<<')" in refused(path)


def test_refuses_second_document(tmp_path):
    path = write(tmp_path, "models: []\n---\nmodels: []\n")
    assert "more than one YAML document" in refused(path)


@pytest.mark.parametrize("depth", [30, 500, 100_000])  # 3 levels + depth
def test_refuses_deep_nesting_with_line(tmp_path, depth):
    path = write(tmp_path, "models:\n" + model() + "  - name: " + "[" * depth + "]" * depth + "\n")
    assert refused(path) == (
        f"Registry {path}, line 6: lists and mappings are nested more than 32 levels deep; a "
        "registry needs 3 (models, a model, its fields)."
    )


def test_loads_nesting_up_to_the_limit_as_a_field_error(tmp_path):
    path = write(tmp_path, "models:\n" + model() + "  - name: " + "[" * 29 + "]" * 29 + "\n")
    assert "line 6: name must be a single value, not a list or mapping" in refused(path)


def test_refuses_yaml_syntax_error_with_line(tmp_path):
    path = write(tmp_path, "models:\n" + model() + "  - name: [Broken\n")
    message = refused(path)
    assert message.startswith(f"Registry {path}, line 7: could not read it as YAML")


def test_unclosed_quote_names_the_line_where_it_starts(tmp_path):
    path = write(tmp_path, "models:\n" + model(name="'Recs") + model(name="Sims"))
    assert refused(path) == (
        f"Registry {path}, line 2, column 11: could not read it as YAML: the quoted value that "
        "starts here is never closed (the file ends inside it); close its quote."
    )


@pytest.mark.parametrize(
    ("text", "where", "shown"),
    [
        ("models: []\n\x00", "line 2, column 1", "'\\x00'"),
        ("models:\n  - name: caf\u00e9\x1b\n", "line 2, column 15", "'\\x1b'"),
    ],
)
def test_refuses_forbidden_character_with_line_and_column(tmp_path, text, where, shown):
    path = tmp_path / "models.yaml"
    path.write_text(text, encoding="utf-8")
    assert refused(path) == (
        f"Registry {path}, {where}: holds the control character {shown}, which a YAML file "
        "cannot contain; remove it."
    )


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("models:\n  - name: A\n\tarn: x\n", "line 3, column 1"),
        ("models:\n\t- name: A\n", "line 2, column 1"),
        ("models:\n  -\tname: A\n", "line 2, column 4"),
    ],
)
def test_refuses_tab_saying_yaml_indents_with_spaces(tmp_path, text, where):
    path = write(tmp_path, text)
    assert refused(path) == (
        f"Registry {path}, {where}: could not read it as YAML: found a tab; YAML indents (and "
        "separates a '-' from its value) with spaces, never tabs."
    )


def test_character_that_cannot_start_a_token_is_named(tmp_path):
    path = write(tmp_path, "models:\n  - name: @home\n")
    assert refused(path) == (
        f"Registry {path}, line 2, column 11: could not read it as YAML: found the character "
        "'@', which cannot start a plain YAML value; quote the value ('@home')."
    )


def test_refuses_non_utf8_bytes_with_line(tmp_path):
    path = tmp_path / "models.yaml"
    path.write_bytes(("models:\n" + model()).encode() + b"    description: caf\xe9\n")
    assert refused(path) == (f"Registry {path}, line 6: byte 0xe9 is not UTF-8 text; save the "
                             "file as UTF-8.")


# ---------------------------------------------------------- YAML 1.1 readings, with a hint


@pytest.mark.parametrize(
    ("field", "value", "reading"),
    [
        ("name", "no", "the boolean False"),
        ("name", "On", "the boolean True"),
        ("name", "10:20", "the number 620 (a YAML 1.1 sexagesimal (base 60) number)"),
        ("name", "2021-03-04", "the date 2021-03-04"),
        ("name", "1.5", "the number 1.5"),
        ("type", "off", "the boolean False"),
        ("description", "yes", "the boolean True"),
        ("description", "0x1F", "the number 31 (a YAML 1.1 hexadecimal number)"),
    ],
)
def test_refuses_text_field_yaml11_would_misread(tmp_path, field, value, reading):
    kwargs = {"name": value} if field == "name" else {}
    if field == "type":
        kwargs["type"] = value
    extra = f"    description: {value}\n" if field == "description" else ""
    path = write(tmp_path, "models:\n" + model(**kwargs, extra=extra))
    line = {"name": 2, "type": 4, "description": 6}[field]
    assert refused(path) == (f"Registry {path}, line {line}: {field} parsed as {reading} from "
                             f"{value}; quote it ({value!r}) to keep it text.")


def test_refuses_style_guide_example_exactly(tmp_path):
    path = write(tmp_path, "models:\n" + model(name="10:20"))
    assert refused(path) == (f"Registry {path}, line 2: name parsed as the number 620 (a YAML "
                             "1.1 sexagesimal (base 60) number) from 10:20; quote it ('10:20') "
                             "to keep it text.")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("010", "sort_order 010 reads as the number 8 (a YAML 1.1 octal number); write 10, "
                "without the leading zero (or 8, if that was meant)"),
        ("-0_12", "sort_order -0_12 reads as the number -10 (a YAML 1.1 octal number); write -12, "
                  "without the leading zero (or -10, if that was meant)"),
        ("1:30", "sort_order 1:30 reads as the number 90 (a YAML 1.1 sexagesimal (base 60) "
                 "number); write it as a plain decimal number (90)"),
        ("1_000", "sort_order 1_000 reads as the number 1000 (a YAML 1.1 digit-grouped number); "
                  "write it as a plain decimal number (1000)"),
        ("yes", "sort_order parsed as the boolean True from yes; write a whole number"),
        ("'3'", "sort_order '3' is quoted text; write the number without quotes"),
        ("2.5", "sort_order '2.5' is not a whole number (it reads as the number 2.5)"),
        ("first", "sort_order 'first' is not a whole number (it reads as text)"),
    ],
)
def test_refuses_sort_order_forms(tmp_path, value, message):
    path = write(tmp_path, "models:\n" + model(sort_order=value))
    assert refused(path) == f"Registry {path}, line 5: {message}."


def test_sort_order_plain_negative_and_zero_accepted(tmp_path):
    path = write(tmp_path, "models:\n" + model("A", sort_order="0")
                 + model("B", LOCAL + "b", sort_order="-3"))
    assert [(m.name, m.sort_order) for m in ModelRegistry(path).models] == [("B", -3), ("A", 0)]


# ------------------------------------------------------------------------ model-level rules


def test_refuses_unknown_field(tmp_path):
    path = write(tmp_path, "models:\n" + model(extra="    recipe: aws-sims\n"))
    assert refused(path) == (f"Registry {path}, line 6: unknown field 'recipe'; a model has "
                             "name, arn, type, sort_order, description.")


def test_refuses_missing_field_at_model_line(tmp_path):
    path = write(tmp_path, "models:\n  - name: Recs\n    arn: " + RECS + "\n    sort_order: 1\n")
    assert refused(path) == f"Registry {path}, line 2: field 'type' is missing."


def test_refuses_empty_field(tmp_path):
    path = write(tmp_path, "models:\n" + model(name=""))
    assert refused(path) == f"Registry {path}, line 2: field 'name' has no value."


def test_refuses_name_longer_than_64(tmp_path):
    name = "N" * 65
    path = write(tmp_path, "models:\n" + model(name=name))
    assert refused(path) == (f"Registry {path}, line 2: name {name!r} has 65 characters, more "
                             "than 64.")


def test_name_of_64_characters_accepted(tmp_path):
    path = write(tmp_path, "models:\n" + model(name="N" * 64))
    assert ModelRegistry(path).names == ["N" * 64]


def test_refuses_arn_longer_than_256(tmp_path):
    arn = LOCAL + "c" * 220
    path = write(tmp_path, "models:\n" + model(arn=arn))
    assert refused(path) == (f"Registry {path}, line 3: arn {arn!r} has {len(arn)} characters, "
                             "more than 256.")


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:personalize:local:000000000000:solution/my-solution",
        "arn:aws:s3:::bucket",
        "arn:aws:personalize:us-east-1:12345:campaign/x",
        "arn:aws:personalize:local:000000000000:campaign/",
        "campaign/personalize-lab-recs-campaign",
        # digits of other scripts (here Arabic-Indic) are digits to a Unicode regex, not to AWS
        "arn:aws:personalize:us-east-1:\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668"
        "\u0669\u0660\u0661\u0662:campaign/x",
        "arn:aws:personalize:us-east-\u0661:123456789012:campaign/x",
    ],
)
def test_refuses_arn_not_in_personalize_form(tmp_path, arn):
    path = write(tmp_path, "models:\n" + model(arn=arn))
    assert refused(path) == (
        f"Registry {path}, line 3: arn {arn!r} is not a Personalize campaign or recommender ARN "
        "(like 'arn:aws:personalize:us-east-1:123456789012:campaign/my-campaign'; region "
        "'local' for the embedded engine)."
    )


def test_refuses_unknown_type(tmp_path):
    path = write(tmp_path, "models:\n" + model(type="ranking"))
    assert refused(path) == (f"Registry {path}, line 4: type 'ranking' is not one of "
                             "recommendations, personal-ranking, similar-items.")


def test_refuses_duplicate_names(tmp_path):
    path = write(tmp_path, "models:\n" + model("Same") + model("Same", SIMS, "similar-items"))
    assert refused(path) == (f"Registry {path}, line 6: name 'Same' is used again (first at "
                             "line 2); names must be unique.")


@pytest.mark.parametrize(
    ("first", "again"),
    [
        ("Caf\u00e9", "Cafe\u0301"),  # the same word, composed (NFC) and decomposed (NFD)
        ("Sims", "SIMS"),
        ("Stra\u00dfe", "STRASSE"),  # case folding, not just lower()
        ("Most Popular", "Most\u00a0Popular"),  # a non-breaking space
        ("Most Popular", "\uff2dost Popular"),  # a fullwidth M (NFKC, not just NFC)
        ("Most Popular", "Most  Popular"),  # two spaces
        ("Most Popular", "most \u3000popular"),  # case, and an ideographic space
    ],
)
def test_refuses_names_that_look_the_same(tmp_path, first, again):
    path = write(tmp_path, "models:\n" + model(first) + model(again, SIMS, "similar-items"))
    assert refused(path) == (
        f"Registry {path}, line 6: name {again!r} is the same as model {first!r} (line 2) "
        "but for letter case, Unicode form or spacing; names must be unique."
    )


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("Recs\u200b", "'\\u200b' (ZERO WIDTH SPACE) at position 4"),
        ("\u202eRecs", "'\\u202e' (RIGHT-TO-LEFT OVERRIDE) at position 0"),
    ],
)
def test_refuses_names_with_invisible_format_characters(name, shown):
    with pytest.raises(RegistryValidationError) as info:
        ModelSpec(name, RECS, "recommendations", 1)
    assert str(info.value) == (
        f"Invalid model {name!r}: name {name!r} holds invisible format character(s) {shown}; a "
        "name must be one line of visible text."
    )


def test_refuses_unknown_top_level_key_and_lists_every_problem(tmp_path):
    path = write(tmp_path, "version: 2\nmodels:\n" + model(name="no") + model(type="ranking"))
    message = refused(path)
    assert message == (
        f"Registry {path} has 3 problems:\n"
        f"- Registry {path}, line 1: unknown top-level key 'version'; the file holds only "
        "'models'.\n"
        f"- Registry {path}, line 3: name parsed as the boolean False from no; quote it ('no') "
        "to keep it text.\n"
        f"- Registry {path}, line 9: type 'ranking' is not one of recommendations, "
        "personal-ranking, similar-items."
    )


def test_refuses_models_that_is_not_a_list(tmp_path):
    path = write(tmp_path, "models:\n  name: Recs\n")
    assert refused(path) == (f"Registry {path}, line 1: 'models' must be a list of models "
                             "(lines starting with '- name: ...').")


def test_refuses_file_that_is_a_list(tmp_path):
    path = write(tmp_path, "- name: Recs\n")
    assert refused(path) == (f"Registry {path}, line 1: the file must be a mapping with one key, "
                             "'models', holding a list of models.")


# -------------------------------------------------------------------- ModelSpec on its own


def test_modelspec_refuses_bool_sort_order_and_bad_type():
    with pytest.raises(RegistryValidationError) as info:
        ModelSpec("X", RECS, "ranking", True)
    assert str(info.value) == (
        "Invalid model 'X': type 'ranking' is not one of recommendations, personal-ranking, "
        "similar-items; sort_order True is a bool, not a whole number."
    )


def test_modelspec_refuses_name_with_outer_spaces():
    with pytest.raises(RegistryValidationError, match="name ' X' starts or ends with spaces"):
        ModelSpec(" X", RECS, "recommendations", 1)


def test_pure_python_loader_reads_and_refuses_the_same(tmp_path, monkeypatch):
    # Without libyaml PyYAML's own loader is used; plain scalars then have style None, not ''.
    import yaml

    from videorecs_widgets import yaml_loader

    monkeypatch.setattr(yaml_loader, "_SafeLoader", yaml.SafeLoader)
    path = write(tmp_path, "models:\n" + model(name="'no'"))
    assert ModelRegistry(path).names == ["no"]
    path = write(tmp_path, "models:\n" + model(name="no", sort_order="010"))
    message = refused(path)
    assert "line 2: name parsed as the boolean False from no" in message
    assert "line 5: sort_order 010 reads as the number 8 (a YAML 1.1 octal number)" in message
    path = write(tmp_path, "models:\n" + model() + model(name="*a"))
    assert "line 6: uses an alias (*a)" in refused(path)
    path = write(tmp_path, "models:\n" + model(name="&a Recs"))
    assert "line 2: sets an anchor (&a)" in refused(path)
    path = write(tmp_path, "models:\n  - name: A\n\tarn: x\n")
    assert "line 3, column 1: could not read it as YAML: found a tab;" in refused(path)
    path = write(tmp_path, "models:\n  - name: caf\u00e9\x1b\n")
    assert "line 2, column 15: holds the control character '\\x1b'" in refused(path)
    path = write(tmp_path, "models:\n" + model(name="'Recs") + model(name="Sims"))
    assert "line 2, column 11: could not read it as YAML: the quoted value" in refused(path)


@pytest.mark.parametrize(
    ("yaml_name", "name", "shown"),
    [
        ('"A\\0B"', "A\x00B", "'\\x00' at position 1"),
        ('"A\\tB"', "A\tB", "'\\t' at position 1"),
        ('"A\\nB\\e"', "A\nB\x1b", "'\\n' at position 1, '\\x1b' at position 3"),
        ('"A\\LB"', "A\u2028B", "'\\u2028' at position 1"),
    ],
)
def test_refuses_name_with_control_characters(tmp_path, yaml_name, name, shown):
    path = write(tmp_path, "models:\n" + model(name=yaml_name))
    assert refused(path) == (
        f"Registry {path}, line 2: name {name!r} holds control character(s) {shown}; a name "
        "must be one line of visible text."
    )


def test_refuses_description_with_control_characters_but_takes_line_breaks(tmp_path):
    path = write(tmp_path, "models:\n" + model(extra='    description: "a\\0b"\n'))
    assert refused(path) == (
        f"Registry {path}, line 6: description 'a\\x00b' holds control character(s) '\\x00' at "
        "position 1; a description is text that may hold line breaks and tabs, but no other "
        "control characters."
    )
    path = write(tmp_path, "models:\n" + model(extra='    description: "two\\nlines,\\ttab"\n'))
    assert ModelRegistry(path).get("Recs").description == "two\nlines,\ttab"


def test_name_ending_in_a_line_break_says_so(tmp_path):
    path = write(tmp_path, "models:\n  - name: |\n      A\n" + model()[len("  - name: Recs\n"):])
    assert refused(path) == (
        f"Registry {path}, line 2: name 'A\\n' holds control character(s) '\\n' at position 1; "
        "a name must be one line of visible text (a '|' block keeps its last line break: write "
        "'|-' instead, or put the name on one line)."
    )


def test_modelspec_refuses_control_characters_but_takes_accents_and_emoji():
    with pytest.raises(RegistryValidationError) as info:
        ModelSpec("A\x00B", RECS, "recommendations", 1)
    assert str(info.value) == (
        "Invalid model 'A\\x00B': name 'A\\x00B' holds control character(s) '\\x00' at "
        "position 1; a name must be one line of visible text."
    )
    assert ModelSpec("Café \U0001f600", RECS, "recommendations", 1).name == "Café \U0001f600"


@pytest.mark.parametrize("value", ["99999999999999999999999999", "2147483648", "-2147483649"])
def test_refuses_sort_order_outside_32_bits(tmp_path, value):
    path = write(tmp_path, "models:\n" + model(sort_order=value))
    assert refused(path) == (
        f"Registry {path}, line 5: sort_order {value} is outside -2147483648..2147483647 "
        "(a 32-bit signed whole number)."
    )


def test_sort_order_32_bit_limits_accepted(tmp_path):
    path = write(tmp_path, "models:\n" + model("A", sort_order="2147483647")
                 + model("B", LOCAL + "b", sort_order="-2147483648"))
    orders = [(m.name, m.sort_order) for m in ModelRegistry(path).models]
    assert orders == [("B", -2147483648), ("A", 2147483647)]


def repo_models_with(line: int, text: str, tmp_path: Path) -> Path:
    """The repository's models.yaml with line ``line`` (1-based) replaced by ``text``."""
    lines = REPO_MODELS.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[line - 1] = text + "\n"
    path = tmp_path / "models.yaml"
    path.write_text("".join(lines), encoding="utf-8")
    return path


REPO_MODELS = Path(__file__).resolve().parent.parent / "models.yaml"


@pytest.mark.parametrize(
    ("line", "text", "message"),
    [
        # YAML reads the key without ':' as text running on to the next line's key
        (22, "  - name Most Popular",
         "line 22: could not read it as YAML: 'name Most Popular' is not a 'key: value' pair; "
         "is a ':' missing after 'name'?"),
        # the parser stops on line 43, but the key without ':' is on line 42
        (42, "    type personal-ranking",
         "line 42: could not read it as YAML: 'type personal-ranking' is not a 'key: value' "
         "pair; is a ':' missing after 'type'?"),
        (23, "    arn arn:aws:personalize:local:000000000000:campaign/x",
         "line 23: could not read it as YAML: 'arn arn:aws:personalize:local:000000000000:"
         "campaign/x' is not a 'key: value' pair; is a ':' missing after 'arn'?"),
        (24, "    type",
         "line 24: could not read it as YAML: 'type' is not a 'key: value' pair; is a ':' "
         "missing after 'type'?"),
        (22, "   - name: Most Popular",
         "line 22: could not read it as YAML: this line's indentation does not match the lines "
         "above (the list it would belong to starts at line 16, with its '-' at column 3)."),
        (23, "     arn: arn:aws:personalize:local:000000000000:campaign/x",
         "line 23: could not read it as YAML: this line's indentation does not match the lines "
         "above: it is indented more than 'name' on line 22, so YAML reads it as more of that "
         "value; line it up with the keys above it."),
        (20, "    description: note: ratings above 3.6",
         "line 20: could not read it as YAML: the value of 'description' holds ': ' (a colon "
         "and a space), which YAML reads as the start of a key; text that contains ': ' must be "
         "quoted: description: 'note: ratings above 3.6'."),
        # an open quote closed by the next quote, further down
        (26, "    description: 'popularity-count",
         "line 26, column 18: could not read it as YAML: the quoted value that starts here only "
         "ends at line 50; check that its quote is closed."),
    ],
)
@pytest.mark.parametrize("loader", ["CSafeLoader", "SafeLoader"])  # libyaml, pure Python
def test_yaml_syntax_errors_name_the_line_and_the_fix(tmp_path, monkeypatch, loader, line, text,
                                                      message):
    import yaml

    from videorecs_widgets import yaml_loader

    monkeypatch.setattr(yaml_loader, "_SafeLoader", getattr(yaml, loader, yaml.SafeLoader))
    path = repo_models_with(line, text, tmp_path)
    assert refused(path) == f"Registry {path}, {message}"


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ('"' + RECS + ' "', f"arn {RECS + ' '!r} ends with a space; remove it."),
        ('" ' + RECS + '"', f"arn {' ' + RECS!r} starts with a space; remove it."),
        ("|\n      " + RECS, f"arn {RECS + chr(10)!r} ends with a line break; remove it (a '|' "
                              "block keeps its last line break: write '|-' instead, or put the "
                              "arn on one line)."),
        (">\n      " + RECS, f"arn {RECS + chr(10)!r} ends with a line break; remove it (a '>' "
                              "block keeps its last line break: write '>-' instead, or put the "
                              "arn on one line)."),
    ],
)
def test_arn_with_a_space_or_line_break_at_an_end_says_so(tmp_path, written, message):
    path = tmp_path / "models.yaml"
    path.write_text("models:\n" + model(arn=written), encoding="utf-8")
    assert refused(path) == f"Registry {path}, line 3: {message}"


def test_arn_in_a_folded_block_without_its_line_break_loads(tmp_path):
    path = tmp_path / "models.yaml"
    path.write_text("models:\n" + model(arn=">-\n      " + RECS), encoding="utf-8")
    assert ModelRegistry(path).get("Recs").arn == RECS
