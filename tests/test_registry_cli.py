"""``videorecs-widgets models ...`` on a temporary registry and the lab's real local campaigns."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from videorecs_widgets.cli import main
from videorecs_widgets.registry import ModelRegistry, ModelSpec

REPO_MODELS = Path(__file__).resolve().parent.parent / "models.yaml"


@pytest.fixture
def registry_file(tmp_path) -> Path:
    path = tmp_path / "models.yaml"
    shutil.copyfile(REPO_MODELS, path)
    return path


def test_models_list_prints_the_lab_models_in_order(registry_file, capsys):
    assert main(["models", "list", "--file", str(registry_file)]) == 0
    lines = capsys.readouterr().out.splitlines()
    local = "arn:aws:personalize:local:000000000000:campaign/"
    assert lines == [
        "TYPE              SORT  NAME                             BACKEND  ARN",
        f"recommendations      1  Personal Recommendations         local    {local}"
        "personalize-lab-recs-campaign",
        f"recommendations      2  Most Popular                     local    {local}"
        "personalize-lab-popularity-campaign",
        f"recommendations      3  Recommendations + demographics   local    {local}"
        "personalize-lab-demographics-campaign",
        f"recommendations      4  Recommendations + item metadata  local    {local}"
        "personalize-lab-metadata-campaign",
        f"personal-ranking     1  Personal Ranking                 local    {local}"
        "personalize-lab-rank-campaign",
        f"similar-items        1  Similar Items                    local    {local}"
        "personalize-lab-sims-campaign",
    ]


def test_models_list_of_type_and_empty(tmp_path, registry_file, capsys):
    assert main(["models", "list", "--file", str(registry_file), "--type", "similar-items"]) == 0
    assert [line.split("  ")[0] for line in capsys.readouterr().out.splitlines()] == [
        "TYPE", "similar-items"]
    empty = tmp_path / "empty.yaml"
    empty.write_text("models: []\n")
    assert main(["models", "list", "--file", str(empty)]) == 0
    assert capsys.readouterr().out == f"No models in {empty}.\n"


@pytest.mark.parametrize("command", [["list"], ["check"], ["remove", "X"],
                                     ["update", "X", "--sort-order", "2"]])
def test_models_commands_refuse_a_missing_registry_file(tmp_path, capsys, monkeypatch,
                                                       command):
    monkeypatch.chdir(tmp_path)
    assert main(["models", *command, "--file", "nothere.yaml"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"videorecs-widgets models: The registry file {str(tmp_path / 'nothere.yaml')!r} "
        "does not exist; check --file (only `videorecs-widgets models add` creates a "
        "registry file).\n")
    assert not (tmp_path / "nothere.yaml").exists()


def test_models_list_without_file_says_it_looked_in_the_current_folder(tmp_path, capsys,
                                                                      monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["models", "list"]) == 2
    assert capsys.readouterr().err == (
        f"videorecs-widgets models: There is no models.yaml in the current folder "
        f"{str(tmp_path)!r}, where the registry file is looked up when --file is not given; "
        "run the command in the folder that holds it, or pass --file PATH.\n")


def test_models_add_creates_a_missing_registry_file(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    arn = "arn:aws:personalize:us-east-1:123456789012:campaign/later"
    assert main(["models", "add", "--no-check", "Later", arn, "recommendations"]) == 0
    assert capsys.readouterr().out == (
        "Added 'Later' (recommendations, sort order 1) to models.yaml.\n")
    assert ModelRegistry(tmp_path / "models.yaml").names == ["Later"]


def test_models_file_help_says_current_folder():
    from videorecs_widgets.cli import build_parser

    models = build_parser()._subparsers._group_actions[0].choices["models"]
    list_parser = models._subparsers._group_actions[0].choices["list"]
    assert "(default: models.yaml in the current folder)" in " ".join(
        list_parser.format_help().split())


def test_models_add_checks_type_against_campaign(lab_campaigns, registry_file, capsys):
    sims = lab_campaigns.campaigns["sims"]
    ws = ["--workspace", str(lab_campaigns.workspace)]
    before = registry_file.read_bytes()
    code = main(["models", "add", "--file", str(registry_file), *ws, "Wrong", sims,
                 "personal-ranking"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith(f"videorecs-widgets models: Cannot add model 'Wrong' to "
                          f"{registry_file}: The campaign 'lab-sims-campaign' is ACTIVE.")
    assert "answers 'similar-items' queries: change its type to 'similar-items'" in err
    assert registry_file.read_bytes() == before

    assert main(["models", "add", "--file", str(registry_file), *ws, "Lab SIMS", sims,
                 "similar-items", "--description", "no"]) == 0
    assert capsys.readouterr().out == (f"Added 'Lab SIMS' (similar-items, sort order 2) to "
                                       f"{registry_file}.\n")
    assert ModelRegistry(registry_file).get("Lab SIMS") == ModelSpec(
        "Lab SIMS", sims, "similar-items", 2, "no")
    assert "    description: 'no'\n" in registry_file.read_text()


def test_models_add_no_check_update_remove(registry_file, capsys):
    arn = "arn:aws:personalize:us-east-1:123456789012:campaign/later"
    assert main(["models", "add", "--file", str(registry_file), "--no-check", "Later", arn,
                 "recommendations", "--sort-order", "7"]) == 0
    assert main(["models", "update", "--file", str(registry_file), "Later", "--new-name",
                 "Sooner", "--sort-order", "0"]) == 0
    assert ModelRegistry(registry_file).of_type("recommendations")[0] == ModelSpec(
        "Sooner", arn, "recommendations", 0)
    assert main(["models", "remove", "--file", str(registry_file), "Sooner"]) == 0
    assert "Sooner" not in ModelRegistry(registry_file)
    out = capsys.readouterr().out.splitlines()
    assert out == [f"Added 'Later' (recommendations, sort order 7) to {registry_file}.",
                   f"Updated 'Sooner' in {registry_file}.",
                   f"Removed 'Sooner' from {registry_file}."]


def test_models_errors_exit_2_with_message(tmp_path, registry_file, capsys):
    assert main(["models", "remove", "--file", str(registry_file), "Nope"]) == 2
    assert capsys.readouterr().err == (f"videorecs-widgets models: No model named 'Nope' in "
                                       f"{registry_file}.\n")
    bad = tmp_path / "bad.yaml"
    bad.write_text("models:\n  - name: no\n")
    assert main(["models", "list", "--file", str(bad)]) == 2
    assert "line 2: name parsed as the boolean False from no; quote it ('no')" in (
        capsys.readouterr().err)


def test_models_update_without_fields_is_an_error_naming_them(registry_file, capsys):
    before = registry_file.read_bytes()
    assert main(["models", "update", "--file", str(registry_file), "Most Popular"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"videorecs-widgets models: Nothing to update in model 'Most Popular' of "
        f"{registry_file}: give at least one of --new-name, --arn, --type, --sort-order, "
        "--description.\n"
    )
    assert registry_file.read_bytes() == before


def test_models_update_of_unknown_model_says_so_first(registry_file, capsys):
    assert main(["models", "update", "--file", str(registry_file), "Nope"]) == 2
    assert capsys.readouterr().err == (
        f"videorecs-widgets models: No model named 'Nope' in {registry_file}.\n"
    )


def test_models_remove_of_a_look_alike_name_suggests_the_model(registry_file, capsys):
    before = registry_file.read_bytes()
    assert main(["models", "remove", "--file", str(registry_file), "most  popular"]) == 2
    assert capsys.readouterr().err == (
        f"videorecs-widgets models: No model named 'most  popular' in {registry_file}. "
        "Did you mean 'Most Popular'?\n")
    assert registry_file.read_bytes() == before


def test_models_same_arn_warning_is_printed_once_as_a_plain_line(registry_file, capsys):
    arn = "arn:aws:personalize:local:000000000000:campaign/personalize-lab-recs-campaign"
    twin = f"Registry {registry_file}: models 'Personal Recommendations' and 'Twin' have the same"
    assert main(["models", "add", "--file", str(registry_file), "--no-check", "Twin", arn,
                 "recommendations"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err == [f"warning: {twin} ARN {arn!r} and type 'recommendations'; both will show the "
                   "same results"]

    # listing, then an edit that keeps the pair: still one line each time, no Python form
    assert main(["models", "list", "--file", str(registry_file)]) == 0
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith(f"warning: Registry {registry_file}, line ")
    assert "and 'Twin' have the same ARN" in err[0]
    assert main(["models", "update", "--file", str(registry_file), "Twin", "--sort-order",
                 "9"]) == 0
    err = capsys.readouterr().err
    assert err.count("have the same ARN") == 1
    assert "DuplicateModelWarning" not in err


def test_models_check_reports_each_model_and_exit_code(lab_campaigns, tmp_path, capsys):
    path = tmp_path / "models.yaml"
    c = lab_campaigns.campaigns
    registry = ModelRegistry(path)
    registry.add(ModelSpec("Recs", c["recs"], "recommendations", 1))
    registry.add(ModelSpec("Sims", c["sims"], "similar-items", 1))
    ws = ["--workspace", str(lab_campaigns.workspace)]
    assert main(["models", "check", "--file", str(path), *ws]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Recs: ok; recipe aws-user-personalization; The campaign "
                             "'lab-recs-campaign' is ACTIVE.")
    assert out[-1] == "2 of 2 models are ACTIVE and of the right type."

    registry.add(ModelSpec("Sims as ranking", c["sims"], "personal-ranking", 1))
    assert main(["models", "check", "--file", str(path), *ws, "Sims as ranking"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Sims as ranking: WRONG TYPE; recipe aws-sims; ")
    assert out[-1] == "0 of 1 models are ACTIVE and of the right type."


def test_models_check_of_repository_registry_without_lab_campaigns(registry_file, tmp_path,
                                                                     capsys):
    (tmp_path / "empty-engine").mkdir()
    code = main(["models", "check", "--file", str(registry_file), "--workspace",
                 str(tmp_path / "empty-engine")])
    out = capsys.readouterr().out.splitlines()
    assert code == 1
    assert out[0].startswith("Personal Recommendations: NOT_FOUND; recipe ?; The campaign "
                             "'personalize-lab-recs-campaign' of model 'Personal "
                             "Recommendations' does not exist in region 'local'")
    assert out[-1] == "0 of 6 models are ACTIVE and of the right type."


def test_models_check_names_a_missing_workspace_and_does_not_create_it(registry_file, tmp_path,
                                                                       capsys, monkeypatch):
    monkeypatch.delenv("VIDEORECS_WORKSPACE", raising=False)
    monkeypatch.chdir(tmp_path)  # the workspace is looked for beside the registry, not here
    code = main(["models", "check", "--file", str(registry_file)])
    out = capsys.readouterr().out.splitlines()
    expected = registry_file.resolve().parent / ".videorecs"
    assert code == 1
    assert out[0] == (
        "Personal Recommendations: NOT_FOUND; recipe ?; The campaign "
        "'personalize-lab-recs-campaign' of model 'Personal Recommendations' cannot exist: "
        f"there is no embedded-engine workspace at {str(expected)!r}. Build the models first "
        "(the lab notebooks, or videorecs_widgets.lab.build_lab_models), or point to the workspace "
        "that holds them.")
    assert not expected.exists() and not (tmp_path / ".videorecs").exists()


def test_models_add_of_an_existing_name_points_to_models_update(registry_file, capsys):
    before = registry_file.read_bytes()
    arn = "arn:aws:personalize:us-east-1:123456789012:campaign/later"
    assert main(["models", "add", "--file", str(registry_file), "Most Popular", arn,
                 "recommendations"]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"videorecs-widgets models: Cannot add model 'Most Popular' to {registry_file}: a model "
        "with that name exists already; pick another name, or change that model with "
        "`videorecs-widgets models update 'Most Popular'` and the fields to change (--arn, "
        "--type, --sort-order, --description).\n")
    assert registry_file.read_bytes() == before


def test_models_add_without_aws_credentials_suggests_no_check(registry_file, capsys,
                                                              no_aws_credentials):
    before = registry_file.read_bytes()
    arn = "arn:aws:personalize:eu-west-1:123456789012:campaign/recs"
    assert main(["models", "add", "--file", str(registry_file), "Remote", arn,
                 "recommendations"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        f"videorecs-widgets models: Cannot add model 'Remote' to {registry_file}: Could not ask "
        "about campaign 'recs': Creating Personalize clients for AWS failed: no AWS credentials "
        "were found. Set AWS_PROFILE")
    assert ".." not in err
    assert err.endswith(" Or pass --no-check to add it without asking the service.\n")
    assert registry_file.read_bytes() == before


def test_models_update_to_an_aws_arn_without_credentials_suggests_no_check(
        registry_file, capsys, no_aws_credentials):
    arn = "arn:aws:personalize:eu-west-1:123456789012:campaign/recs"
    assert main(["models", "update", "--file", str(registry_file), "Most Popular", "--arn",
                 arn]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"videorecs-widgets models: Cannot update model 'Most Popular' in "
                          f"{registry_file}: Could not ask about campaign 'recs': Creating "
                          "Personalize clients for AWS failed: no AWS credentials were found.")
    assert ".." not in err
    assert err.endswith(" Or pass --no-check to update it without asking the service.\n")


def test_models_without_a_subcommand_prints_the_models_usage(capsys):
    assert main(["models"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("usage: videorecs-widgets models [-h]")
    assert "models_command" not in captured.err
    assert captured.err.endswith(
        "videorecs-widgets models: choose what to do: list, add, update, remove or check.\n")


def test_models_remove_and_add_arguments_have_help(capsys):
    with pytest.raises(SystemExit):
        main(["models", "remove", "--help"])
    remove_help = " ".join(capsys.readouterr().out.split())
    assert "name the model to remove" in remove_help
    with pytest.raises(SystemExit):
        main(["models", "add", "--help"])
    add_help = " ".join(capsys.readouterr().out.split())
    assert ("{recommendations,personal-ranking,similar-items} what the model answers: "
            "recommendations for a user" in add_help)


def test_models_check_without_aws_credentials_still_checks_the_local_models(
        lab_campaigns, tmp_path, capsys, no_aws_credentials):
    path = tmp_path / "mixed.yaml"
    c = lab_campaigns.campaigns
    registry = ModelRegistry(path)
    registry.add(ModelSpec("Recs", c["recs"], "recommendations", 1))
    registry.add(ModelSpec("Sims", c["sims"], "similar-items", 1))
    registry.add(ModelSpec("Remote", "arn:aws:personalize:eu-west-1:123456789012:campaign/"
                           "my-campaign", "recommendations", 2))
    assert main(["models", "check", "--file", str(path), "--workspace",
                 str(lab_campaigns.workspace)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert [line.split(";")[0] for line in out[:-1]] == [
        "Recs: ok", "Remote: ACCESS_DENIED", "Sims: ok"]
    assert out[1].endswith("Could not ask about campaign 'my-campaign': Creating Personalize "
                           "clients for AWS failed: no AWS credentials were found. Set "
                           "AWS_PROFILE to a profile of yours, or AWS_ACCESS_KEY_ID and "
                           "AWS_SECRET_ACCESS_KEY in the environment, or run `aws configure`; "
                           "or use the embedded engine (backend 'local'), which needs no "
                           "account.")
    assert out[-1] == "2 of 3 models are ACTIVE and of the right type."


def test_models_check_with_a_missing_aws_profile_prints_a_line_not_a_traceback(
        tmp_path, capsys, no_aws_credentials, monkeypatch):
    monkeypatch.setenv("AWS_PROFILE", "nosuch")
    path = tmp_path / "X.yaml"
    ModelRegistry(path).add(ModelSpec(
        "Remote", "arn:aws:personalize:eu-west-1:123456789012:campaign/my-campaign",
        "recommendations", 1))
    assert main(["models", "check", "--file", str(path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Remote: ACCESS_DENIED; recipe ?; Could not ask about campaign "
                             "'my-campaign': Creating Personalize clients for AWS failed: the "
                             "AWS profile 'nosuch' (set by AWS_PROFILE) does not exist")
    assert "`aws configure --profile nosuch`, or unset AWS_PROFILE" in out[0]


@pytest.mark.parametrize("command", [
    ["add", "Zed", "arn:aws:personalize:local:000000000000:campaign/personalize-lab-sims-campaign",
     "similar-items"],
    ["update", "Most Popular", "--arn",
     "arn:aws:personalize:local:000000000000:campaign/personalize-lab-sims-campaign"],
])
def test_models_add_and_update_without_a_workspace_say_there_is_none(
        registry_file, tmp_path, capsys, monkeypatch, command):
    monkeypatch.delenv("VIDEORECS_WORKSPACE", raising=False)
    monkeypatch.chdir(tmp_path)  # a folder holding only models.yaml
    before = registry_file.read_bytes()
    assert main(["models", *command[:1], "--file", str(registry_file), *command[1:]]) == 2
    err = capsys.readouterr().err
    workspace = registry_file.resolve().parent / ".videorecs"
    assert ("The campaign 'personalize-lab-sims-campaign' of model "
            f"{command[1]!r} cannot exist: there is no embedded-engine workspace at "
            f"{str(workspace)!r}.") in err
    assert "does not exist in region" not in err
    assert registry_file.read_bytes() == before
    assert not workspace.exists()


def test_models_add_of_a_look_alike_name_is_refused_before_asking_the_service(
        registry_file, capsys, no_aws_credentials):
    before = registry_file.read_bytes()
    arn = "arn:aws:personalize:eu-west-1:123456789012:campaign/later"
    assert main(["models", "add", "--file", str(registry_file), "Most\u00a0Popular", arn,
                 "recommendations"]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"videorecs-widgets models: Cannot add model 'Most\\xa0Popular' to {registry_file}: model "
        "'Most Popular' exists already, and names that differ only in letter case, Unicode form "
        "or spacing would look the same; pick another name, or change that model with "
        "`videorecs-widgets models update 'Most Popular'` and the fields to change (--arn, "
        "--type, --sort-order, --description).\n")
    assert registry_file.read_bytes() == before


def test_models_add_of_an_arn_ending_in_a_space_says_to_remove_it(registry_file, capsys):
    arn = "arn:aws:personalize:local:000000000000:campaign/personalize-lab-sims-campaign"
    assert main(["models", "add", "--file", str(registry_file), "Zed", arn + " ",
                 "similar-items", "--no-check"]) == 2
    assert capsys.readouterr().err == (
        f"videorecs-widgets models: Invalid model 'Zed': arn {arn + ' '!r} ends with a space; "
        "remove it.\n")
