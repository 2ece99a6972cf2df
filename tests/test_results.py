"""The results layer on ML-100k with real local campaigns (the session's ``lab_campaigns``)."""

from __future__ import annotations

import logging
import math
import time

import pandas as pd
import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError

from videorecs_widgets.clients import clients_for_arn, personalize_clients
from videorecs_widgets.model_spec import ModelSpec
from videorecs_widgets.results import (
    RANKING_COLUMNS,
    RESULT_COLUMNS,
    ResultsService,
    overlap,
)

LOCAL = "arn:aws:personalize:local:000000000000:campaign/"


@pytest.fixture(scope="module")
def specs(lab_campaigns):
    arns = lab_campaigns.campaigns
    return {
        "recs": ModelSpec("Personal Recommendations", arns["recs"], "recommendations", 1),
        "popularity": ModelSpec("Most Popular", arns["popularity"], "recommendations", 2),
        "rank": ModelSpec("Personal Ranking", arns["rank"], "personal-ranking", 1),
        "sims": ModelSpec("Similar Items", arns["sims"], "similar-items", 1),
        "missing": ModelSpec("Gone", LOCAL + "no-such-campaign", "recommendations", 3),
    }


@pytest.fixture()
def service(lab_campaigns):
    svc = ResultsService(lab_campaigns.catalog, workspace=lab_campaigns.workspace)
    yield svc
    svc.close()


def runtime_ids(lab_campaigns, **params):
    """The ids the campaign itself returns, asked directly through the real runtime client."""
    runtime = clients_for_arn(params["campaignArn"], workspace=lab_campaigns.workspace).runtime
    return [item["itemId"] for item in runtime.get_recommendations(**params)["itemList"]]


# ---- overlap -------------------------------------------------------------------------------

def test_overlap_two_known_lists():
    # X_d = 0, 2, 2, 2; RBO = (1-p)/p * (2/2 p^2 + 2/3 p^3 + 2/4 p^4) + 2/4 p^4
    #     = (0.81 + 0.486 + 0.32805) / 9 + 0.32805 = 0.5085
    result = overlap(["1", "2", "3", "4"], ["2", "1", "5", "6"])
    assert result.shared == 2
    assert result.jaccard == pytest.approx(2 / 6)
    assert result.rbo == pytest.approx(0.5085)


def test_overlap_identical_disjoint_and_empty():
    assert overlap(list("abcde"), list("abcde")).rbo == pytest.approx(1.0)
    assert overlap(list("abc"), list("xyz")) == (0, 0.0, 0.0)
    empty = overlap([], list("abc"))
    assert empty.shared == 0 and empty.jaccard == 0.0 and math.isnan(empty.rbo)
    assert math.isnan(overlap([], []).jaccard)


def test_overlap_uneven_lists_extrapolate_from_the_shorter():
    # A prefix of the longer list agrees everywhere it can be seen: RBO_ext is 1.
    assert overlap(["1", "2", "3"], ["1", "2", "3", "4", "5"]).rbo == pytest.approx(1.0)
    # Equation 32 by hand for s=2, l=3: X = 0, 1, 2 (second list: "c", "a", "b").
    p = 0.9
    expected = (1 - p) / p * (0 + 1 / 2 * p**2 + 2 / 3 * p**3 + 1 * (3 - 2) / (2 * 3) * p**3)
    expected += ((2 - 1) / 3 + 1 / 2) * p**3
    assert overlap(["a", "b"], ["c", "a", "b"]).rbo == pytest.approx(expected)


def test_overlap_rejects_p_outside_0_1():
    with pytest.raises(ValueError, match="Invalid p"):
        overlap(["1"], ["1"], p=1.0)


# ---- messages ----------------------------------------------------------------------------

def test_long_messages_are_cut_at_a_word_and_keep_their_advice():
    from videorecs_widgets.results import _short

    # The engine's message for a damaged model file, as a status line first showed it.
    arn = ("arn:aws:personalize:local:000000000000:solution/personalize-lab-popularity/"
           "a1b2c3d4e5f6a7b8")
    message = (f"The model file of solution version {arn} ('a1b2c3d4e5f6a7b8.model' in the "
               "workspace's models folder) cannot be loaded: Cannot load model file "
               "'/home/someone/projects/video-recs/.videorecs/models/a1b2c3d4e5f6a7b8.model': it "
               "is damaged (BadZipFile: File is not a zip file). Train a new solution version.")
    short = _short(message)
    assert len(message) > 240 and len(short) <= 240
    assert short.endswith("… Train a new solution version.")
    assert short.startswith(f"The model file of solution version {arn} (")
    head = short[: -len("… Train a new solution version.")]
    assert message.startswith(head) and not message[len(head)].isalnum()  # between words
    # Without a short last sentence: cut at a word, marked with an ellipsis.
    words = " ".join(["word"] * 80)
    assert _short(words) == " ".join(["word"] * 47) + "…"
    assert _short("short. text") == "short. text" and _short("") == ""


# ---- recommendations -----------------------------------------------------------------------

def test_recommend_joins_the_campaigns_ids_to_the_catalog(service, specs, lab_campaigns):
    result = service.recommend(specs["recs"], "196")
    assert result.ok and result.model == "Personal Recommendations"
    assert list(result.frame.columns) == list(RESULT_COLUMNS)
    direct = runtime_ids(lab_campaigns, campaignArn=specs["recs"].arn, userId="196",
                         numResults=25)
    assert result.item_ids == direct and len(direct) == 25
    catalog = lab_campaigns.catalog
    assert result.titles == catalog.movies_by_id(direct)["title"].tolist()
    assert result.frame["rank"].tolist() == list(range(1, 26))
    assert result.frame["genres"].iloc[0] == catalog.movie(direct[0])["genres"]
    assert result.frame["score"].is_monotonic_decreasing
    assert result.recommendation_id


def test_models_without_scores_give_na_scores_and_cards_without_a_score(service, specs):
    from videorecs_widgets.widgets.cards import card_html

    # Similar-items and popularity campaigns return item ids only, as the service does.
    unscored = (service.similar(specs["sims"], "50"), service.recommend(specs["popularity"], "1"))
    for result in unscored:
        assert result.ok and len(result.frame) == 25
        assert str(result.frame["score"].dtype) == "Float64"
        assert result.frame["score"].isna().all()
        assert "score" not in card_html(result.frame.iloc[0].to_dict())
    scored = service.recommend(specs["recs"], "1").frame
    assert scored["score"].notna().all() and scored["score"].iloc[0] < 0.05
    assert "score 0.0" in card_html(scored.iloc[0].to_dict())


def test_recommend_popularity_lists_the_most_liked_films(service, specs):
    result = service.recommend(specs["popularity"], "196", n=5)
    # The five ML-100k films with the most 4- and 5-star ratings among lab interactions.
    assert result.titles[:3] == ["Star Wars", "Fargo", "Return of the Jedi"]
    assert len(result.frame) == 5


def test_rated_column_holds_the_users_own_stars(service, specs, lab_campaigns):
    result = service.recommend(specs["popularity"], "1", n=25)
    ratings = lab_campaigns.catalog.ratings_of("1")
    expected = [ratings.get(i) for i in result.item_ids]
    assert [None if pd.isna(v) else int(v) for v in result.frame["rated"]] == expected
    assert any(v is not None for v in expected)  # user 1 rated many popular films


def test_one_runtime_call_then_the_cache_until_refresh(service, specs):
    first = service.recommend(specs["recs"], "200")
    assert service.calls == 1 and not first.cached
    again = service.recommend(specs["recs"], "200")
    assert service.calls == 1 and again.cached and again.item_ids == first.item_ids
    service.refresh("Personal Recommendations")
    service.recommend(specs["recs"], "200")
    assert service.calls == 2


def test_int_user_ids_mean_their_decimal_text(service, specs):
    assert service.recommend(specs["recs"], 196).item_ids == \
        service.recommend(specs["recs"], "196").item_ids
    assert service.calls == 1


def test_compare_asks_two_models_and_keeps_the_order(service, specs):
    answers = service.compare([specs["recs"], None, specs["popularity"]], "300")
    assert service.calls == 2
    assert answers[1] is None
    assert answers[0].model == "Personal Recommendations" and answers[2].model == "Most Popular"
    assert answers[2].titles[0] == "Star Wars"


def test_the_same_model_twice_in_one_comparison_is_asked_once(service, specs):
    first, second = service.compare([specs["recs"], specs["recs"]], "301")
    assert service.calls == 1 and first.item_ids == second.item_ids


# ---- failures become messages --------------------------------------------------------------

def test_unknown_local_campaign_is_a_message_naming_the_workspace_and_how_to_build_it(
        service, specs, caplog, lab_campaigns):
    with caplog.at_level(logging.WARNING, logger="videorecs_widgets"):
        result = service.recommend(specs["missing"], "196")
    record = caplog.records[-1]
    assert record.name == "videorecs_widgets.results" and record.levelname == "WARNING"
    assert issubclass(record.exc_info[0], ClientError)  # the full traceback goes to the log
    assert not result.ok and result.frame.empty
    assert result.error == (
        f"Model 'Gone': there is no campaign {specs['missing'].arn!r} in the embedded engine's "
        f"workspace {str(lab_campaigns.workspace.resolve())!r}; build the models first "
        "(the lab notebooks, or videorecs_widgets.lab.build_lab_models), or check the workspace "
        "path and the ARN in the registry."
    )
    assert service.calls == 1
    service.recommend(specs["missing"], "196")  # errors are not cached: asking again calls
    assert service.calls == 2


def test_wrong_model_type_is_refused_before_any_call(service, specs):
    result = service.recommend(specs["sims"], "196")
    assert result.error == (
        "Model 'Similar Items' is a similar-items model, but recommendations for a user needs "
        "a recommendations model; pick another model or fix its type in the registry."
    )
    assert service.calls == 0


def test_a_campaign_serving_another_kind_of_recipe_is_a_type_mismatch(service, lab_campaigns):
    # Registered as recommendations, the SIMS campaign passes the registry-type check; the
    # engine refuses the userId query (InvalidInputException: "...give an itemId"), and the
    # message names what the user can fix instead of the API's words.
    arns = lab_campaigns.campaigns
    sims_as_recs = ModelSpec("SIMS as recs", arns["sims"], "recommendations", 1)
    runtime = clients_for_arn(arns["sims"], workspace=lab_campaigns.workspace).runtime
    with pytest.raises(ClientError) as refused:
        runtime.get_recommendations(campaignArn=arns["sims"], userId="196")
    assert refused.value.response["Error"]["Code"] == "InvalidInputException"
    result = service.recommend(sims_as_recs, "196")
    assert result.error == (
        "Model 'SIMS as recs' is registered as recommendations, but its campaign serves "
        "aws-sims (similar-items): fix its type in the registry (Administration).")
    assert service.calls == 1
    rank_as_similar = ModelSpec("Ranking as similar", arns["rank"], "similar-items", 1)
    assert service.similar(rank_as_similar, "50").error == (
        "Model 'Ranking as similar' is registered as similar-items, but its campaign serves "
        "aws-personalized-ranking (personal-ranking): fix its type in the registry "
        "(Administration).")


def test_unknown_user_and_item_are_refused_before_any_call(service, specs):
    assert service.recommend(specs["recs"], "9999").error == (
        "Model 'Personal Recommendations' was not asked: user '9999' is not in the catalog.")
    assert service.similar(specs["sims"], "99999").error == (
        "Model 'Similar Items' was not asked: film '99999' is not in the catalog.")
    assert service.calls == 0


def _respond_with(code: str, message: str):
    """A before-call handler answering as the service does for an error (status 400)."""
    def handler(**_kwargs):
        response = AWSResponse("https://personalize-runtime.local", 400, {}, None)
        return response, {"Error": {"Code": code, "Message": message},
                          "ResponseMetadata": {"HTTPStatusCode": 400}}
    return handler


def test_throttling_and_access_denied_become_messages(lab_campaigns, specs):
    # Real clients of the engine, with one handler in front answering as the service would.
    for code, words in (("ThrottlingException", "was throttled by the service"),
                        ("AccessDeniedException", "was denied")):
        clients = personalize_clients("local", workspace=lab_campaigns.workspace)
        clients.runtime.meta.events.register_first(
            "before-call.personalize-runtime.GetRecommendations", _respond_with(code, "No."))
        service = ResultsService(lab_campaigns.catalog, clients_for=lambda _arn, c=clients: c)
        result = service.recommend(specs["recs"], "196")
        assert words in result.error and result.error.startswith("Model 'Personal Recommendations'")
        service.close()


def test_a_slow_model_times_out_into_a_message(lab_campaigns, specs):
    clients = personalize_clients("local", workspace=lab_campaigns.workspace)
    clients.runtime.meta.events.register(
        "after-call.personalize-runtime.GetRecommendations", lambda **_: time.sleep(0.6))
    service = ResultsService(lab_campaigns.catalog, clients_for=lambda _arn: clients,
                             timeout=0.2)
    result = service.recommend(specs["recs"], "196")
    assert result.error == ("Model 'Personal Recommendations' did not answer within 0.2 s; "
                            "try again or refresh.")
    service.close()


# ---- similar items and ranking ---------------------------------------------------------------

def test_similar_items_never_lists_the_starting_film(service, specs, lab_campaigns):
    result = service.similar(specs["sims"], "50", n=25, user_id="196")
    assert result.ok and len(result.frame) == 25
    assert "50" not in result.item_ids
    direct = runtime_ids(lab_campaigns, campaignArn=specs["sims"].arn, itemId="50",
                         numResults=26)
    assert result.item_ids == [i for i in direct if i != "50"][:25]


def test_rank_reorders_exactly_the_films_sent(service, specs, lab_campaigns):
    popular = lab_campaigns.catalog.popular("Horror", n=25)["item_id"].tolist()
    result = service.rank(specs["rank"], "196", popular)
    assert list(result.frame.columns) == list(RANKING_COLUMNS)
    assert sorted(result.item_ids) == sorted(popular) and len(result.item_ids) == 25
    frame = result.frame
    assert [popular[k - 1] for k in frame["input_rank"]] == result.item_ids
    assert (frame["moved"] == frame["input_rank"] - frame["rank"]).all()
    assert service.calls == 1


# ---- model descriptions ----------------------------------------------------------------------

def test_describe_reads_recipe_status_and_metrics(service, specs, lab_campaigns):
    info = service.describe(specs["recs"])
    assert info.error is None
    assert (info.recipe, info.status) == ("aws-user-personalization", "ACTIVE")
    personalize = clients_for_arn(specs["recs"].arn, workspace=lab_campaigns.workspace).personalize
    metrics = personalize.get_solution_metrics(
        solutionVersionArn=info.solution_version_arn)["metrics"]
    assert info.metrics["precision_at_5"] == pytest.approx(metrics["precision_at_5"])
    assert 0 < info.metrics["precision_at_5"] < 1
    gone = service.describe(specs["missing"])
    assert gone.recipe is None and gone.error.startswith(
        f"Model 'Gone': there is no campaign {specs['missing'].arn!r} in the embedded engine's "
        f"workspace {str(lab_campaigns.workspace.resolve())!r}; build the models first ")


def test_unknown_local_campaign_through_given_clients_names_no_workspace(lab_campaigns, specs):
    # Clients made by the caller: the service cannot know which workspace answered.
    clients = personalize_clients("local", workspace=lab_campaigns.workspace)
    service = ResultsService(lab_campaigns.catalog, clients_for=lambda _arn: clients)
    assert service.recommend(specs["missing"], "196").error == (
        f"Model 'Gone': there is no campaign {specs['missing'].arn!r} in the embedded engine's "
        "workspace; build the models first (the lab notebooks, or "
        "videorecs_widgets.lab.build_lab_models), or check the workspace path and the ARN in "
        "the registry."
    )
    service.close()
