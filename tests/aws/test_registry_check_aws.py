"""The registry check against the AWS backend: campaigns and domain recommenders described through
the regional clients their ARNs pick (real boto3 clients, answered by Stubbers)."""

from __future__ import annotations

import pytest

from tests.aws import aws_answers as answer
from tests.aws.stubs import arn
from videorecs_widgets.errors import RegistryValidationError
from videorecs_widgets.model_spec import ModelSpec
from videorecs_widgets.registry import ModelRegistry
from videorecs_widgets.registry_check import (
    ACCESS_DENIED,
    ACTIVE,
    NOT_ACTIVE,
    NOT_FOUND,
    REGION_MISMATCH,
    check_model,
    check_models,
    refusal,
)

EU, US = "eu-west-1", "us-west-2"


def _campaign_with_recipe(stub, region, name, status, recipe, **extra):
    version = answer.solution_version(region, name, "5e6f7a8b", recipe)
    version_arn = version["solutionVersion"]["solutionVersionArn"]
    stub.add_response("describe_campaign",
                      answer.campaign(region, f"{name}-campaign", status, version_arn, **extra),
                      {"campaignArn": arn(region, "campaign", f"{name}-campaign")})
    stub.add_response("describe_solution_version", version, {"solutionVersionArn": version_arn})


def test_check_reads_status_recipe_and_fit_of_aws_models(aws_clients):
    eu, us = aws_clients(EU), aws_clients(US)
    specs = [
        ModelSpec("Recs", arn(EU, "campaign", "lab-recs-campaign"), "recommendations", 1),
        ModelSpec("Rank", arn(US, "campaign", "lab-rank-campaign"), "personal-ranking", 1),
        ModelSpec("SIMS", arn(EU, "campaign", "lab-sims-campaign"), "similar-items", 1),
        ModelSpec("Top Picks", arn(EU, "recommender", "top-picks"), "recommendations", 2),
        ModelSpec("Watched", arn(US, "recommender", "watched"), "recommendations", 3),
        ModelSpec("More Like", arn(US, "recommender", "more-like"), "similar-items", 2),
    ]
    _campaign_with_recipe(eu.control, EU, "lab-recs", "ACTIVE", "aws-user-personalization")
    _campaign_with_recipe(us.control, US, "lab-rank", "CREATE IN_PROGRESS",
                          "aws-personalized-ranking")
    _campaign_with_recipe(eu.control, EU, "lab-sims", "CREATE FAILED", "aws-sims",
                          failureReason="The solution version is not ACTIVE.")
    eu.control.add_response("describe_recommender",
                            answer.recommender(EU, "top-picks", "aws-vod-top-picks"))
    us.control.add_response("describe_recommender",
                            answer.recommender(US, "watched", "aws-vod-because-you-watched-x"))
    us.control.add_response("describe_recommender",
                            answer.recommender(US, "more-like", "aws-vod-more-like-x",
                                               status="CREATE PENDING"))

    recs, rank, sims, top, watched, more = check_models(specs)

    assert (recs.status, recs.fits, recs.ok) == (ACTIVE, True, True)
    assert recs.recipe_name == "aws-user-personalization"
    assert (rank.status, rank.service_status, rank.fits) == (NOT_ACTIVE, "CREATE IN_PROGRESS",
                                                             True)
    assert refusal(rank) is None  # still being created, of the right type: may be added
    assert (sims.status, sims.service_status) == (NOT_ACTIVE, "CREATE FAILED")
    assert sims.failure_reason == "The solution version is not ACTIVE."
    assert "is CREATE FAILED (The solution version is not ACTIVE.), not ACTIVE yet" in sims.message
    assert refusal(sims) == sims.message
    assert (top.status, top.fits, top.recipe) == (
        ACTIVE, True, "arn:aws:personalize:::recipe/aws-vod-top-picks")
    assert (watched.fits, watched.expected_type) == (False, "similar-items")
    assert watched.message.endswith(
        "Model 'Watched' is declared as 'recommendations', but its recipe "
        "aws-vod-because-you-watched-x answers 'similar-items' queries: change its type to "
        "'similar-items', or point it to a recommendations recommender.")
    assert (more.status, more.service_status, more.fits) == (NOT_ACTIVE, "CREATE PENDING", True)


def test_missing_and_forbidden_models_are_told_apart_by_error_code(aws_clients):
    eu = aws_clients(EU)
    gone = ModelSpec("Gone", arn(EU, "campaign", "gone"), "recommendations", 1)
    secret = ModelSpec("Secret", arn(EU, "recommender", "secret"), "recommendations", 1)
    eu.control.add_client_error("describe_campaign", **answer.not_found(gone.arn))
    # the same HTTP status as "not found" would not matter: the code decides
    eu.control.add_client_error(
        "describe_recommender", "AccessDeniedException",
        "User: arn:aws:iam::123456789012:user/lab is not authorized to perform: "
        "personalize:DescribeRecommender", http_status_code=404)
    missing, denied = check_models([gone, secret])
    assert missing.status == NOT_FOUND
    assert missing.message == (
        f"The campaign 'gone' of model 'Gone' does not exist in region 'eu-west-1' (Resource "
        f"Arn {gone.arn} does not exist). Create it first, or fix the ARN in the registry.")
    assert denied.status == ACCESS_DENIED
    assert "personalize:DescribeRecommender" in denied.message


def test_a_client_of_another_region_is_not_asked(aws_clients):
    us = aws_clients(US)  # nothing queued: a call would fail the test
    spec = ModelSpec("Recs", arn(EU, "campaign", "lab-recs-campaign"), "recommendations", 1)
    result = check_model(spec, us.personalize)
    assert result.status == REGION_MISMATCH
    assert "is in region 'eu-west-1', but the client given is for 'us-west-2'" in result.message


def test_add_refuses_a_recommender_declared_with_the_wrong_type(aws_clients, tmp_path):
    us = aws_clients(US)
    registry = ModelRegistry(tmp_path / "models.yaml")
    us.control.add_response("describe_recommender",
                            answer.recommender(US, "watched", "aws-vod-because-you-watched-x"))
    with pytest.raises(RegistryValidationError, match="change its type to 'similar-items'"):
        registry.add(ModelSpec("Watched", arn(US, "recommender", "watched"), "recommendations",
                               1), check_with=True)
    assert len(registry.models) == 0
