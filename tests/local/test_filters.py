"""Personalize filter expressions: parsing, refusals (through create_filter), applying them."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from botocore.exceptions import ClientError

from videorecs_widgets.clients import personalize_clients, wait_until_active
from videorecs_widgets.local.exceptions import InvalidInputException
from videorecs_widgets.local.filters import (
    ItemIndex,
    apply_filter,
    parse_filter_expression,
    parse_filter_value,
)

ITEMS = pd.DataFrame({
    "ITEM_ID": ["1", "2", "3", "4"],
    "GENRES": ["Comedy|Romance", "Horror", "Comedy", None],
    "YEAR": [1995, 1980, 1960, 1999],
})
HISTORY = {"click": {"1"}, "watch": {"2", "3"}}


def _apply(expression: str, values: dict | None = None):
    def interacted(event_types):
        if event_types is None:
            return set().union(*HISTORY.values())
        return set().union(*(HISTORY.get(t, set()) for t in event_types))

    return apply_filter(parse_filter_expression(expression), filter_values=values,
                        items=ItemIndex(ITEMS), interacted=interacted)


def test_parse_filter_expression__blocks_and_params():
    expression = parse_filter_expression(
        'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("*") | '
        "INCLUDE ItemID WHERE Items.GENRES IN ($GENRE) AND Items.YEAR >= $FROM")
    assert [b.action for b in expression.blocks] == ["EXCLUDE", "INCLUDE"]
    assert expression.params == {"GENRE", "FROM"}
    assert expression.item_fields == {"GENRES", "YEAR"}
    assert expression.blocks[1].conditions[1].op == ">="


def test_apply_filter__exclude_interacted():
    assert _apply('EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("*")') == (
        {"1", "2", "3"}, None)
    assert _apply('EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("watch")') == (
        {"2", "3"}, None)


def test_apply_filter__include_by_param_with_several_values():
    exclude, allowed = _apply("INCLUDE ItemID WHERE Items.GENRES IN ($G)",
                              {"G": '"Horror","Romance"'})
    assert (exclude, allowed) == (set(), {"1", "2"})


def test_apply_filter__include_then_exclude_in_order():
    exclude, allowed = _apply('INCLUDE ItemID WHERE Items.GENRES IN ("Comedy") | '
                              'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("click")')
    assert exclude == {"1"} and allowed == {"3"}


def test_apply_filter__numeric_and_not_in():
    assert _apply("INCLUDE ItemID WHERE Items.YEAR < 1990")[1] == {"2", "3"}
    assert _apply('INCLUDE ItemID WHERE Items.GENRES NOT IN ("Comedy")')[1] == {"2", "4"}
    assert _apply("EXCLUDE ItemID WHERE Items.YEAR > $Y", {"Y": '"1990"'})[0] == {"1", "4"}


def test_apply_filter__exclude_without_value_is_skipped():
    assert _apply("EXCLUDE ItemID WHERE Items.GENRES IN ($G)", {}) == (set(), None)


def test_apply_filter__include_without_value():
    with pytest.raises(InvalidInputException, match=r"Filter values are missing for \$G"):
        _apply("INCLUDE ItemID WHERE Items.GENRES IN ($G)", {})


def test_parse_filter_value__quoted():
    assert parse_filter_value("G", '"Comedy","Film-Noir"') == ["Comedy", "Film-Noir"]
    assert parse_filter_value("G", ' "Comedy" , "Film-Noir" ') == ["Comedy", "Film-Noir"]
    assert parse_filter_value("T", '"Say \\"Hi\\", please"') == ['Say "Hi", please']
    assert parse_filter_value("Y", '"1990"') == ["1990"]


@pytest.mark.parametrize(
    ("raw", "example"),
    [
        ("Horror", '"Horror"'),
        ("Comedy, Drama", '"Comedy","Drama"'),
        ('"Comedy",Drama', '"Comedy","Drama"'),
        ("1990", '"1990"'),
        ("", '"Comedy","Drama"'),
    ],
)
def test_parse_filter_value__unquoted_refused(raw, example):
    with pytest.raises(InvalidInputException) as excinfo:
        parse_filter_value("G", raw)
    assert excinfo.value.message == (
        f"Filter value for $G is {raw!r}: Amazon Personalize wants each value in double quotes, "
        f"several separated by commas; pass {example!r}.")


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ('INCLUDE UserID WHERE Users.AGE > 30',
         "filters on UserID (user segments) are not handled"),
        ('EXCLUDE ItemID WHERE Items.GENRES IN ("A") OR Items.YEAR > 1',
         "OR between conditions is not handled; use separate blocks joined with |"),
        ('INCLUDE ItemID WHERE Items.GENRES IN ("A") IF CurrentUser.AGE > 30',
         "IF CurrentUser... conditions are not handled"),
        ('INCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("click")',
         "INCLUDE on Interactions is not handled"),
        ('EXCLUDE ItemID WHERE Interactions.EVENT_VALUE > 3',
         "Interactions.EVENT_VALUE is not handled (only Interactions.EVENT_TYPE)"),
        ('INCLUDE ItemID WHERE CurrentItem.GENRES IN ("A")',
         "CurrentItem.GENRES (the current item) is not handled"),
    ],
)
def test_create_filter__unsupported_expression(tmp_path, expression, message):
    p = personalize_clients("local", workspace=tmp_path / "ws").personalize
    group = p.create_dataset_group(name="g")["datasetGroupArn"]
    with pytest.raises(ClientError) as excinfo:
        p.create_filter(name="f", datasetGroupArn=group, filterExpression=expression)
    error = excinfo.value.response["Error"]
    assert error["Code"] == "InvalidInputException"
    assert error["Message"].startswith(
        f"Filter expression {expression!r} is not supported by the embedded engine: {message}")
    assert p.list_filters()["Filters"] == []


def test_create_filter__syntax_error(tmp_path):
    p = personalize_clients("local", workspace=tmp_path / "ws").personalize
    group = p.create_dataset_group(name="g")["datasetGroupArn"]
    with pytest.raises(ClientError) as excinfo:
        p.create_filter(name="f", datasetGroupArn=group,
                        filterExpression="EXCLUDE ItemID WHERE Items.GENRES IN (Comedy)")
    assert excinfo.value.response["Error"]["Message"] == (
        "Filter expression 'EXCLUDE ItemID WHERE Items.GENRES IN (Comedy)': expected a quoted "
        "value, a number or $PARAM but found 'Comedy'.")


def test_create_filter__items_field_without_items_dataset(tmp_path):
    p = personalize_clients("local", workspace=tmp_path / "ws").personalize
    group = p.create_dataset_group(name="g")["datasetGroupArn"]
    expression = 'INCLUDE ItemID WHERE Items.GENRES IN ("Comedy")'
    with pytest.raises(ClientError) as excinfo:
        p.create_filter(name="f", datasetGroupArn=group, filterExpression=expression)
    assert excinfo.value.response["Error"]["Message"] == (
        f"Filter expression {expression!r} uses Items.GENRES, but the dataset group {group} has "
        "no ITEMS dataset.")


def test_create_filter__field_not_in_items_schema(tmp_path):
    p = personalize_clients("local", workspace=tmp_path / "ws").personalize
    group = p.create_dataset_group(name="g")["datasetGroupArn"]
    schema = p.create_schema(name="items", schema=json.dumps({
        "type": "record", "name": "Items",
        "fields": [{"name": "ITEM_ID", "type": "string"}, {"name": "GENRES", "type": "string"}],
    }))["schemaArn"]
    p.create_dataset(name="items", schemaArn=schema, datasetGroupArn=group, datasetType="Items")
    with pytest.raises(ClientError) as excinfo:
        p.create_filter(name="f", datasetGroupArn=group,
                        filterExpression="INCLUDE ItemID WHERE Items.PRICE < 10")
    assert excinfo.value.response["Error"]["Message"].endswith(
        "uses Items.PRICE, which is not a field of the ITEMS schema (GENRES, ITEM_ID).")
    arn = p.create_filter(name="f", datasetGroupArn=group,
                          filterExpression="INCLUDE ItemID WHERE Items.GENRES IN ($G)",
                          )["filterArn"]
    described = wait_until_active(p, arn)
    assert described["filterExpression"] == "INCLUDE ItemID WHERE Items.GENRES IN ($G)"
    assert described["datasetGroupArn"] == group
    p.delete_filter(filterArn=arn)
    with pytest.raises(ClientError) as excinfo:
        p.describe_filter(filterArn=arn)
    assert excinfo.value.response["Error"]["Message"] == f"Resource Arn {arn} does not exist."


def _typed_items_group(p) -> str:
    group = p.create_dataset_group(name="g")["datasetGroupArn"]
    schema = p.create_schema(name="items", schema=json.dumps({
        "type": "record", "name": "Items",
        "fields": [{"name": "ITEM_ID", "type": "string"},
                   {"name": "GENRES", "type": "string", "categorical": True},
                   {"name": "YEAR", "type": ["null", "int"]},
                   {"name": "FREE", "type": "boolean"}],
    }))["schemaArn"]
    p.create_dataset(name="items", schemaArn=schema, datasetGroupArn=group, datasetType="Items")
    return group


@pytest.mark.parametrize(("expression", "message"), [
    ("INCLUDE ItemID WHERE Items.GENRES < 5",
     "Items.GENRES < compares a string field; the comparisons = < <= > >= are for numeric "
     "fields, use IN or NOT IN for this one."),
    ('INCLUDE ItemID WHERE Items.GENRES = "Comedy"',
     "Items.GENRES = compares a string field; the comparisons = < <= > >= are for numeric "
     "fields, use IN or NOT IN for this one."),
    ('INCLUDE ItemID WHERE Items.GENRES IN ("*")',
     '"*" in Items.GENRES IN (...) matches no item; "*" (every event type) is only for '
     "Interactions.EVENT_TYPE."),
    ('INCLUDE ItemID WHERE Items.YEAR > "abc"',
     "Items.YEAR > 'abc' gives a value that is not a finite number, but Items.YEAR is a "
     "numeric (int) field."),
    ('EXCLUDE ItemID WHERE Items.YEAR IN ("1995", "soon")',
     "Items.YEAR IN 'soon' gives a value that is not a finite number, but Items.YEAR is a "
     "numeric (int) field."),
    ('INCLUDE ItemID WHERE Items.YEAR < "inf"',
     "Items.YEAR < 'inf' gives a value that is not a finite number, but Items.YEAR is a "
     "numeric (int) field."),
    ('INCLUDE ItemID WHERE Items.YEAR >= "-Infinity"',
     "Items.YEAR >= '-Infinity' gives a value that is not a finite number, but Items.YEAR is a "
     "numeric (int) field."),
    ('EXCLUDE ItemID WHERE Items.YEAR IN ("nan")',
     "Items.YEAR IN 'nan' gives a value that is not a finite number, but Items.YEAR is a "
     "numeric (int) field."),
    ('INCLUDE ItemID WHERE Items.FREE IN ("true")',
     "Items.FREE is a boolean field, and Amazon Personalize cannot filter on boolean fields; "
     'use a string field holding "True" / "False" instead.'),
])
def test_create_filter__condition_that_does_not_fit_the_field(tmp_path, expression, message):
    p = personalize_clients("local", workspace=tmp_path / "ws").personalize
    group = _typed_items_group(p)
    with pytest.raises(ClientError) as excinfo:
        p.create_filter(name="f", datasetGroupArn=group, filterExpression=expression)
    error = excinfo.value.response["Error"]
    assert (error["Code"], error["Message"]) == (
        "InvalidInputException", f"Filter expression {expression!r}: {message}")
    assert p.list_filters()["Filters"] == []


def test_create_filter__conditions_that_fit_the_fields(tmp_path):
    p = personalize_clients("local", workspace=tmp_path / "ws").personalize
    group = _typed_items_group(p)
    for n, expression in enumerate([
        'INCLUDE ItemID WHERE Items.YEAR IN ("1995", 1996)',
        "INCLUDE ItemID WHERE Items.YEAR >= 1990 AND Items.YEAR < $TO",
        'EXCLUDE ItemID WHERE Items.GENRES NOT IN ("Comedy", $G)',
        'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("*")',
    ]):
        p.create_filter(name=f"f{n}", datasetGroupArn=group, filterExpression=expression)
    assert len(p.list_filters()["Filters"]) == 4


def test_apply_filter__numbers_match_as_numbers():
    # A nullable int column comes back from CSV as floats (1995.0) with gaps.
    items = pd.DataFrame({"ITEM_ID": ["1", "2", "3"], "YEAR": [1995.0, None, 1980.0],
                          "CODE": [7.0, None, 12.0]})
    index = ItemIndex(items, {"YEAR": "int", "CODE": "string"})
    expression = parse_filter_expression("INCLUDE ItemID WHERE Items.YEAR IN ($Y)")
    for raw in ('"1995"', '"1995.0"', '" 1995 "'):
        assert apply_filter(expression, filter_values={"Y": raw}, items=index,
                            interacted=lambda _: set()) == (set(), {"1"})
    assert index.matching("YEAR", "NOT IN", ["1995"]) == {"2", "3"}
    assert index.matching("CODE", "IN", ["7"]) == {"1"}  # a text field of digits: text "7"
    with pytest.raises(InvalidInputException, match=r"compares a field that is not numeric"):
        index.matching("CODE", "<", ["9"])
    with pytest.raises(InvalidInputException, match=r"each value must be a finite number"):
        index.matching("YEAR", "IN", ["1995", "later"])


# -- filterValues through the runtime API --------------------------------------------------------

def _schema(name: str, fields: list[dict]) -> str:
    return json.dumps({"type": "record", "name": name,
                       "namespace": "com.amazonaws.personalize.schema", "fields": fields,
                       "version": "1.0"})


@pytest.fixture
def genre_group(tmp_path):
    """A dataset group of 60 users, each with 20 of 40 items (even ones Horror, odd Comedy)."""
    p, runtime = personalize_clients("local", workspace=tmp_path / "ws")
    group = p.create_dataset_group(name="g")["datasetGroupArn"]
    files = {
        "Interactions": pd.DataFrame(
            [(f"u{u}", f"i{(u + k) % 40}", 1_600_000_000 + 100 * u + k)
             for u in range(60) for k in range(20)],
            columns=["USER_ID", "ITEM_ID", "TIMESTAMP"]),
        "Items": pd.DataFrame({"ITEM_ID": [f"i{i}" for i in range(40)],
                               "GENRES": ["Horror" if i % 2 == 0 else "Comedy"
                                          for i in range(40)],
                               "YEAR": [1960 + i for i in range(40)]}),
    }
    fields = {
        "Interactions": [{"name": "USER_ID", "type": "string"},
                         {"name": "ITEM_ID", "type": "string"},
                         {"name": "TIMESTAMP", "type": "long"}],
        "Items": [{"name": "ITEM_ID", "type": "string"},
                  {"name": "GENRES", "type": "string", "categorical": True},
                  {"name": "YEAR", "type": ["null", "int"]}],
    }
    for kind, frame in files.items():
        schema = p.create_schema(name=kind, schema=_schema(kind, fields[kind]))["schemaArn"]
        dataset = p.create_dataset(name=kind, schemaArn=schema, datasetGroupArn=group,
                                   datasetType=kind)["datasetArn"]
        path = tmp_path / f"{kind}.csv"
        frame.to_csv(path, index=False)
        wait_until_active(p, p.create_dataset_import_job(
            jobName=kind, datasetArn=dataset,
            dataSource={"dataLocation": str(path)})["datasetImportJobArn"])
    return p, runtime, group


def _campaign(p, group: str, recipe: str, hyperparameters: dict | None = None) -> str:
    config = {"algorithmHyperParameters": hyperparameters} if hyperparameters else {}
    solution = p.create_solution(name=f"s-{len(p.list_solutions()['solutions'])}",
                                 datasetGroupArn=group, solutionConfig=config,
                                 recipeArn=f"arn:aws:personalize:::recipe/{recipe}",
                                 )["solutionArn"]
    version = wait_until_active(p, p.create_solution_version(
        solutionArn=solution)["solutionVersionArn"])["solutionVersionArn"]
    return wait_until_active(p, p.create_campaign(
        name=solution.rsplit("/", 1)[1], solutionVersionArn=version)["campaignArn"])["campaignArn"]


@pytest.fixture
def genre_campaign(genre_group):
    """A popularity campaign over the genre group, and an INCLUDE and EXCLUDE genre filter."""
    p, runtime, group = genre_group
    campaign = _campaign(p, group, "aws-popularity-count")
    filters = {
        action: wait_until_active(p, p.create_filter(
            name=action.lower(), datasetGroupArn=group,
            filterExpression=f"{action} ItemID WHERE Items.GENRES IN ($GENRE)")["filterArn"],
        )["filterArn"]
        for action in ("INCLUDE", "EXCLUDE")
    }
    return runtime, campaign, filters


def test_exclude_interacted_false_lets_history_back_unless_a_filter_removes_it(genre_group):
    p, runtime, group = genre_group
    history = {f"i{(1 + k) % 40}" for k in range(20)}  # u1's items
    default = _campaign(p, group, "aws-user-personalization")
    rewatch = _campaign(p, group, "aws-user-personalization",
                        {"exclude_interacted": "false"})
    unseen = wait_until_active(p, p.create_filter(
        name="unseen", datasetGroupArn=group,
        filterExpression='EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("*")')["filterArn"],
    )["filterArn"]

    def ids(campaign, **kwargs):
        return [e["itemId"] for e in runtime.get_recommendations(
            campaignArn=campaign, userId="u1", numResults=40, **kwargs)["itemList"]]

    assert len(ids(default)) == 20 and not set(ids(default)) & history
    assert set(ids(rewatch)) == {f"i{i}" for i in range(40)}
    assert set(ids(rewatch, filterArn=unseen)) == set(ids(default))
    with pytest.raises(ClientError, match="'exclude_interacted' is 'maybe', but it must"):
        p.create_solution(  # refused at once, as the service refuses a bad value
            name="bad", datasetGroupArn=group,
            recipeArn="arn:aws:personalize:::recipe/aws-user-personalization",
            solutionConfig={"algorithmHyperParameters": {"exclude_interacted": "maybe"}})


def test_get_recommendations__quoted_filter_values(genre_campaign):
    runtime, campaign, filters = genre_campaign
    horror = {f"i{i}" for i in range(0, 40, 2)}
    included = [e["itemId"] for e in runtime.get_recommendations(
        campaignArn=campaign, userId="u1", filterArn=filters["INCLUDE"],
        filterValues={"GENRE": '"Horror"'})["itemList"]]
    assert included and set(included) <= horror
    both = [e["itemId"] for e in runtime.get_recommendations(
        campaignArn=campaign, userId="u1", filterArn=filters["INCLUDE"],
        filterValues={"GENRE": '"Horror","Comedy"'}, numResults=40)["itemList"]]
    assert set(both) - horror and set(both) & horror
    excluded = [e["itemId"] for e in runtime.get_recommendations(
        campaignArn=campaign, userId="u1", filterArn=filters["EXCLUDE"],
        filterValues={"GENRE": '"Horror"'})["itemList"]]
    assert excluded and not set(excluded) & horror


@pytest.mark.parametrize(("action", "raw", "example"), [
    ("INCLUDE", "Horror", '"Horror"'),
    ("INCLUDE", "Horror,Comedy", '"Horror","Comedy"'),
    ("EXCLUDE", "Horror", '"Horror"'),
])
def test_get_recommendations__unquoted_filter_values(genre_campaign, action, raw, example):
    runtime, campaign, filters = genre_campaign
    with pytest.raises(ClientError) as excinfo:
        runtime.get_recommendations(campaignArn=campaign, userId="u1",
                                    filterArn=filters[action], filterValues={"GENRE": raw})
    error = excinfo.value.response["Error"]
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert (error["Code"], error["Message"]) == (
        "InvalidInputException",
        f"Filter value for $GENRE is {raw!r}: Amazon Personalize wants each value in double "
        f"quotes, several separated by commas; pass {example!r}.")


def _year_filter(genre_group, expression: str) -> tuple:
    p, runtime, group = genre_group
    campaign = _campaign(p, group, "aws-popularity-count")
    arn = wait_until_active(p, p.create_filter(
        name="years", datasetGroupArn=group, filterExpression=expression)["filterArn"],
    )["filterArn"]
    return runtime, campaign, arn


def test_get_recommendations__comparison_with_several_values(genre_group):
    expression = "INCLUDE ItemID WHERE Items.YEAR > $Y"
    runtime, campaign, arn = _year_filter(genre_group, expression)
    later = runtime.get_recommendations(campaignArn=campaign, userId="u1", filterArn=arn,
                                        filterValues={"Y": '"1995"'}, numResults=40)
    assert {e["itemId"] for e in later["itemList"]} <= {f"i{i}" for i in range(36, 40)}
    with pytest.raises(ClientError) as excinfo:
        runtime.get_recommendations(campaignArn=campaign, userId="u1", filterArn=arn,
                                    filterValues={"Y": '"1998","1900"'})
    error = excinfo.value.response["Error"]
    assert (error["Code"], error["Message"]) == (
        "InvalidInputException",
        f"Filter {expression!r}: Items.YEAR > $Y compares with one value, but filterValues "
        "gives $Y 2 values ('\"1998\",\"1900\"'); pass one.")


@pytest.mark.parametrize("raw", ['"inf"', '"-inf"', '"NaN"', '"1e999"'])
def test_get_recommendations__non_finite_filter_value(genre_group, raw):
    runtime, campaign, arn = _year_filter(genre_group, "INCLUDE ItemID WHERE Items.YEAR < $Y")
    with pytest.raises(ClientError) as excinfo:
        runtime.get_recommendations(campaignArn=campaign, userId="u1", filterArn=arn,
                                    filterValues={"Y": raw})
    error = excinfo.value.response["Error"]
    assert (error["Code"], error["Message"]) == (
        "InvalidInputException",
        f"Filter condition Items.YEAR < {raw[1:-1]!r}: Items.YEAR is a numeric field, so each "
        "value must be a finite number.")
