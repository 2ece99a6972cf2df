"""The results layer against AWS: campaigns and domain recommenders through real regional boto3
clients, answered by botocore's Stubber (every response validated against the service model)."""

from __future__ import annotations

import logging

import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from tests.aws.stubs import arn
from videorecs_widgets.clients import personalize_clients
from videorecs_widgets.model_spec import ModelSpec
from videorecs_widgets.results import ResultsService, failure_message

REGION = "eu-west-1"
TOP_PICKS = ["50", "181", "100", "258", "174"]


def _items(ids):
    return {"itemList": [{"itemId": i, "score": round(0.5 - k * 0.05, 4)}
                         for k, i in enumerate(ids)],
            "recommendationId": "RID-test"}


def _recommender(name: str, recipe: str, status: str = "ACTIVE", **extra):
    return {"recommender": {
        "recommenderArn": arn(REGION, "recommender", name),
        "datasetGroupArn": arn(REGION, "dataset-group", "vod"),
        "name": name,
        "recipeArn": f"arn:aws:personalize:::recipe/{recipe}",
        "status": status,
        **extra,
    }}


def _campaign(name: str, status: str, **extra):
    return {"campaign": {
        "name": name,
        "campaignArn": arn(REGION, "campaign", name),
        "solutionVersionArn": arn(REGION, "solution", "lab-recs/0a1b2c3d"),
        "minProvisionedTPS": 1,
        "status": status,
        **extra,
    }}


@pytest.fixture()
def service(catalog):
    # One worker: the stubbed answers are queued in the order the calls are made.
    svc = ResultsService(catalog, max_workers=1)
    yield svc
    svc.close()


def spec(name: str, kind: str, model_type: str) -> ModelSpec:
    return ModelSpec(name, arn(REGION, kind, name), model_type, 1)


# ---- domain recommenders -------------------------------------------------------------------

def test_top_picks_recommender_is_asked_for_the_user_by_recommender_arn(service, aws_clients,
                                                                         catalog):
    aws = aws_clients(REGION)
    model = spec("vod-top-picks", "recommender", "recommendations")
    aws.control.add_response("describe_recommender", _recommender("vod-top-picks",
                                                                  "aws-vod-top-picks"),
                             {"recommenderArn": model.arn})
    aws.runtime_stub.add_response(
        "get_recommendations", _items(TOP_PICKS),
        {"recommenderArn": model.arn, "userId": "196", "numResults": 5})
    aws.runtime_stub.add_response(
        "get_recommendations", _items(TOP_PICKS[::-1]),
        {"recommenderArn": model.arn, "userId": "197", "numResults": 5})

    first = service.recommend(model, 196, n=5)
    second = service.recommend(model, "197", n=5)  # the use case is known now: no describe

    assert first.ok and second.ok
    assert first.titles == ["Star Wars", "Return of the Jedi", "Fargo", "Contact",
                            "Raiders of the Lost Ark"]
    assert first.recommendation_id == "RID-test"
    assert second.item_ids == TOP_PICKS[::-1]
    assert (service.calls, service.control_calls) == (2, 1)


@pytest.mark.parametrize("recipe", ["aws-vod-most-popular", "aws-vod-trending-now"])
def test_popular_and_trending_recommenders_get_the_user_and_no_item(service, aws_clients,
                                                                     recipe):
    aws = aws_clients(REGION)
    model = spec("vod-popular", "recommender", "recommendations")
    aws.control.add_response("describe_recommender", _recommender("vod-popular", recipe))
    aws.runtime_stub.add_response(
        "get_recommendations", _items(["50", "100"]),
        {"recommenderArn": model.arn, "userId": "196", "numResults": 25})
    result = service.recommend(model, "196")
    assert result.item_ids == ["50", "100"]


@pytest.mark.parametrize("recipe", ["aws-vod-because-you-watched-x", "aws-vod-more-like-x"])
def test_item_recommenders_get_the_film_and_the_user_and_drop_the_starting_film(
        service, aws_clients, recipe):
    aws = aws_clients(REGION)
    model = spec("vod-similar", "recommender", "similar-items")
    aws.control.add_response("describe_recommender", _recommender("vod-similar", recipe))
    aws.runtime_stub.add_response(
        "get_recommendations", _items(["50", "181", "172", "174"]),
        {"recommenderArn": model.arn, "itemId": "50", "userId": "196", "numResults": 4})
    result = service.similar(model, "50", n=3, user_id="196")
    assert result.ok
    assert result.titles == ["Return of the Jedi", "Empire Strikes Back, The",
                             "Raiders of the Lost Ark"]
    assert result.frame["rated"].isna().all()  # user 196 rated none of them


def test_item_recommender_without_a_user_is_refused_before_the_runtime_call(service,
                                                                             aws_clients):
    aws = aws_clients(REGION)
    model = spec("vod-more-like", "recommender", "similar-items")
    aws.control.add_response("describe_recommender", _recommender("vod-more-like",
                                                                  "aws-vod-more-like-x"))
    result = service.similar(model, "50")
    assert result.error == (
        f"Model 'vod-more-like' was not asked: The recommender {model.arn!r} serves the use "
        "case 'More like X' (aws-vod-more-like-x), which needs a user to answer; use it in "
        "the Similar Items panel, with a user selected."
    )
    assert service.calls == 0


def test_recommender_declared_with_the_wrong_type_is_refused_with_what_it_needs(service,
                                                                                 aws_clients):
    aws = aws_clients(REGION)
    model = spec("vod-because", "recommender", "recommendations")
    aws.control.add_response("describe_recommender", _recommender(
        "vod-because", "aws-vod-because-you-watched-x"))
    result = service.recommend(model, "196")
    assert "which needs a film to answer; use it in the Similar Items panel" in result.error
    assert service.calls == 0


def test_ranking_with_a_recommender_is_refused(service, aws_clients):
    aws_clients(REGION)  # nothing may be called
    model = spec("vod-rank", "recommender", "personal-ranking")
    result = service.rank(model, "196", ["50", "100"])
    assert "Personalize re-ranks lists only with campaigns" in result.error
    assert (service.calls, service.control_calls) == (0, 0)


def test_unknown_use_case_sends_every_id_given(service, aws_clients, caplog):
    # A user allowed runtime calls only: describe_recommender is denied, the call still works.
    aws = aws_clients(REGION)
    model = spec("vod-denied", "recommender", "similar-items")
    aws.control.add_client_error("describe_recommender", "AccessDeniedException",
                                 "User is not authorized to perform: DescribeRecommender",
                                 http_status_code=400)
    aws.runtime_stub.add_response(
        "get_recommendations", _items(["181"]),
        {"recommenderArn": model.arn, "itemId": "50", "userId": "196", "numResults": 26})
    with caplog.at_level(logging.INFO, logger="videorecs_widgets"):
        result = service.similar(model, "50", user_id="196")
    assert result.item_ids == ["181"]
    assert "the recommender's use case is unknown" in caplog.text


# ---- errors map to panel messages by error code ---------------------------------------------

def test_campaign_not_found(service, aws_clients):
    aws = aws_clients(REGION)
    model = spec("gone", "campaign", "recommendations")
    message = f"Resource Arn {model.arn} does not exist."
    aws.runtime_stub.add_client_error("get_recommendations", "ResourceNotFoundException",
                                      message, http_status_code=404)
    aws.control.add_client_error("describe_campaign", "ResourceNotFoundException", message,
                                 http_status_code=404)
    result = service.recommend(model, "196")
    assert result.error == (f"Model 'gone': campaign {model.arn!r} was not found ({message}). "
                            "Check the ARN in the registry.")


def test_recommender_not_found_names_the_recommender(service, aws_clients):
    aws = aws_clients(REGION)
    model = spec("gone-rec", "recommender", "recommendations")
    message = f"Resource Arn {model.arn} does not exist."
    for _ in range(2):  # once for the use case, once after the runtime's answer
        aws.control.add_client_error("describe_recommender", "ResourceNotFoundException",
                                     message, http_status_code=404)
    aws.runtime_stub.add_client_error("get_recommendations", "ResourceNotFoundException",
                                      message, http_status_code=404)
    result = service.recommend(model, "196")
    assert result.error.startswith(f"Model 'gone-rec': recommender {model.arn!r} was not found")


@pytest.mark.parametrize(("status", "reason", "ending"), [
    ("CREATE IN_PROGRESS", None,
     "is CREATE IN_PROGRESS, not ACTIVE, so it cannot answer; wait until it is ACTIVE and "
     "refresh."),
    ("CREATE FAILED", "Insufficient interactions for training",
     "is CREATE FAILED (Insufficient interactions for training), not ACTIVE, so it cannot "
     "answer; create it again once the cause is fixed, or point the model to another ARN."),
])
def test_campaign_not_active_reports_status_and_failure_reason(service, aws_clients, status,
                                                                reason, ending):
    aws = aws_clients(REGION)
    model = spec("lab-recs-campaign", "campaign", "recommendations")
    aws.runtime_stub.add_client_error(
        "get_recommendations", "ResourceNotFoundException",
        f"Resource Arn {model.arn} does not exist.", http_status_code=404,
        expected_params={"campaignArn": model.arn, "userId": "196", "numResults": 25})
    extra = {"failureReason": reason} if reason else {}
    aws.control.add_response("describe_campaign", _campaign("lab-recs-campaign", status, **extra),
                             {"campaignArn": model.arn})
    result = service.recommend(model, "196")
    assert result.error == f"Model 'lab-recs-campaign': campaign {model.arn!r} {ending}"


def test_stopped_recommender_says_to_start_it(service, aws_clients):
    aws = aws_clients(REGION)
    model = spec("vod-stopped", "recommender", "recommendations")
    aws.control.add_response("describe_recommender", _recommender(
        "vod-stopped", "aws-vod-top-picks", status="INACTIVE"))
    aws.runtime_stub.add_client_error("get_recommendations", "InvalidInputException",
                                      "The recommender is not active.")
    aws.control.add_response("describe_recommender", _recommender(
        "vod-stopped", "aws-vod-top-picks", status="INACTIVE"))
    result = service.recommend(model, "196")
    assert result.error.endswith("is INACTIVE, not ACTIVE, so it cannot answer; start it "
                                 "again (start_recommender) to use it.")


def test_access_denied_is_not_a_status_question(service, aws_clients):
    aws = aws_clients(REGION)
    model = spec("lab-recs-campaign", "campaign", "recommendations")
    aws.runtime_stub.add_client_error(
        "get_recommendations", "AccessDeniedException",
        "User: arn:aws:iam::123456789012:user/lab is not authorized to perform: "
        "personalize:GetRecommendations", http_status_code=403)
    result = service.recommend(model, "196")
    assert result.error == (
        f"Model 'lab-recs-campaign': access to {model.arn!r} was denied (AccessDeniedException: "
        "User: arn:aws:iam::123456789012:user/lab is not authorized to perform: "
        "personalize:GetRecommendations); check the credentials and permissions.")
    assert service.control_calls == 0


def test_throttling_reaches_the_panel_as_a_sentence(service, aws_clients):
    aws = aws_clients(REGION)
    model = spec("lab-recs-campaign", "campaign", "recommendations")
    aws.runtime_stub.add_client_error("get_recommendations", "ThrottlingException",
                                      "Rate exceeded", http_status_code=400)
    result = service.recommend(model, "196")
    assert result.error == ("Model 'lab-recs-campaign' was throttled by the service even after "
                            "retries (ThrottlingException); wait a moment and refresh.")


def test_num_results_above_the_limit_is_invalid_input_not_a_status_problem(service,
                                                                           aws_clients):
    aws = aws_clients(REGION)
    model = spec("lab-recs-campaign", "campaign", "recommendations")
    message = ("1 validation error detected: Value '600' at 'numResults' failed to satisfy "
               "constraint: Member must have value less than or equal to 500")
    # botocore checks only the minimum; the service refuses numResults above 500
    aws.runtime_stub.add_client_error(
        "get_recommendations", "InvalidInputException", message,
        expected_params={"campaignArn": model.arn, "userId": "196", "numResults": 600})
    aws.control.add_response("describe_campaign", _campaign("lab-recs-campaign", "ACTIVE"))
    result = service.recommend(model, "196", n=600)
    assert result.error == f"Model 'lab-recs-campaign' refused the request as invalid: {message}"


def test_a_filter_that_is_not_active_is_invalid_input_about_the_filter(aws_clients):
    aws = aws_clients(REGION)
    model = spec("lab-recs-campaign", "campaign", "recommendations")
    filter_arn = arn(REGION, "filter", "unwatched")
    message = f"Filter {filter_arn} is not ACTIVE. Its status is CREATE IN_PROGRESS."
    aws.runtime_stub.add_client_error("get_recommendations", "InvalidInputException", message)
    with pytest.raises(ClientError) as caught:
        aws.runtime.get_recommendations(campaignArn=model.arn, userId="196",
                                        filterArn=filter_arn)
    # the campaign itself is ACTIVE: the message is about the request, not the model
    assert failure_message(caught.value, model, status="ACTIVE") == (
        f"Model 'lab-recs-campaign' refused the request as invalid: {message}")


def _no_network(clients):
    """Fail loudly instead of sending anything, should a request get past botocore."""
    def refuse(request, **_kwargs):
        raise AssertionError(f"a request was about to be sent to {request.url}")
    for client in clients:
        client.meta.events.register_first("before-send", refuse)
    return clients


def test_a_request_botocore_refuses_is_said_to_break_the_api_rules(catalog):
    # botocore's own validation (numResults at least 0) stops it before anything is sent.
    clients = _no_network(personalize_clients("aws", region=REGION))
    svc = ResultsService(catalog, clients_for=lambda _arn: clients)
    result = svc.recommend(spec("lab-recs-campaign", "campaign", "recommendations"), "196", n=-1)
    assert result.error.startswith("Model 'lab-recs-campaign' was not asked: the request broke "
                                   "the API's rules (Parameter validation failed:")
    assert "numResults" in result.error
    svc.close()


def test_no_credentials_is_said_plainly(monkeypatch, catalog):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    # personalize_clients refuses a session without credentials (AwsCredentialsError, also a
    # botocore NoCredentialsError): as the default clients_for does, it is called per model.
    svc = ResultsService(catalog, clients_for=lambda _arn: _no_network(
        personalize_clients("aws", region=REGION)))
    model = spec("lab-recs-campaign", "campaign", "recommendations")
    result = svc.recommend(model, "196")
    assert result.error.startswith(
        "Model 'lab-recs-campaign' could not be asked: Creating Personalize clients for AWS "
        "failed: no AWS credentials were found. Set AWS_PROFILE to a profile of yours")
    assert len(result.error) <= 300  # one status line
    svc.close()


def test_a_missing_aws_profile_is_named_in_the_panel_message(monkeypatch, catalog,
                                                            no_aws_credentials):
    monkeypatch.setenv("AWS_PROFILE", "nosuch")
    svc = ResultsService(catalog, clients_for=lambda _arn: personalize_clients("aws",
                                                                              region=REGION))
    result = svc.recommend(spec("lab-recs-campaign", "campaign", "recommendations"), "196")
    assert result.error.startswith(
        "Model 'lab-recs-campaign' could not be asked: Creating Personalize clients for AWS "
        "failed: the AWS profile 'nosuch' (set by AWS_PROFILE) does not exist")
    svc.close()


# ---- the ARN's region picks the clients -----------------------------------------------------

def test_each_model_is_asked_through_the_clients_of_its_own_region(service, aws_clients):
    ireland, oregon = aws_clients("eu-west-1"), aws_clients("us-west-2")
    eu = ModelSpec("EU", arn("eu-west-1", "campaign", "recs"), "recommendations", 1)
    us = ModelSpec("US", arn("us-west-2", "campaign", "recs"), "recommendations", 2)
    ireland.runtime_stub.add_response("get_recommendations", _items(["50"]),
                                      {"campaignArn": eu.arn, "userId": "1", "numResults": 25})
    oregon.runtime_stub.add_response("get_recommendations", _items(["100"]),
                                     {"campaignArn": us.arn, "userId": "1", "numResults": 25})
    first, second = service.compare([eu, us], "1")
    assert (first.item_ids, second.item_ids) == (["50"], ["100"])
    assert ireland.runtime.meta.region_name == "eu-west-1"
    assert oregon.runtime.meta.region_name == "us-west-2"


def test_stubbed_responses_are_checked_against_the_service_model(aws_clients):
    # The stubs above are believable only because botocore refuses a response of a wrong shape.
    aws = aws_clients(REGION)
    with pytest.raises(Exception, match="itemList"):
        aws.runtime_stub.add_response("get_recommendations", {"itemList": "50"})
    assert isinstance(aws.runtime_stub, Stubber)


def test_refresh_forgets_a_recommender_use_case(service, aws_clients):
    # deleted and made again under the same name: same ARN, another recipe
    aws = aws_clients(REGION)
    model = spec("vod-remade", "recommender", "recommendations")
    aws.control.add_response("describe_recommender", _recommender("vod-remade",
                                                                  "aws-vod-top-picks"))
    aws.runtime_stub.add_response("get_recommendations", _items(["50"]),
                                  {"recommenderArn": model.arn, "userId": "1",
                                   "numResults": 25})
    aws.control.add_response("describe_recommender", _recommender(
        "vod-remade", "aws-vod-more-like-x"))
    assert service.recommend(model, "1").item_ids == ["50"]
    service.refresh("vod-remade")
    assert "which needs a film to answer" in service.recommend(model, "1").error
    assert service.control_calls == 2
