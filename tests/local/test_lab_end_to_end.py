"""The whole lab sequence on ML-100k through real boto3 clients served by the embedded engine.

schema -> dataset group -> datasets -> imports -> solutions (user-personalization (v1, v2),
SIMS, personalized-ranking, popularity-count) -> versions -> metrics -> campaigns ->
recommendations and rankings for real users, plus the error cases the service has.
The trained lab is built once per session (training all recipes takes seconds).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from botocore.exceptions import ClientError
from botocore.validate import ParamValidator

from videorecs_widgets import personalize_data
from videorecs_widgets.catalog import Catalog
from videorecs_widgets.clients import PersonalizeClients, personalize_clients, wait_until_active

RECIPE = "arn:aws:personalize:::recipe/"
LAB_RECIPES = {
    "user": "aws-user-personalization",
    "user-v2": "aws-user-personalization-v2",
    "sims": "aws-sims",
    "similar": "aws-similar-items",
    "ranking": "aws-personalized-ranking",
    "popularity": "aws-popularity-count",
}
METRIC_NAMES = {
    "coverage",
    "mean_reciprocal_rank_at_25",
    "normalized_discounted_cumulative_gain_at_5",
    "normalized_discounted_cumulative_gain_at_10",
    "normalized_discounted_cumulative_gain_at_25",
    "precision_at_5",
    "precision_at_10",
    "precision_at_25",
}
@dataclass
class Lab:
    clients: PersonalizeClients
    workspace: Path
    interactions: pd.DataFrame  # the lab's frame: ratings > 3.6, timestamps shifted
    movies: pd.DataFrame
    dataset_group: str
    import_job: str
    versions: dict[str, str]
    campaigns: dict[str, str]

    @property
    def runtime(self):
        return self.clients.runtime

    @property
    def personalize(self):
        return self.clients.personalize

    def rated(self, user: str) -> set[str]:
        return set(self.interactions.loc[self.interactions["USER_ID"] == user, "ITEM_ID"])


@pytest.fixture(scope="session")
def lab(ml100k_dir, tmp_path_factory) -> Lab:
    workspace = tmp_path_factory.mktemp("lab-workspace")
    catalog = Catalog.from_movielens(ml100k_dir.parent)
    files = personalize_data.write_lab_files(catalog, tmp_path_factory.mktemp("lab-files"))
    interactions = pd.read_csv(files["interactions"], dtype={"USER_ID": str, "ITEM_ID": str})

    clients = personalize_clients("local", workspace=workspace)
    p = clients.personalize
    schemas = {
        kind: p.create_schema(name=f"lab-{kind}", schema=files[f"{kind}_schema"].read_text(),
                              )["schemaArn"]
        for kind in ("interactions", "items", "users")
    }
    group = p.create_dataset_group(name="personalize-lab")["datasetGroupArn"]
    wait_until_active(p, group)
    datasets = {
        kind: p.create_dataset(name=f"lab-{kind}", schemaArn=schemas[kind],
                               datasetGroupArn=group, datasetType=kind.capitalize(),
                               )["datasetArn"]
        for kind in ("interactions", "items", "users")
    }
    job = p.create_dataset_import_job(
        jobName="lab-import", datasetArn=datasets["interactions"],
        dataSource={"dataLocation": str(files["interactions"])},
        roleArn="arn:aws:iam::000000000000:role/lab",
    )["datasetImportJobArn"]
    others = [
        p.create_dataset_import_job(
            jobName=f"lab-{kind}-import", datasetArn=datasets[kind],
            dataSource={"dataLocation": files[kind].as_uri()},
        )["datasetImportJobArn"]
        for kind in ("items", "users")
    ]
    for arn in (job, *others):
        wait_until_active(p, arn)

    versions = {}
    for key, recipe in LAB_RECIPES.items():
        solution = p.create_solution(name=f"lab-{key}", datasetGroupArn=group,
                                     recipeArn=RECIPE + recipe)["solutionArn"]
        wait_until_active(p, solution)
        versions[key] = p.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    for arn in versions.values():
        wait_until_active(p, arn, timeout=300)
    campaigns = {
        key: p.create_campaign(name=f"lab-{key}-campaign", solutionVersionArn=arn,
                               minProvisionedTPS=1)["campaignArn"]
        for key, arn in versions.items()
    }
    for arn in campaigns.values():
        wait_until_active(p, arn)
    return Lab(clients, workspace, interactions, catalog.movies, group, job, versions,
               campaigns)


def _valid_output(client, operation: str, response: dict) -> None:
    """The response validates against the operation's output shape (types, datetimes)."""
    shape = client.meta.service_model.operation_model(operation).output_shape
    body = {k: v for k, v in response.items() if k != "ResponseMetadata"}
    report = ParamValidator().validate(body, shape)
    assert not report.has_errors(), report.generate_report()


def _error(excinfo) -> tuple[str, str, int]:
    error = excinfo.value.response
    return error["Error"]["Code"], error["Error"]["Message"], error["ResponseMetadata"][
        "HTTPStatusCode"]


# -- control plane ------------------------------------------------------------------------------


def test_describe_dataset_import_job__lab_data_imported(lab):
    job = lab.personalize.describe_dataset_import_job(datasetImportJobArn=lab.import_job)
    _valid_output(lab.personalize, "DescribeDatasetImportJob", job)
    job = job["datasetImportJob"]
    assert job["status"] == "ACTIVE"
    assert job["jobName"] == "lab-import"
    assert job["datasetArn"] == (
        "arn:aws:personalize:local:000000000000:dataset/personalize-lab/INTERACTIONS")
    assert job["dataSource"]["dataLocation"].endswith("DEMO-movie-lens-100k.csv")
    assert job["lastUpdatedDateTime"] >= job["creationDateTime"]
    assert len(lab.interactions) == 55_375  # the lab's 4 and 5 star ratings


def test_describe_solution_version__lab_versions_active(lab):
    for key, arn in lab.versions.items():
        response = lab.personalize.describe_solution_version(solutionVersionArn=arn)
        _valid_output(lab.personalize, "DescribeSolutionVersion", response)
        version = response["solutionVersion"]
        assert version["status"] == "ACTIVE", version.get("failureReason")
        assert version["recipeArn"] == RECIPE + LAB_RECIPES[key]
        assert version["datasetGroupArn"] == lab.dataset_group
        assert 0 < version["trainingHours"] < 0.05
        assert version["solutionVersionArn"].startswith(version["solutionArn"] + "/")


def test_describe_solution__reports_latest_version(lab):
    solution_arn = lab.versions["user"].rsplit("/", 1)[0]
    response = lab.personalize.describe_solution(solutionArn=solution_arn)
    _valid_output(lab.personalize, "DescribeSolution", response)
    solution = response["solution"]
    assert solution["latestSolutionVersion"]["solutionVersionArn"] == lab.versions["user"]
    assert solution["latestSolutionVersion"]["status"] == "ACTIVE"
    assert solution["performAutoTraining"] is False


def test_get_solution_metrics__lab_recipes(lab):
    metrics = {}
    for key, arn in lab.versions.items():
        response = lab.personalize.get_solution_metrics(solutionVersionArn=arn)
        assert response["solutionVersionArn"] == arn
        metrics[key] = response["metrics"]
        assert set(metrics[key]) == METRIC_NAMES
        assert all(0.0 <= v <= 1.0 for v in metrics[key].values()), metrics[key]
    # The personalized model beats the popularity baseline it is meant to be compared with.
    assert metrics["user"]["precision_at_10"] > 1.5 * metrics["popularity"]["precision_at_10"]
    assert (metrics["user"]["normalized_discounted_cumulative_gain_at_10"]
            > 1.5 * metrics["popularity"]["normalized_discounted_cumulative_gain_at_10"])
    assert metrics["popularity"]["coverage"] < metrics["user"]["coverage"]


def test_describe_campaign__lab_campaigns_active(lab):
    for key, arn in lab.campaigns.items():
        response = lab.personalize.describe_campaign(campaignArn=arn)
        _valid_output(lab.personalize, "DescribeCampaign", response)
        campaign = response["campaign"]
        assert campaign["status"] == "ACTIVE"
        assert campaign["solutionVersionArn"] == lab.versions[key]
        assert campaign["campaignArn"] == (
            f"arn:aws:personalize:local:000000000000:campaign/lab-{key}-campaign")


def test_list_campaigns__by_solution(lab):
    solution_arn = lab.versions["sims"].rsplit("/", 1)[0]
    response = lab.personalize.list_campaigns(solutionArn=solution_arn)
    _valid_output(lab.personalize, "ListCampaigns", response)
    assert [c["campaignArn"] for c in response["campaigns"]] == [lab.campaigns["sims"]]


# -- runtime ------------------------------------------------------------------------------------


def test_get_recommendations__real_user(lab):
    response = lab.runtime.get_recommendations(campaignArn=lab.campaigns["user"], userId="1")
    _valid_output(lab.runtime, "GetRecommendations", response)
    items = [entry["itemId"] for entry in response["itemList"]]
    assert len(items) == 25 and len(set(items)) == 25
    assert set(items) <= set(lab.movies["item_id"])  # real movies
    assert not set(items) & lab.rated("1")  # never what the user already rated
    scores = [entry["score"] for entry in response["itemList"]]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0
    assert response["recommendationId"].startswith("RID-")
    assert "reason" not in response["itemList"][0]


def test_get_recommendations__num_results(lab):
    response = lab.runtime.get_recommendations(campaignArn=lab.campaigns["user"], userId="42",
                                               numResults=500)
    items = [entry["itemId"] for entry in response["itemList"]]
    assert len(items) == 500
    assert not set(items) & lab.rated("42")


def test_get_recommendations__unknown_user_gets_popular_items(lab):
    response = lab.runtime.get_recommendations(campaignArn=lab.campaigns["user"],
                                               userId="no-such-user", numResults=10)
    popular = lab.interactions["ITEM_ID"].value_counts()
    items = [e["itemId"] for e in response["itemList"]]
    assert [popular[i] for i in items] == list(popular.iloc[:10])
    assert items[0] == popular.index[0] == "50"  # Star Wars, the most liked film
    # v2 says why, where the response has a place for it.
    response = lab.runtime.get_recommendations(campaignArn=lab.campaigns["user-v2"],
                                               userId="no-such-user", numResults=10)
    assert response["itemList"][0]["itemId"] == popular.index[0]
    assert response["itemList"][0]["reason"] == ["Popular item"]
    known = lab.runtime.get_recommendations(campaignArn=lab.campaigns["user-v2"], userId="1")
    assert "reason" not in known["itemList"][0]


def test_get_recommendations__popularity_count(lab):
    def ids(user: str, **kwargs) -> list[str]:
        response = lab.runtime.get_recommendations(campaignArn=lab.campaigns["popularity"],
                                                   userId=user, numResults=10, **kwargs)
        return [e["itemId"] for e in response["itemList"]]

    counts = lab.interactions["ITEM_ID"].value_counts()
    # "The recipe returns the same popular items for all users": seen or not, cold or not.
    items = ids("1")
    assert ids("196") == items == ids("no-such-user")
    assert [counts[i] for i in items] == list(counts.iloc[:10])
    assert set(items) & lab.rated("1")  # user 1 rated most of the popular films
    # A filter on the user's interactions still takes out what they have seen.
    unseen = lab.personalize.create_filter(
        name="lab-popular-unseen", datasetGroupArn=lab.dataset_group,
        filterExpression='EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("*")')["filterArn"]
    filtered = ids("1", filterArn=unseen)
    not_rated = counts[~counts.index.isin(lab.rated("1"))]
    assert [counts[i] for i in filtered] == list(not_rated.iloc[:10])
    assert not set(filtered) & lab.rated("1")


def test_get_recommendations__sims_similar_items(lab):
    response = lab.runtime.get_recommendations(campaignArn=lab.campaigns["sims"], itemId="1")
    items = [e["itemId"] for e in response["itemList"]]
    assert len(items) == 25 and "1" not in items
    assert set(items) <= set(lab.movies["item_id"])
    # Toy Story's neighbours are mostly films its fans also liked.
    fans = set(lab.interactions.loc[lab.interactions["ITEM_ID"] == "1", "USER_ID"])
    liked_by_fans = lab.interactions[lab.interactions["USER_ID"].isin(fans)]["ITEM_ID"]
    assert set(items) <= set(liked_by_fans)


def test_get_recommendations__similar_items_uses_genres(lab):
    genres = dict(zip(lab.movies["item_id"], lab.movies["genres"], strict=True))

    def sharing_a_genre(campaign: str) -> int:
        response = lab.runtime.get_recommendations(campaignArn=campaign, itemId="1")
        items = [e["itemId"] for e in response["itemList"]]
        assert len(items) == 25 and "1" not in items
        return sum(bool(set(genres[i]) & set(genres["1"])) for i in items)

    # The items dataset reached the recipe: blending in genres gives more films sharing one
    # of Toy Story's (Animation, Children's, Comedy) than co-occurrence alone.
    assert sharing_a_genre(lab.campaigns["similar"]) > sharing_a_genre(lab.campaigns["sims"])


def test_describe_dataset__items_and_users_imported(lab):
    datasets = lab.personalize.list_datasets(datasetGroupArn=lab.dataset_group)["datasets"]
    assert sorted((d["datasetType"], d["status"]) for d in datasets) == [
        ("INTERACTIONS", "ACTIVE"), ("ITEMS", "ACTIVE"), ("USERS", "ACTIVE")]
    for dataset in datasets:
        jobs = lab.personalize.list_dataset_import_jobs(datasetArn=dataset["datasetArn"])
        assert [j["status"] for j in jobs["datasetImportJobs"]] == ["ACTIVE"]


def test_get_recommendations__sims_unknown_item_gets_popular_items(lab):
    response = lab.runtime.get_recommendations(campaignArn=lab.campaigns["sims"],
                                               itemId="no-such-film", numResults=5)
    popular = lab.interactions["ITEM_ID"].value_counts()
    items = [e["itemId"] for e in response["itemList"]]
    assert [popular[i] for i in items] == list(popular.iloc[:5])


def test_get_personalized_ranking__unknown_items_last(lab):
    popular = list(lab.interactions["ITEM_ID"].value_counts().index[:24])
    response = lab.runtime.get_personalized_ranking(
        campaignArn=lab.campaigns["ranking"], userId="1", inputList=["unknown-film", *popular])
    _valid_output(lab.runtime, "GetPersonalizedRanking", response)
    ranked = [e["itemId"] for e in response["personalizedRanking"]]
    assert sorted(ranked) == sorted(["unknown-film", *popular])
    assert ranked[-1] == "unknown-film"
    assert response["personalizedRanking"][-1]["score"] == 0.0
    scores = [e["score"] for e in response["personalizedRanking"][:-1]]
    assert scores == sorted(scores, reverse=True)
    assert ranked[:24] != popular  # the user's own order, not the popularity order


def test_get_recommendations__scores_as_the_service_gives_them(lab):
    # User-Personalization: shares of the whole catalogue (1,682 films), so 500 of them sum
    # to less than 1 and the best is a small number, never 1.
    response = lab.runtime.get_recommendations(campaignArn=lab.campaigns["user"], userId="1",
                                               numResults=500)
    scores = [e["score"] for e in response["itemList"]]
    assert scores == sorted(scores, reverse=True) and all(s > 0 for s in scores)
    assert sum(scores) < 1.0 and scores[0] < 0.05
    # Personalized-Ranking: shares of the input list; a film the model never saw gets 0.
    ranking = lab.runtime.get_personalized_ranking(
        campaignArn=lab.campaigns["ranking"], userId="1",
        inputList=["1", "50", "181", "unknown-film"])["personalizedRanking"]
    assert sum(e["score"] for e in ranking) == pytest.approx(1.0)
    assert ranking[-1] == {"itemId": "unknown-film", "score": 0.0}
    # SIMS, Similar-Items and Popularity-Count return no score at all.
    for key, query in (("sims", {"itemId": "1"}), ("similar", {"itemId": "1"}),
                       ("popularity", {"userId": "1"})):
        response = lab.runtime.get_recommendations(campaignArn=lab.campaigns[key], **query)
        _valid_output(lab.runtime, "GetRecommendations", response)
        assert response["itemList"] and all(set(e) == {"itemId"} for e in response["itemList"])


# -- runtime errors -----------------------------------------------------------------------------


def test_get_recommendations__unknown_campaign(lab):
    arn = "arn:aws:personalize:local:000000000000:campaign/no-such-campaign"
    with pytest.raises(ClientError) as excinfo:
        lab.runtime.get_recommendations(campaignArn=arn, userId="1")
    assert _error(excinfo) == ("ResourceNotFoundException",
                               f"Resource Arn {arn} does not exist.", 404)


def test_get_recommendations__num_results_above_500(lab):
    with pytest.raises(ClientError) as excinfo:
        lab.runtime.get_recommendations(campaignArn=lab.campaigns["user"], userId="1",
                                        numResults=501)
    assert _error(excinfo) == ("InvalidInputException",
                               "numResults is 501; it must be at most 500.", 400)


def test_get_personalized_ranking__input_list_above_500(lab):
    with pytest.raises(ClientError) as excinfo:
        lab.runtime.get_personalized_ranking(campaignArn=lab.campaigns["ranking"], userId="1",
                                             inputList=[str(i) for i in range(501)])
    assert _error(excinfo)[:2] == ("InvalidInputException",
                                   "The inputList length is 501; it must be at most 500.")


def test_get_recommendations__user_id_for_sims(lab):
    with pytest.raises(ClientError) as excinfo:
        lab.runtime.get_recommendations(campaignArn=lab.campaigns["sims"], userId="1")
    assert _error(excinfo) == (
        "InvalidInputException",
        f"Campaign {lab.campaigns['sims']} serves the RELATED_ITEMS recipe 'aws-sims': "
        "give an itemId.", 400)


def test_get_recommendations__item_id_for_user_personalization(lab):
    with pytest.raises(ClientError) as excinfo:
        lab.runtime.get_recommendations(campaignArn=lab.campaigns["user"], itemId="1")
    assert _error(excinfo)[:2] == (
        "InvalidInputException",
        f"Campaign {lab.campaigns['user']} serves the USER_PERSONALIZATION recipe "
        "'aws-user-personalization': give a userId (itemId '1' is for related-items recipes).")


def test_get_recommendations__ranking_campaign(lab):
    with pytest.raises(ClientError) as excinfo:
        lab.runtime.get_recommendations(campaignArn=lab.campaigns["ranking"], userId="1")
    code, message, _ = _error(excinfo)
    assert code == "InvalidInputException"
    assert "call get_personalized_ranking" in message


def test_get_personalized_ranking__user_personalization_campaign(lab):
    with pytest.raises(ClientError) as excinfo:
        lab.runtime.get_personalized_ranking(campaignArn=lab.campaigns["user"], userId="1",
                                             inputList=["1", "2"])
    code, message, _ = _error(excinfo)
    assert code == "InvalidInputException"
    assert message == (
        f"Campaign {lab.campaigns['user']} serves the recipe 'aws-user-personalization', not a "
        "PERSONALIZED_RANKING recipe: call get_recommendations instead.")


def test_get_recommendations__campaign_not_active_after_model_file_lost(lab):
    p = lab.personalize
    solution = lab.versions["popularity"].rsplit("/", 1)[0]
    version = p.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    wait_until_active(p, version)
    model_files = sorted((lab.workspace / "models").glob("*.model"))
    lost = [f for f in model_files if version.rsplit("/", 1)[-1] in f.name]
    assert len(lost) == 1
    lost[0].unlink()
    campaign = p.create_campaign(name="lab-lost-model", solutionVersionArn=version)["campaignArn"]
    with pytest.raises(Exception, match="is missing") as failed:
        wait_until_active(p, campaign)
    assert "CREATE FAILED" in str(failed.value)
    with pytest.raises(ClientError) as excinfo:
        lab.runtime.get_recommendations(campaignArn=campaign, userId="1")
    code, message, status = _error(excinfo)
    assert (code, status) == ("InvalidInputException", 400)
    assert message.startswith(f"Campaign {campaign} is CREATE FAILED, not ACTIVE")
    # Only that resource is affected.
    ok = lab.runtime.get_recommendations(campaignArn=lab.campaigns["popularity"], userId="1")
    assert len(ok["itemList"]) == 25
    p.delete_campaign(campaignArn=campaign)


def test_get_recommendations__damaged_model_file(lab):
    p = lab.personalize
    solution = lab.versions["popularity"].rsplit("/", 1)[0]
    version = p.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    wait_until_active(p, version)
    campaign = p.create_campaign(name="lab-damaged-model",
                                 solutionVersionArn=version)["campaignArn"]
    wait_until_active(p, campaign)
    assert lab.runtime.get_recommendations(campaignArn=campaign, userId="1")["itemList"]
    (path,) = [f for f in (lab.workspace / "models").glob("*.model")
               if version.rsplit("/", 1)[-1] in f.name]
    path.write_bytes(b"not a model any more")
    with pytest.raises(ClientError) as excinfo:
        lab.runtime.get_recommendations(campaignArn=campaign, userId="1")
    code, message, status = _error(excinfo)
    assert (code, status) == ("ModelFileException", 500)
    assert message.startswith(f"The model file of solution version {version} (")
    assert "cannot be loaded: it is damaged (ValueError: " in message  # numpy's long words
    assert message.endswith(". Train a new solution version.")
    assert str(lab.workspace) not in message  # the file is named once, by its name
    # The panels' status line keeps the advice, however long the ARN.
    from videorecs_widgets.model_spec import ModelSpec
    from videorecs_widgets.results import failure_message

    line = failure_message(excinfo.value, ModelSpec("Damaged", campaign, "recommendations", 1))
    assert line.startswith("Model 'Damaged' failed with ModelFileException: The model file of ")
    assert line.endswith("Train a new solution version.") and len(line) < 320
    ok = lab.runtime.get_recommendations(campaignArn=lab.campaigns["popularity"], userId="1")
    assert len(ok["itemList"]) == 25
    p.delete_campaign(campaignArn=campaign)


# -- filters on the lab's data ------------------------------------------------------------------


def test_get_recommendations__include_genre_filter(lab):
    p = lab.personalize
    arn = p.create_filter(name="lab-genre", datasetGroupArn=lab.dataset_group,
                          filterExpression="INCLUDE ItemID WHERE Items.GENRES IN ($GENRE)",
                          )["filterArn"]
    wait_until_active(p, arn)
    response = lab.runtime.get_recommendations(
        campaignArn=lab.campaigns["user"], userId="1", filterArn=arn,
        filterValues={"GENRE": '"Horror"'})
    items = [e["itemId"] for e in response["itemList"]]
    horror = {i for i, g in zip(lab.movies["item_id"], lab.movies["genres"], strict=True)
              if "Horror" in g}
    assert items and set(items) <= horror
    assert not set(items) & lab.rated("1")
    with pytest.raises(ClientError) as excinfo:
        lab.runtime.get_recommendations(campaignArn=lab.campaigns["user"], userId="1",
                                        filterArn=arn)
    assert _error(excinfo)[:2] == (
        "InvalidInputException",
        "Filter values are missing for $GENRE: filter 'INCLUDE ItemID WHERE Items.GENRES IN "
        "($GENRE)' INCLUDEs with them, so each needs a value in filterValues.")


def test_get_recommendations__numeric_filters_on_a_nullable_int(lab):
    # YEAR is ["null", "int"] in the lab's items schema and film 267 has no year.
    p = lab.personalize
    years = dict(zip(lab.movies["item_id"], lab.movies["year"].fillna(0), strict=True))
    of_1995 = {i for i, y in years.items() if y == 1995}
    assert len(of_1995) == 296 and years["267"] == 0

    def ids(expression: str, **values: str) -> set[str]:
        arn = p.create_filter(name=f"lab-year-{len(p.list_filters()['Filters'])}",
                              datasetGroupArn=lab.dataset_group,
                              filterExpression=expression)["filterArn"]
        response = lab.runtime.get_recommendations(
            campaignArn=lab.campaigns["popularity"], userId="1", numResults=500,
            filterArn=arn, **({"filterValues": values} if values else {}))
        return {e["itemId"] for e in response["itemList"]}

    by_param = "INCLUDE ItemID WHERE Items.YEAR IN ($Y)"
    assert ids(by_param, Y='"1995"') == of_1995
    assert ids(by_param, Y='"1995.0"') == of_1995
    assert ids("INCLUDE ItemID WHERE Items.YEAR IN (1995)") == of_1995
    assert ids("INCLUDE ItemID WHERE Items.YEAR = 1995") == of_1995
    assert ids(by_param, Y='"1980","1995"') == of_1995 | {i for i, y in years.items()
                                                          if y == 1980}
    with pytest.raises(ClientError) as excinfo:
        ids(by_param, Y='"abc"')
    assert _error(excinfo)[:2] == (
        "InvalidInputException",
        "Filter condition Items.YEAR IN 'abc': Items.YEAR is a numeric field, so each value "
        "must be a finite number.")


def test_get_recommendations__exclude_interacted_filter_on_sims(lab):
    p = lab.personalize
    arn = p.create_filter(
        name="lab-unseen", datasetGroupArn=lab.dataset_group,
        filterExpression='EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("*") | '
                         'EXCLUDE ItemID WHERE Items.GENRES IN ("Drama", "Romance")')["filterArn"]
    plain = lab.runtime.get_recommendations(campaignArn=lab.campaigns["sims"], itemId="50",
                                            userId="1", numResults=50)
    filtered = lab.runtime.get_recommendations(campaignArn=lab.campaigns["sims"], itemId="50",
                                               userId="1", numResults=50, filterArn=arn)
    plain_items = [e["itemId"] for e in plain["itemList"]]
    items = [e["itemId"] for e in filtered["itemList"]]
    assert set(plain_items) & lab.rated("1")  # without the filter, SIMS returns seen films
    assert not set(items) & lab.rated("1")
    genres = dict(zip(lab.movies["item_id"], lab.movies["genres"], strict=True))
    assert not any({"Drama", "Romance"} & set(genres[i]) for i in items)
    assert len(items) == 50


def test_get_personalized_ranking__exclude_filter(lab):
    arn = lab.personalize.create_filter(
        name="lab-no-comedy", datasetGroupArn=lab.dataset_group,
        filterExpression='EXCLUDE ItemID WHERE Items.GENRES IN ("Comedy")')["filterArn"]
    response = lab.runtime.get_personalized_ranking(
        campaignArn=lab.campaigns["ranking"], userId="1", inputList=["1", "50", "181"],
        filterArn=arn)
    assert sorted(e["itemId"] for e in response["personalizedRanking"]) == ["181", "50"]


# -- persistence across processes ---------------------------------------------------------------


def test_get_recommendations__second_process_sees_campaigns(lab):
    ours = lab.runtime.get_recommendations(campaignArn=lab.campaigns["user"], userId="7")
    script = (
        "import json, sys\n"
        "from videorecs_widgets.clients import personalize_clients\n"
        "p, rt = personalize_clients('local')\n"
        "items = rt.get_recommendations(campaignArn=sys.argv[1], userId='7')['itemList']\n"
        "arn = p.create_filter(name='made-elsewhere', datasetGroupArn=sys.argv[2],\n"
        "    filterExpression='EXCLUDE ItemID WHERE Items.YEAR < 1960')['filterArn']\n"
        "print(json.dumps({'items': [i['itemId'] for i in items], 'filter': arn}))\n"
    )
    env = dict(os.environ, VIDEORECS_WORKSPACE=str(lab.workspace))
    done = subprocess.run(
        [sys.executable, "-c", script, lab.campaigns["user"], lab.dataset_group],
        capture_output=True, text=True, env=env, cwd=Path(__file__).resolve().parents[2],
        timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr
    theirs = json.loads(done.stdout)
    assert theirs["items"] == [e["itemId"] for e in ours["itemList"]]
    # This process notices the state file changed and sees the other process's filter.
    filters = lab.personalize.list_filters(datasetGroupArn=lab.dataset_group)["Filters"]
    assert theirs["filter"] in [f["filterArn"] for f in filters]
    lab.personalize.delete_filter(filterArn=theirs["filter"])
