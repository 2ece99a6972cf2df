"""RegistryEditor on a real models.yaml, checked against the lab's real local campaigns."""

from __future__ import annotations

import pytest

from videorecs_widgets.model_spec import ModelSpec
from videorecs_widgets.registry import ModelRegistry
from videorecs_widgets.widgets.editor import RegistryEditor

LOCAL = "arn:aws:personalize:local:000000000000:campaign/"


@pytest.fixture()
def reg(lab_campaigns, tmp_path):
    arns = lab_campaigns.campaigns
    registry = ModelRegistry(tmp_path / "models.yaml")
    registry.add(ModelSpec("Personal Recommendations", arns["recs"], "recommendations", 1))
    registry.add(ModelSpec("Personal Ranking", arns["rank"], "personal-ranking", 1))
    return registry


@pytest.fixture()
def editor(reg, lab_campaigns):
    return RegistryEditor(reg, workspace=lab_campaigns.workspace)


def on_disk(registry):
    """The models as a fresh registry reads them from the file."""
    return ModelRegistry(registry.path).models


def test_table_lists_the_models_in_the_registry_order(editor, reg):
    assert editor.table["name"].tolist() == ["Personal Recommendations", "Personal Ranking"]
    assert editor.table["type"].tolist() == ["recommendations", "personal-ranking"]
    assert "<td" in editor.html and "personal ranking" in editor.html
    assert editor.choices == ["Personal Recommendations", "Personal Ranking"]
    assert editor.editing is None and editor._save.description == "Add"
    assert editor._remove.disabled


def test_add_edit_remove_round_trip_on_disk(editor, reg, lab_campaigns):
    sims = lab_campaigns.campaigns["sims"]
    editor.fill(name="Similar Items", arn=sims, sort_order="3", description="SIMS, lab data")
    editor._fields["type"].value = "similar-items"
    editor._save.click()
    assert editor.status.startswith("Added model 'Similar Items' to ")
    expected = ModelSpec("Similar Items", sims, "similar-items", 3, "SIMS, lab data")
    assert expected in on_disk(reg)
    assert editor.editing == "Similar Items" and editor._save.description == "Save"

    editor.fill(name="Related Films", sort_order="-1", description="")
    editor._save.click()
    renamed = ModelSpec("Related Films", sims, "similar-items", -1)
    assert on_disk(reg)[-1] == renamed and "Similar Items" not in ModelRegistry(reg.path)
    assert editor.table["name"].tolist()[-1] == "Related Films"

    editor._remove.click()
    assert [s.name for s in on_disk(reg)] == ["Personal Recommendations", "Personal Ranking"]
    assert editor.status.startswith("Removed model 'Related Films' from ")
    assert editor.editing is None and editor._remove.disabled


def test_choosing_a_model_loads_it_into_the_form(editor, lab_campaigns):
    editor._choice.set_state({"index": 2})  # as the front end does
    assert editor.editing == "Personal Ranking"
    assert editor.form == {"name": "Personal Ranking", "arn": lab_campaigns.campaigns["rank"],
                           "type": "personal-ranking", "sort_order": "1", "description": ""}


def test_bad_arn_is_shown_next_to_the_field_and_the_file_is_untouched(editor, reg):
    before = reg.path.read_bytes()
    editor.fill(name="Typo", arn="arn:aws:personalize:local:000000000000:solution/x",
                sort_order="two")
    assert editor.save() is None
    errors = editor.field_errors
    assert set(errors) == {"arn", "sort_order"}
    assert errors["arn"].startswith(
        "arn 'arn:aws:personalize:local:000000000000:solution/x' is not a Personalize "
        "campaign or recommender ARN")
    assert errors["sort_order"] == "sort_order 'two' is not a whole number"
    assert "is not a Personalize campaign" in editor._field_errors["arn"].value
    assert editor._field_errors["name"].value == ""
    assert editor.status.startswith("Not saved: arn ") and editor.status.endswith(
        "(2 problems).")
    assert reg.path.read_bytes() == before
    assert editor.form["arn"] == "arn:aws:personalize:local:000000000000:solution/x"
    assert editor.form["sort_order"] == "two" and editor.form["name"] == "Typo"


def test_taken_name_is_refused_next_to_the_name(editor, reg, lab_campaigns):
    before = reg.path.read_bytes()
    editor.fill(name="Personal Ranking", arn=lab_campaigns.campaigns["sims"], sort_order="1")
    assert editor.save() is None
    assert editor.field_errors == {
        "name": "name 'Personal Ranking' is taken by another model; pick another name"}
    assert reg.path.read_bytes() == before


def test_sims_campaign_as_personal_ranking_is_refused_with_the_explanation(editor, reg,
                                                                           lab_campaigns):
    before = reg.path.read_bytes()
    editor.set_check(True)
    editor.fill(name="Ranking?", arn=lab_campaigns.campaigns["sims"], sort_order="2")
    editor._fields["type"].value = "personal-ranking"
    assert editor.save() is None
    assert list(editor.field_errors) == ["type"]
    assert ("Model 'Ranking?' is declared as 'personal-ranking', but its recipe aws-sims "
            "answers 'similar-items' queries") in editor.field_errors["type"]
    assert editor.last_check.expected_type == "similar-items"
    assert "aws-sims" in editor.status and reg.path.read_bytes() == before
    # Following the advice saves it.
    editor._fields["type"].value = "similar-items"
    saved = editor.save()
    assert saved == ModelSpec("Ranking?", lab_campaigns.campaigns["sims"], "similar-items", 2)
    assert "Its recipe aws-sims fits the type 'similar-items'." in editor.status
    assert saved in on_disk(reg)


def test_missing_campaign_with_the_check_on_is_refused_next_to_the_arn(editor, reg):
    before = reg.path.read_bytes()
    editor.set_check(True)
    editor.fill(name="Gone", arn=LOCAL + "no-such-campaign", sort_order="1")
    assert editor.save() is None
    assert list(editor.field_errors) == ["arn"]
    assert "does not exist" in editor.field_errors["arn"]
    assert reg.path.read_bytes() == before


def test_outside_edit_shows_after_reload_and_a_conflicting_save_keeps_the_file(editor, reg):
    other = ModelRegistry(reg.path)
    other.update("Personal Ranking", sort_order=7)
    assert editor.reload() is True
    assert editor.table.loc[editor.table["name"] == "Personal Ranking", "sort_order"].item() == 7
    assert editor.status == "The registry file changed; the models were updated."

    editor.edit("Personal Ranking")
    other.update("Personal Ranking", description="edited elsewhere")
    before = reg.path.read_bytes()
    editor.fill(sort_order="8")
    assert editor.save() is None
    assert editor.status.startswith("Not saved: Registry ")
    assert "changed on disk" in editor.status
    # advice for the form's user (its Reload button), not for code (revert())
    assert editor.status.endswith(
        "both touch model 'Personal Ranking'; nothing was written. Press Reload to load the "
        "file's version (the form keeps what you typed), then save again.")
    assert "revert()" not in editor.status
    assert reg.path.read_bytes() == before and editor.form["sort_order"] == "8"
    # Following the advice saves it.
    assert editor.reload() is True and editor.form["sort_order"] == "8"
    assert editor.save() is not None
    assert ModelRegistry(reg.path).get("Personal Ranking").sort_order == 8


def test_text_from_the_file_is_escaped_in_the_table(editor, reg, lab_campaigns):
    reg.add(ModelSpec("<script>alert(1)</script>", lab_campaigns.campaigns["sims"],
                      "similar-items", 1, "a & b"))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in editor.html
    assert "<script>" not in editor.html and "a &amp; b" in editor.html
    assert editor.choices[-1] == "<script>alert(1)</script>"


def test_the_type_check_is_on_by_default(editor, reg, lab_campaigns):
    assert editor.check_types and editor._check.value
    before = reg.path.read_bytes()
    editor.fill(name="SIMS as recs", arn=lab_campaigns.campaigns["sims"], sort_order="3")
    assert editor.form["type"] == "recommendations"
    assert editor.save() is None
    assert ("Model 'SIMS as recs' is declared as 'recommendations', but its recipe aws-sims "
            "answers 'similar-items' queries") in editor.field_errors["type"]
    editor.fill(name="Nowhere", arn=LOCAL + "zzz")
    assert editor.save() is None
    assert editor.field_errors["arn"].startswith(
        "The campaign 'zzz' of model 'Nowhere' does not exist in region 'local'")
    assert reg.path.read_bytes() == before
    # Off, it saves what it is told (a model the service cannot be asked about yet).
    editor.set_check(False)
    assert editor.save() == ModelSpec("Nowhere", LOCAL + "zzz", "recommendations", 3)


def test_the_model_being_edited_removed_elsewhere_resets_the_untouched_form(editor, reg):
    editor.edit("Personal Ranking")
    reg.remove("Personal Ranking")  # another tab, or code in the notebook
    assert editor.editing is None and editor._save.description == "Add"
    assert editor.form == {"name": "", "arn": "", "type": "recommendations", "sort_order": "1",
                           "description": ""}
    assert editor.status == (
        "Model 'Personal Ranking' is no longer in models.yaml (renamed or removed elsewhere); "
        "the form is reset to a new model.")


def test_the_model_being_edited_removed_elsewhere_keeps_typed_edits_and_says_so(editor, reg):
    editor.edit("Personal Ranking")
    editor.fill(description="typed here")
    reg.remove("Personal Ranking")
    assert editor.editing is None and editor._save.description == "Add"
    assert editor.form["name"] == "Personal Ranking"
    assert editor.form["description"] == "typed here"
    assert editor.status == (
        "Model 'Personal Ranking' is no longer in models.yaml (renamed or removed elsewhere); "
        "the form keeps what you typed, and Add saves it as a new model.")


def test_reload_after_the_edited_model_was_renamed_in_the_file_says_so_and_adds_no_copy(
        editor, reg):
    editor.edit("Personal Ranking")
    reg.path.write_text(reg.path.read_text().replace("name: Personal Ranking", "name: PR"))
    assert editor.reload() is True
    assert editor.status == (
        "The registry file changed; the models were updated. Model 'Personal Ranking' is no "
        "longer in models.yaml (renamed or removed elsewhere); the form is reset to a new "
        "model.")
    assert editor.editing is None and editor.form["name"] == "" and editor.form["arn"] == ""
    assert editor.choices == ["Personal Recommendations", "PR"]
    # The next click of the (now Add) button cannot put the old model back next to "PR".
    editor._save.click()
    assert editor.status.startswith("Not saved: field 'name' is missing")
    assert [s.name for s in on_disk(reg)] == ["Personal Recommendations", "PR"]


def test_a_conflict_on_remove_gives_the_forms_advice(editor, reg):
    editor.edit("Personal Ranking")
    ModelRegistry(reg.path).update("Personal Ranking", sort_order=7)  # an outside edit
    before = reg.path.read_bytes()
    editor._remove.click()
    assert editor.status.startswith(f"Not removed: Registry {reg.path} changed on disk")
    assert editor.status.endswith(
        "both touch model 'Personal Ranking'; nothing was written. Press Reload to load the "
        "file's version, then remove the model again.")
    assert "revert()" not in editor.status
    assert reg.path.read_bytes() == before and editor.editing == "Personal Ranking"
    # Following the advice removes it.
    assert editor.reload() is True and editor.editing == "Personal Ranking"
    assert editor.remove() is not None
    assert [s.name for s in on_disk(reg)] == ["Personal Recommendations"]


def test_spaces_and_leading_zeros_typed_are_normalised_and_said(editor, reg, lab_campaigns):
    sims = lab_campaigns.campaigns["sims"]
    editor.fill(name="  Similar Items ", arn=sims, sort_order="010")
    editor._fields["type"].value = "similar-items"
    assert editor.save() == ModelSpec("Similar Items", sims, "similar-items", 10)
    assert ModelRegistry(reg.path).get("Similar Items").sort_order == 10
    # the form shows what was saved, and the status says what changed
    assert editor.form["name"] == "Similar Items" and editor.form["sort_order"] == "10"
    assert editor.status.startswith(
        f"Added model 'Similar Items' to {reg.path}. The name '  Similar Items ' was saved as "
        "'Similar Items'. The sort order '010' was saved as '10'.")

    editor.edit("Personal Ranking")
    editor.fill(sort_order=" 07")
    assert editor.save().sort_order == 7
    assert editor.form["sort_order"] == "7"
    assert "The sort order ' 07' was saved as '7'." in editor.status
    editor.fill(sort_order="8")
    editor.save()
    assert "was saved as" not in editor.status  # nothing normalised, nothing said


def test_a_duplicate_found_at_reload_is_noted_in_the_status_not_warned(editor, reg,
                                                                       lab_campaigns):
    # pytest turns warnings into errors: a DuplicateModelWarning reaching the caller fails.
    text = reg.path.read_text()
    reg.path.write_text(text + (
        f"  - name: Copy\n    arn: {lab_campaigns.campaigns['rank']}\n"
        "    type: personal-ranking\n    sort_order: 2\n"))
    assert editor.reload() is True
    assert editor.status.startswith(
        f"The registry file changed; the models were updated. Note: Registry {reg.path}")
    assert ": models 'Personal Ranking' and 'Copy' have the same ARN " in editor.status
    assert editor.status.endswith(
        "and type 'personal-ranking'; both will show the same results.")


def test_without_a_workspace_the_check_asks_the_registrys_own(lab_campaigns, tmp_path,
                                                              monkeypatch):
    # The lab keeps models.yaml and .videorecs/ side by side; the editor is used from anywhere.
    monkeypatch.delenv("VIDEORECS_WORKSPACE", raising=False)
    (tmp_path / ".videorecs").symlink_to(lab_campaigns.workspace, target_is_directory=True)
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    registry = ModelRegistry(tmp_path / "models.yaml")
    editor = RegistryEditor(registry)
    editor.fill(name="Similar Items", arn=lab_campaigns.campaigns["sims"], sort_order="1")
    editor._fields["type"].value = "similar-items"
    editor._save.click()
    assert editor.status.startswith("Added model 'Similar Items' to "), editor.status
    assert [s.name for s in on_disk(registry)] == ["Similar Items"]


def test_a_local_arn_with_no_workspace_is_refused_saying_so_and_creates_none(lab_campaigns,
                                                                             tmp_path):
    registry = ModelRegistry(tmp_path / "models.yaml")
    editor = RegistryEditor(registry)  # the registry's workspace, .videorecs/ beside it: absent
    editor.fill(name="Recs", arn=lab_campaigns.campaigns["recs"], sort_order="1")
    editor._save.click()
    assert "there is no embedded-engine workspace at" in editor.field_errors["arn"]
    assert not (tmp_path / ".videorecs").exists()
    assert registry.names == [] and not registry.path.exists()


@pytest.mark.parametrize("name", ["personal ranking", "Personal\u00a0Ranking",
                                  "Personal  Ranking", "\uff30ersonal Ranking"])
def test_a_look_alike_name_is_refused_next_to_the_name(editor, reg, lab_campaigns, name):
    before = reg.path.read_bytes()
    editor.set_check(False)
    editor.fill(name=name, arn=lab_campaigns.campaigns["sims"], sort_order="1")
    assert editor.save() is None
    assert editor.field_errors == {"name": (
        f"name {name!r} looks the same as model 'Personal Ranking' (names that differ only in "
        "letter case, Unicode form or spacing count as one); pick another name")}
    assert "looks the same as model" in editor._field_errors["name"].value
    assert editor.status.startswith(f"Not saved: name {name!r} looks the same as model")
    assert reg.path.read_bytes() == before


def test_renaming_a_model_to_its_own_name_in_other_case_is_allowed(editor, reg):
    editor.set_check(False)
    editor.edit("Personal Ranking")
    editor.fill(name="PERSONAL RANKING")
    assert editor.save().name == "PERSONAL RANKING"
    assert editor.field_errors == {}


def test_reload_after_models_yaml_was_deleted_says_so_and_add_asks_to_confirm(editor, reg,
                                                                               lab_campaigns):
    import os

    editor.edit("Personal Ranking")
    os.remove(reg.path)
    assert editor.reload() is True
    assert editor.status == (
        f"models.yaml no longer exists at {str(reg.path.resolve())!r} (deleted or moved "
        "elsewhere), so the list is empty. Put it back and press Reload; or Add a model to "
        "start a new models.yaml holding only that model (Add asks you to confirm).")
    assert editor.choices == [] and editor.editing is None
    editor.fill(name="Similar Items", arn=lab_campaigns.campaigns["sims"], sort_order="1")
    editor._fields["type"].value = "similar-items"
    editor._save.click()
    assert editor.status == (
        f"Not saved: models.yaml no longer exists at {str(reg.path.resolve())!r} (deleted or "
        "moved elsewhere). Click Add again to create a new models.yaml holding only this "
        "model, or put the file back and press Reload.")
    assert not reg.path.exists()
    editor._save.click()  # confirmed
    assert editor.status.startswith("Added model 'Similar Items' to ")
    assert [s.name for s in on_disk(reg)] == ["Similar Items"]


def test_add_after_models_yaml_was_deleted_without_reload_asks_to_confirm(editor, reg,
                                                                          lab_campaigns):
    reg.path.unlink()
    editor.fill(name="Similar Items", arn=lab_campaigns.campaigns["sims"], sort_order="1")
    editor._fields["type"].value = "similar-items"
    assert editor.save() is None
    assert "Click Add again to create a new models.yaml holding only this model" in \
        editor.status
    assert not reg.path.exists()


def test_save_of_a_chosen_model_after_models_yaml_was_deleted_says_to_reload(editor, reg):
    editor.edit("Personal Ranking")
    reg.path.unlink()
    editor.fill(description="typed")
    assert editor.save() is None
    assert editor.status == (
        f"Not saved: models.yaml no longer exists at {str(reg.path.resolve())!r} (deleted or "
        "moved elsewhere). Press Reload (the form keeps what you typed), then Add the model to "
        "start a new file.")
    assert not reg.path.exists()


def test_a_new_registry_file_is_created_by_the_first_add_without_asking(lab_campaigns,
                                                                        tmp_path):
    registry = ModelRegistry(tmp_path / "models.yaml")  # no file yet
    editor = RegistryEditor(registry, check=False)
    editor.fill(name="Recs", arn=lab_campaigns.campaigns["recs"], sort_order="1")
    assert editor.save() is not None
    assert registry.path.exists()


def test_without_aws_credentials_the_refusal_says_to_untick_the_check(editor, reg,
                                                                      no_aws_credentials):
    editor.fill(name="Remote", arn="arn:aws:personalize:eu-west-1:123456789012:campaign/recs",
                sort_order="1")
    assert editor.save() is None
    assert editor.field_errors["arn"].startswith(
        "Could not ask about campaign 'recs': Creating Personalize clients for AWS failed: no "
        "AWS credentials were found.")
    assert editor.field_errors["arn"].endswith(
        "or use the embedded engine (backend 'local'), which needs no account. Or untick "
        "“Check the type against the service” to save it without asking the service.")
    editor.set_check(False)
    assert editor.save() is not None  # following the advice saves it
