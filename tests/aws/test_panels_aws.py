"""The panels with AWS models: a VOD recommender and a campaign side by side, and an item-based
recommender in the Similar Items panel, asked with the ids each use case needs (real regional
boto3 clients, answered by Stubbers)."""

from __future__ import annotations

import pytest

from tests.aws import aws_answers as answer
from tests.aws.stubs import arn
from videorecs_widgets.model_spec import ModelSpec
from videorecs_widgets.registry import ModelRegistry
from videorecs_widgets.results import ResultsService
from videorecs_widgets.widgets.recommendations import RecommendationsPanel
from videorecs_widgets.widgets.similar import SimilarItemsPanel

EU, US = "eu-west-1", "us-west-2"
TOP_PICKS = arn(EU, "recommender", "vod-top-picks")
WATCHED = arn(EU, "recommender", "vod-because-you-watched")
CAMPAIGN = arn(US, "campaign", "lab-recs-campaign")


def _items(ids):
    return {"itemList": [{"itemId": i, "score": round(0.3 - k * 0.01, 4)}
                         for k, i in enumerate(ids)]}


@pytest.fixture()
def registry(tmp_path):
    reg = ModelRegistry(tmp_path / "models.yaml")
    reg.add(ModelSpec("Top Picks", TOP_PICKS, "recommendations", 1))
    reg.add(ModelSpec("Personal Recommendations", CAMPAIGN, "recommendations", 2))
    reg.add(ModelSpec("Because You Watched", WATCHED, "similar-items", 1))
    return reg


@pytest.fixture()
def service(catalog):
    svc = ResultsService(catalog, max_workers=1)
    yield svc
    svc.close()


def test_recommender_and_campaign_side_by_side(aws_clients, registry, service, catalog):
    eu, us = aws_clients(EU), aws_clients(US)
    eu.control.add_response("describe_recommender", answer.recommender(
        EU, "vod-top-picks", "aws-vod-top-picks"), {"recommenderArn": TOP_PICKS})
    eu.runtime_stub.add_response("get_recommendations", _items(["50", "181", "100", "258"]),
                                 {"recommenderArn": TOP_PICKS, "userId": "196",
                                  "numResults": 25})
    us.runtime_stub.add_response("get_recommendations", _items(["100", "50", "56", "98"]),
                                 {"campaignArn": CAMPAIGN, "userId": "196", "numResults": 25})
    panel = RecommendationsPanel(catalog, registry, results=service, user_id="196",
                                 genre_chart=False)
    assert panel.model_options == ["Top Picks", "Personal Recommendations"]

    panel.select_models("Top Picks", "Personal Recommendations")

    first, second = panel.results
    assert first.titles == ["Star Wars", "Return of the Jedi", "Fargo", "Contact"]
    assert second.titles == ["Fargo", "Star Wars", "Pulp Fiction", "Silence of the Lambs, The"]
    assert panel.overlap.shared == 2
    assert "Contact" in panel.html and panel.status == ""
    assert service.calls == 2


def test_similar_items_panel_asks_the_recommender_with_film_and_user(aws_clients, registry,
                                                                      service, catalog):
    eu = aws_clients(EU)
    eu.control.add_response("describe_recommender", answer.recommender(
        EU, "vod-because-you-watched", "aws-vod-because-you-watched-x"))
    panel = SimilarItemsPanel(catalog, registry, results=service, user_id="196")
    start = panel.starting_item  # the user's top-rated film
    eu.runtime_stub.add_response(
        "get_recommendations", _items([start, "50", "172", "181"]),
        {"recommenderArn": WATCHED, "itemId": start, "userId": "196", "numResults": 26})
    eu.runtime_stub.add_response(
        "get_recommendations", _items(["181", "172"]),
        {"recommenderArn": WATCHED, "itemId": "50", "userId": "196", "numResults": 26})

    panel.select_model("Because You Watched")
    similar, _ = panel.results
    assert similar.item_ids == ["50", "172", "181"]  # the starting film is left out

    panel.set_starting_item("50")
    similar, _ = panel.results
    assert similar.titles == ["Return of the Jedi", "Empire Strikes Back, The"]
    assert not panel.ordering_enabled  # no ranking campaign registered
    assert service.calls == 2
