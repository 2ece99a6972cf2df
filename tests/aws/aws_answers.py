"""Service answers for the AWS-path tests, shaped as Personalize gives them (the Stubber
validates each against the service model when it is queued)."""

from __future__ import annotations

from typing import Any

from tests.aws.stubs import arn

METRIC_NAMES = ("coverage", "mean_reciprocal_rank_at_25",
                "normalized_discounted_cumulative_gain_at_10",
                "normalized_discounted_cumulative_gain_at_25",
                "normalized_discounted_cumulative_gain_at_5",
                "precision_at_10", "precision_at_25", "precision_at_5")


def recipe(name: str) -> str:
    return f"arn:aws:personalize:::recipe/{name}"


def campaign(region: str, name: str, status: str, version: str, **extra: Any) -> dict:
    return {"campaign": {"name": name, "campaignArn": arn(region, "campaign", name),
                         "solutionVersionArn": version, "minProvisionedTPS": 1,
                         "status": status, **extra}}


def solution_version(region: str, solution: str, version_id: str, recipe_name: str) -> dict:
    return {"solutionVersion": {
        "solutionVersionArn": arn(region, "solution", f"{solution}/{version_id}"),
        "solutionArn": arn(region, "solution", solution),
        "recipeArn": recipe(recipe_name),
        "trainingMode": "FULL",
        "status": "ACTIVE",
    }}


def metrics(version_arn: str, values: tuple[float, ...]) -> dict:
    return {"solutionVersionArn": version_arn, "metrics": dict(zip(METRIC_NAMES, values,
                                                                   strict=True))}


def recommender(region: str, name: str, recipe_name: str, status: str = "ACTIVE",
                **extra: Any) -> dict:
    return {"recommender": {
        "recommenderArn": arn(region, "recommender", name),
        "datasetGroupArn": arn(region, "dataset-group", "vod-lab"),
        "name": name,
        "recipeArn": recipe(recipe_name),
        "status": status,
        **extra,
    }}


def not_found(resource_arn: str) -> dict:
    return {"service_error_code": "ResourceNotFoundException",
            "service_message": f"Resource Arn {resource_arn} does not exist.",
            "http_status_code": 404}
