"""ModelSummary against the AWS backend: campaigns and a recommender in two regions, one campaign
still being created and one that failed, described through the regional clients the ARNs pick
(real boto3 clients, answered by Stubbers)."""

from __future__ import annotations

import math

import pytest

from tests.aws import aws_answers as answer
from tests.aws.stubs import arn
from videorecs_widgets.model_spec import ModelSpec
from videorecs_widgets.registry import ModelRegistry
from videorecs_widgets.results import ResultsService
from videorecs_widgets.widgets.summary import ModelSummary

EU, US = "eu-west-1", "us-west-2"
REASON = "Insufficient data: the dataset group has 800 interactions, at least 1000 are needed."


@pytest.fixture()
def registry(tmp_path):
    reg = ModelRegistry(tmp_path / "models.yaml")
    for spec in (
        ModelSpec("Top Picks", arn(EU, "recommender", "vod-top-picks"), "recommendations", 1),
        ModelSpec("Personal Recommendations", arn(EU, "campaign", "lab-recs-campaign"),
                  "recommendations", 2),
        ModelSpec("Training", arn(US, "campaign", "lab-rank-campaign"), "personal-ranking", 1),
        ModelSpec("Broken SIMS", arn(EU, "campaign", "lab-sims-campaign"), "similar-items", 1),
    ):
        reg.add(spec)
    return reg


def _queue_descriptions(eu, us) -> None:
    """The control-plane calls of one summary, per region in the order they are made."""
    eu.control.add_response(
        "describe_recommender",
        answer.recommender(EU, "vod-top-picks", "aws-vod-top-picks", modelMetrics={
            "precision_at_5": 0.23456, "precision_at_10": 0.19871, "precision_at_25": 0.14002,
            "normalized_discounted_cumulative_gain_at_10": 0.25113,
            "mean_reciprocal_rank_at_25": 0.40127, "coverage": 0.31}),
        {"recommenderArn": arn(EU, "recommender", "vod-top-picks")})
    recs = answer.solution_version(EU, "lab-recs", "0a1b2c3d", "aws-user-personalization")
    recs_arn = recs["solutionVersion"]["solutionVersionArn"]
    eu.control.add_response("describe_campaign",
                            answer.campaign(EU, "lab-recs-campaign", "ACTIVE", recs_arn))
    eu.control.add_response("describe_solution_version", recs, {"solutionVersionArn": recs_arn})
    eu.control.add_response("get_solution_metrics", answer.metrics(
        recs_arn, (0.1657, 0.2401, 0.0848, 0.0624, 0.1002, 0.2112, 0.2714, 0.20634)))

    rank = answer.solution_version(US, "lab-rank", "19c0e8f3", "aws-personalized-ranking")
    rank_arn = rank["solutionVersion"]["solutionVersionArn"]
    us.control.add_response("describe_campaign",
                            answer.campaign(US, "lab-rank-campaign", "CREATE IN_PROGRESS",
                                            rank_arn))
    us.control.add_response("describe_solution_version", rank)
    us.control.add_response("get_solution_metrics", answer.metrics(
        rank_arn, (0.1021, 0.1519, 0.0507, 0.0372, 0.061, 0.1342, 0.1833, 0.0387)))

    sims = answer.solution_version(EU, "lab-sims", "7be31d42", "aws-sims")
    sims_arn = sims["solutionVersion"]["solutionVersionArn"]
    eu.control.add_response("describe_campaign",
                            answer.campaign(EU, "lab-sims-campaign", "CREATE FAILED", sims_arn,
                                            failureReason=REASON))
    eu.control.add_response("describe_solution_version", sims)
    eu.control.add_response("get_solution_metrics", answer.metrics(
        sims_arn, (0.0561, 0.0781, 0.0298, 0.0211, 0.0334, 0.0703, 0.0921, 0.1422)))


def test_summary_describes_aws_models_in_their_regions(aws_clients, registry, catalog):
    eu, us = aws_clients(EU), aws_clients(US)
    _queue_descriptions(eu, us)
    service = ResultsService(catalog, max_workers=1)  # one worker: calls in queue order
    summary = ModelSummary(catalog, registry, results=service)

    table = summary.table
    assert table["name"].tolist() == ["Top Picks", "Personal Recommendations", "Training",
                                      "Broken SIMS"]
    assert table["recipe"].tolist() == ["aws-vod-top-picks", "aws-user-personalization",
                                        "aws-personalized-ranking", "aws-sims"]
    assert table["status"].tolist() == ["ACTIVE", "ACTIVE", "CREATE IN_PROGRESS",
                                        "CREATE FAILED"]
    # rounded, not truncated: 0.23456 -> 0.2346, 0.20634 -> 0.2063
    assert table["precision@5"].tolist() == [0.2346, 0.2063, 0.0387, 0.1422]
    assert table["NDCG@10"].tolist()[0] == 0.2511
    assert math.isclose(table["coverage"].iloc[2], 0.1021)
    assert "<td style='padding:2px 8px;white-space:nowrap;'>CREATE IN_PROGRESS</td>" in summary.html

    failed = summary.models[3]
    assert failed.failure_reason == REASON
    expected = (f"Model 'Broken SIMS': campaign {arn(EU, 'campaign', 'lab-sims-campaign')!r} "
                f"is CREATE FAILED ({REASON}), not ACTIVE, so it cannot answer; create it "
                "again once the cause is fixed, or point the model to another ARN.")
    assert failed.error == expected
    assert summary.status == expected  # the panel's status line says why
    assert summary.models[2].error is None  # still being created is not an error
    assert (service.calls, service.control_calls) == (0, 10)
    service.close()


def test_summary_shows_a_missing_recommender_as_not_found(aws_clients, tmp_path, catalog):
    eu = aws_clients(EU)
    gone = arn(EU, "recommender", "vod-gone")
    registry = ModelRegistry(tmp_path / "models.yaml")
    registry.add(ModelSpec("Gone", gone, "recommendations", 1))
    eu.control.add_client_error("describe_recommender", **answer.not_found(gone))
    service = ResultsService(catalog, max_workers=1)
    summary = ModelSummary(catalog, registry, results=service)
    assert summary.table["recipe"].tolist() == [None]
    assert summary.status == (f"Model 'Gone': recommender {gone!r} was not found (Resource Arn "
                              f"{gone} does not exist.). Check the ARN in the registry.")
    service.close()
