"""Checking registered models against the service: real local campaigns on the lab data."""

from __future__ import annotations

import shutil
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError

from videorecs_widgets.clients import clients_for_arn, personalize_clients
from videorecs_widgets.errors import RegistryValidationError
from videorecs_widgets.local.backend import backend_for
from videorecs_widgets.local.store import resolve_workspace
from videorecs_widgets.model_spec import recipe_model_type
from videorecs_widgets.registry import DuplicateModelWarning, ModelRegistry, ModelSpec
from videorecs_widgets.registry_check import (
    ACCESS_DENIED,
    ACTIVE,
    ERROR,
    NOT_ACTIVE,
    NOT_FOUND,
    REGION_MISMATCH,
    ModelCheck,
    _from_client_error,
    check_model,
    refusal,
)

RECIPE = "arn:aws:personalize:::recipe/"


@pytest.fixture(scope="module")
def clients(lab_campaigns):
    return personalize_clients("local", workspace=lab_campaigns.workspace)


@pytest.fixture
def lab_registry(tmp_path, lab_campaigns) -> ModelRegistry:
    c = lab_campaigns.campaigns
    registry = ModelRegistry(tmp_path / "models.yaml")
    registry.add(ModelSpec("Recs", c["recs"], "recommendations", 1), save=False)
    registry.add(ModelSpec("Popular", c["popularity"], "recommendations", 2), save=False)
    registry.add(ModelSpec("Rank", c["rank"], "personal-ranking", 1), save=False)
    registry.add(ModelSpec("Sims", c["sims"], "similar-items", 1), save=False)
    registry.save()
    return registry


@pytest.mark.parametrize(
    ("recipe", "expected"),
    [
        (RECIPE + "aws-sims", "similar-items"),
        ("aws-similar-items", "similar-items"),
        (RECIPE + "aws-personalized-ranking-v2", "personal-ranking"),
        (RECIPE + "aws-user-personalization", "recommendations"),
        (RECIPE + "aws-popularity-count", "recommendations"),
        (RECIPE + "aws-vod-more-like-x", "similar-items"),
        (RECIPE + "aws-user-segmentation", None),
        ("", None),
        (None, None),
    ],
)
def test_recipe_model_type(recipe, expected):
    assert recipe_model_type(recipe) == expected


def test_check_lab_models_all_active_and_fitting(lab_registry, clients):
    checks = lab_registry.check(clients)
    assert [(c.name, c.status, c.recipe_name, c.fits, c.expected_type) for c in checks] == [
        ("Recs", ACTIVE, "aws-user-personalization", True, "recommendations"),
        ("Popular", ACTIVE, "aws-popularity-count", True, "recommendations"),
        ("Rank", ACTIVE, "aws-personalized-ranking", True, "personal-ranking"),
        ("Sims", ACTIVE, "aws-sims", True, "similar-items"),
    ]
    assert all(c.ok and c.service_status == "ACTIVE" for c in checks)
    assert checks[3].message == ("The campaign 'lab-sims-campaign' is ACTIVE. Its recipe aws-sims "
                                 "fits the type 'similar-items'.")


def test_check_sims_declared_as_ranking_is_a_mismatch_with_the_right_type(
    lab_campaigns, clients
):
    spec = ModelSpec("Sims as ranking", lab_campaigns.campaigns["sims"], "personal-ranking", 1)
    check = check_model(spec, clients)
    assert (check.status, check.fits, check.ok) == (ACTIVE, False, False)
    assert (check.declared_type, check.expected_type) == ("personal-ranking", "similar-items")
    assert check.recipe == RECIPE + "aws-sims"
    assert check.message == (
        "The campaign 'lab-sims-campaign' is ACTIVE. Model 'Sims as ranking' is declared as "
        "'personal-ranking', but its recipe aws-sims answers 'similar-items' queries: change its "
        "type to 'similar-items', or point it to a personal-ranking campaign."
    )


def test_add_with_check_refuses_type_mismatch_and_leaves_file(lab_registry, lab_campaigns,
                                                              clients):
    before = lab_registry.path.read_bytes()
    wrong = ModelSpec("Sims as ranking", lab_campaigns.campaigns["sims"], "personal-ranking", 5)
    with pytest.raises(RegistryValidationError) as info:
        lab_registry.add(wrong, check_with=clients)
    assert str(info.value) == (
        f"Cannot add model 'Sims as ranking' to {lab_registry.path}: The campaign "
        "'lab-sims-campaign' is ACTIVE. Model 'Sims as ranking' is declared as "
        "'personal-ranking', but its recipe aws-sims answers 'similar-items' queries: change its "
        "type to 'similar-items', or point it to a personal-ranking campaign."
    )
    assert lab_registry.path.read_bytes() == before
    assert "Sims as ranking" not in lab_registry
    # The same campaign with the type its recipe answers is accepted (a second SIMS entry).
    with pytest.warns(DuplicateModelWarning, match="models 'Sims' and 'More sims' have the same"):
        lab_registry.add(ModelSpec("More sims", wrong.arn, "similar-items", 5),
                         check_with=clients)
    assert "  - name: More sims\n" in lab_registry.path.read_text()


def test_update_with_check_refuses_wrong_type(lab_registry, clients):
    with pytest.raises(RegistryValidationError, match="declared as 'recommendations', but its "
                       "recipe aws-personalized-ranking answers 'personal-ranking' queries"):
        lab_registry.update("Rank", type="recommendations", check_with=clients)
    assert lab_registry.get("Rank").type == "personal-ranking"


def test_add_with_check_true_picks_clients_by_arn(lab_registry, lab_campaigns, monkeypatch):
    monkeypatch.setenv("VIDEORECS_WORKSPACE", str(lab_campaigns.workspace))
    spec = ModelSpec("Recs 2", lab_campaigns.campaigns["recs"], "similar-items", 3)
    with pytest.raises(RegistryValidationError, match="answers 'recommendations' queries"):
        lab_registry.add(spec, check_with=True)
    checks = lab_registry.check()  # clients chosen by each ARN
    assert [c.status for c in checks] == [ACTIVE] * 4


def test_check_accepts_a_clients_function(lab_registry, lab_campaigns):
    checks = lab_registry.check(lambda arn: clients_for_arn(arn, workspace=lab_campaigns.workspace))
    assert all(c.ok for c in checks)


def test_check_unknown_campaign_is_not_found(clients):
    spec = ModelSpec("Gone", "arn:aws:personalize:local:000000000000:campaign/no-such-campaign",
                     "recommendations", 1)
    check = check_model(spec, clients)
    assert (check.status, check.fits, check.recipe) == (NOT_FOUND, False, None)
    assert check.message == (
        "The campaign 'no-such-campaign' of model 'Gone' does not exist in region 'local' "
        "(Resource Arn arn:aws:personalize:local:000000000000:campaign/no-such-campaign does not "
        "exist). Create it first, or fix the ARN in the registry."
    )
    assert refusal(check) == check.message


def test_check_failed_campaign_is_not_active_with_reason(lab_campaigns, tmp_path):
    # A copy of the lab's engine folder where the SIMS model file is damaged: a campaign
    # deployed from it fails, as it would after a disk fault.
    workspace = tmp_path / "engine"
    shutil.copytree(lab_campaigns.workspace, workspace)
    personalize = personalize_clients("local", workspace=workspace).personalize
    sims = personalize.describe_campaign(campaignArn=lab_campaigns.campaigns["sims"])
    version_arn = sims["campaign"]["solutionVersionArn"]
    engine = backend_for(resolve_workspace(workspace))
    engine.store.model_path(version_arn).write_bytes(b"not a model")
    arn = personalize.create_campaign(name="damaged-sims",
                                      solutionVersionArn=version_arn)["campaignArn"]
    engine.wait_for_background_work(timeout=60)
    check = check_model(ModelSpec("Damaged", arn, "similar-items", 1),
                        personalize_clients("local", workspace=workspace))
    assert (check.status, check.service_status) == (NOT_ACTIVE, "CREATE FAILED")
    assert check.failure_reason
    assert check.recipe_name == "aws-sims" and check.fits and not check.ok
    assert check.message.startswith(
        f"The campaign 'damaged-sims' is CREATE FAILED ({check.failure_reason}), not ACTIVE yet."
    )
    assert refusal(check) == check.message


def test_check_region_mismatch_without_asking(lab_campaigns, clients):
    aws_us_east = boto3.client("personalize", region_name="us-east-1",
                               aws_access_key_id="x", aws_secret_access_key="y")
    local = ModelSpec("Recs", lab_campaigns.campaigns["recs"], "recommendations", 1)
    remote = ModelSpec("Remote", "arn:aws:personalize:eu-west-1:123456789012:campaign/recs",
                       "recommendations", 1)
    checks = [check_model(local, aws_us_east), check_model(remote, aws_us_east),
              check_model(remote, clients)]
    assert [c.status for c in checks] == [REGION_MISMATCH] * 3
    assert checks[0].message == (
        "Model 'Recs' is served by the embedded engine (region 'local'), but the client given is "
        "for AWS region 'us-east-1'; use the embedded engine's clients (or let the registry "
        "choose them by the ARN)."
    )
    assert checks[1].message.startswith("Model 'Remote' is in region 'eu-west-1', but the client "
                                        "given is for 'us-east-1'")
    assert checks[2].message.startswith("Model 'Remote' is in AWS region 'eu-west-1', but the "
                                        "client given is the embedded engine's")


def test_check_without_credentials_is_access_denied(no_aws_credentials):
    personalize = boto3.session.Session().client("personalize", region_name="eu-west-1")
    spec = ModelSpec("Remote", "arn:aws:personalize:eu-west-1:123456789012:campaign/recs",
                     "recommendations", 1)
    check = check_model(spec, personalize)
    assert check.status == ACCESS_DENIED
    assert check.message == "Could not ask about campaign 'recs': Unable to locate credentials."


@pytest.mark.parametrize(
    ("code", "http_status", "status"),
    [
        ("ResourceNotFoundException", 400, NOT_FOUND),
        ("AccessDeniedException", 400, ACCESS_DENIED),  # by code, whatever the HTTP status
        ("UnrecognizedClientException", 403, ACCESS_DENIED),
        ("ExpiredTokenException", 400, ACCESS_DENIED),
        ("InvalidInputException", 404, ERROR),  # a 404 that is not "not found"
        ("ThrottlingException", 400, ERROR),
    ],
)
def test_client_errors_mapped_by_code_not_http_status(code, http_status, status):
    spec = ModelSpec("M", "arn:aws:personalize:us-east-1:123456789012:campaign/m",
                     "recommendations", 1)
    error = ClientError({"Error": {"Code": code, "Message": "service words"},
                         "ResponseMetadata": {"HTTPStatusCode": http_status}},
                        "DescribeCampaign")
    check = _from_client_error(spec, "campaign 'm'", error)
    assert check.status == status
    assert "service words" in check.message


def test_refusal_lets_a_fitting_campaign_in_progress_through():
    spec = dict(name="M", arn="arn:aws:personalize:local:000000000000:campaign/m",
                declared_type="similar-items", recipe=RECIPE + "aws-sims",
                expected_type="similar-items", message="m")
    in_progress = ModelCheck(status=NOT_ACTIVE, fits=True, service_status="CREATE IN_PROGRESS",
                             **spec)
    failed = ModelCheck(status=NOT_ACTIVE, fits=True, service_status="CREATE FAILED", **spec)
    assert refusal(in_progress) is None
    assert refusal(failed) == "m"


def test_repository_models_yaml_checks_against_a_lab_workspace(lab_campaigns, tmp_path):
    # The lab notebooks create campaigns with exactly the names models.yaml uses; here the
    # fixture's campaigns have other names, so each model is reported as not found, by name.
    registry = ModelRegistry(Path(__file__).resolve().parent.parent / "models.yaml")
    checks = registry.check(personalize_clients("local", workspace=lab_campaigns.workspace))
    assert [(c.name, c.status) for c in checks] == [
        ("Personal Recommendations", NOT_FOUND),
        ("Most Popular", NOT_FOUND),
        ("Recommendations + demographics", NOT_FOUND),
        ("Recommendations + item metadata", NOT_FOUND),
        ("Personal Ranking", NOT_FOUND),
        ("Similar Items", NOT_FOUND),
    ]


def test_check_recommender_arn_asks_describe_recommender(clients):
    # The embedded engine has no recommenders: the answer's error code becomes an ERROR status.
    spec = ModelSpec("Top picks", "arn:aws:personalize:local:000000000000:recommender/top-picks",
                     "recommendations", 1)
    check = check_model(spec, clients)
    assert check.status == ERROR
    assert check.message == (
        "Asking about the recommender 'top-picks' of model 'Top picks' failed "
        "(InvalidInputException: The operation DescribeRecommender is not handled by the "
        "embedded engine)."
    )


def test_registry_workspace_is_beside_the_file_unless_the_environment_names_one(tmp_path,
                                                                               monkeypatch):
    monkeypatch.delenv("VIDEORECS_WORKSPACE", raising=False)
    (tmp_path / "lab").mkdir()
    registry = ModelRegistry(tmp_path / "lab" / "models.yaml")
    assert registry.workspace == (tmp_path / "lab" / ".videorecs").resolve()
    monkeypatch.setenv("VIDEORECS_WORKSPACE", str(tmp_path / "elsewhere"))
    assert registry.workspace == (tmp_path / "elsewhere").resolve()


def test_panels_without_a_workspace_use_the_registrys(lab_campaigns, tmp_path, monkeypatch):
    import shutil

    from videorecs_widgets.widgets import RecommendationsPanel

    monkeypatch.delenv("VIDEORECS_WORKSPACE", raising=False)
    monkeypatch.chdir(tmp_path)  # nothing here: the panel must not look in the current folder
    folder = tmp_path / "project"
    shutil.copytree(lab_campaigns.workspace, folder / ".videorecs")
    registry = ModelRegistry(folder / "models.yaml")
    registry.add(ModelSpec("Recs", lab_campaigns.campaigns["recs"], "recommendations", 1))
    panel = RecommendationsPanel(lab_campaigns.catalog, registry, user_id="196")
    panel.select_models("Recs")
    first, _ = panel.results
    assert first.ok and len(first.item_ids) == 25
    assert not (tmp_path / ".videorecs").exists()


def test_add_with_check_true_asks_the_registrys_workspace(lab_campaigns, tmp_path, monkeypatch):
    monkeypatch.delenv("VIDEORECS_WORKSPACE", raising=False)
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")  # the current folder must not matter
    folder = tmp_path / "project"
    shutil.copytree(lab_campaigns.workspace, folder / ".videorecs")
    registry = ModelRegistry(folder / "models.yaml")
    registry.add(ModelSpec("Recs", lab_campaigns.campaigns["recs"], "recommendations", 1),
                 check_with=True)
    assert registry.names == ["Recs"]
    assert list((tmp_path / "elsewhere").iterdir()) == []


def test_add_with_check_true_without_workspace_reports_it_and_creates_nothing(
        lab_campaigns, tmp_path, monkeypatch):
    monkeypatch.delenv("VIDEORECS_WORKSPACE", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "project").mkdir()
    registry = ModelRegistry(tmp_path / "project" / "models.yaml")
    with pytest.raises(RegistryValidationError) as info:
        registry.add(ModelSpec("Recs", lab_campaigns.campaigns["recs"], "recommendations", 1),
                     check_with=True)
    workspace = tmp_path / "project" / ".videorecs"
    assert str(info.value) == (
        f"Cannot add model 'Recs' to {registry.path}: The campaign 'lab-recs-campaign' of model "
        f"'Recs' cannot exist: there is no embedded-engine workspace at {str(workspace)!r}. "
        "Build the models first (the lab notebooks, or videorecs_widgets.lab.build_lab_models), "
        "or point to the workspace that holds them."
    )
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["project"]


def test_check_model_with_workspace_reports_a_missing_one(lab_campaigns, tmp_path):
    spec = ModelSpec("Recs", lab_campaigns.campaigns["recs"], "recommendations", 1)
    check = check_model(spec, workspace=tmp_path / "none")
    assert check.status == NOT_FOUND
    assert "there is no embedded-engine workspace at" in check.message
    assert not (tmp_path / "none").exists()


def test_check_model_through_a_clients_function_creates_no_workspace(lab_campaigns, tmp_path):
    # As the registry editor asks: clients made for a workspace that is not there yet must not
    # leave an empty folder (and its .lock) behind for a question that only reads.
    spec = ModelSpec("Recs", lab_campaigns.campaigns["recs"], "recommendations", 1)
    check = check_model(spec, lambda arn: clients_for_arn(arn, workspace=tmp_path / "none"))
    assert check.status == NOT_FOUND
    assert not (tmp_path / "none").exists()


REMOTE_ARN = "arn:aws:personalize:eu-west-1:123456789012:campaign/my-campaign"


def test_check_without_credentials_reports_the_aws_model_and_checks_the_others(
        lab_registry, lab_campaigns, monkeypatch, no_aws_credentials):
    monkeypatch.setenv("VIDEORECS_WORKSPACE", str(lab_campaigns.workspace))
    lab_registry.add(ModelSpec("Remote", REMOTE_ARN, "recommendations", 9))
    lab_registry.add(ModelSpec("Remote 2", REMOTE_ARN.replace("my-", "other-"),
                               "recommendations", 10))
    checks = {c.name: c for c in lab_registry.check()}
    assert [checks[n].ok for n in ("Recs", "Popular", "Rank", "Sims")] == [True] * 4
    for name in ("Remote", "Remote 2"):
        assert checks[name].status == ACCESS_DENIED
        assert "no AWS credentials were found" in checks[name].message


def test_check_with_a_missing_aws_profile_is_access_denied_per_model(
        lab_registry, lab_campaigns, monkeypatch, no_aws_credentials):
    monkeypatch.setenv("VIDEORECS_WORKSPACE", str(lab_campaigns.workspace))
    monkeypatch.setenv("AWS_PROFILE", "nosuch")
    lab_registry.add(ModelSpec("Remote", REMOTE_ARN, "recommendations", 9))
    checks = {c.name: c for c in lab_registry.check()}
    assert checks["Recs"].ok
    assert checks["Remote"].status == ACCESS_DENIED
    assert checks["Remote"].message.startswith(
        "Could not ask about campaign 'my-campaign': Creating Personalize clients for AWS "
        "failed: the AWS profile 'nosuch' (set by AWS_PROFILE) does not exist")
    # check_model alone says the same
    assert check_model(lab_registry.get("Remote")).message == checks["Remote"].message
