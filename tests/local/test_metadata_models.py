"""User models with item metadata and demographics (see videorecs_widgets/local/metadata.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from videorecs_widgets.local.metadata import (
    MAX_FIELD_VALUES,
    Demographics,
    ItemContent,
    one_hot,
)
from videorecs_widgets.local.recipes import (
    RECIPE_PREFIX,
    TrainedModel,
    TrainingError,
    evaluate,
    train,
)
from videorecs_widgets.local.vocab import Vocabulary

USER_MODEL = RECIPE_PREFIX + "aws-user-personalization"
USER_RECIPES = [
    RECIPE_PREFIX + name
    for name in ("aws-user-personalization", "aws-user-personalization-v2")
]
RANKING = RECIPE_PREFIX + "aws-personalized-ranking"


@pytest.fixture(scope="module")
def lab(ml100k_dir) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The lab's interactions (ratings above 3.6), Items and Users frames, as notebook 04's."""
    from videorecs_widgets import movielens, personalize_data

    data = movielens.load(ml100k_dir)
    return (
        personalize_data.interactions_frame(data.ratings),
        personalize_data.items_frame(data.movies),
        personalize_data.users_frame(data.users),
    )


@pytest.fixture(scope="module")
def lab_models(lab) -> dict[str, TrainedModel]:
    interactions, items, users = lab
    return {
        "only": train(USER_MODEL, interactions),
        "items": train(USER_MODEL, interactions, items=items),
        "users": train(USER_MODEL, interactions, users=users),
        "both": train(USER_MODEL, interactions, items=items, users=users),
    }


def _top(model: TrainedModel, user: str, n: int = 10) -> list[str]:
    return [item for item, _ in model.recommend(user, n)]


# -- the lab's data --------------------------------------------------------------------------
@pytest.mark.parametrize("variant", ["items", "users", "both"])
def test_lab_metadata_changes_some_lists_but_keeps_most(lab, lab_models, variant):
    interactions, _, _ = lab
    users = sorted(interactions["USER_ID"].unique(), key=int)
    overlaps = [
        len(set(_top(lab_models["only"], u)) & set(_top(lab_models[variant], u))) for u in users
    ]
    changed = sum(o < 10 for o in overlaps)
    # The priors are small next to the collaborative scores: they reorder the edges of
    # the lists for some users (81 with items, 134 with users when measured), not all.
    assert 20 <= changed <= 400
    assert np.mean(overlaps) > 9.5


def test_lab_cold_user_with_demographics_gets_what_people_like_them_like(lab, lab_models):
    interactions, _, users = lab
    # User 685 (32, F, librarian) rated nothing above 3.6, so has no interactions at all.
    assert "685" not in set(interactions["USER_ID"])
    assert users.set_index("USER_ID").loc["685"].tolist() == [32, "F", "librarian"]
    popular = _top(lab_models["only"], "685", 25)
    demographic = _top(lab_models["users"], "685", 25)
    assert lab_models["users"].recommend_is_cold("685")
    assert demographic != popular
    assert len(set(demographic) - set(popular)) >= 3
    # Films on the demographic list are liked by women more than the popular list's films.
    gender = interactions["USER_ID"].map(users.set_index("USER_ID")["GENDER"])
    female_share = (gender == "F").groupby(interactions["ITEM_ID"]).mean()
    assert female_share[demographic].mean() > female_share[popular].mean() + 0.01
    # A cold user the Users data does not know still gets the popular items.
    assert _top(lab_models["users"], "no-such-user", 25) == popular


def test_lab_metrics_differ_from_interactions_only(lab):
    interactions, items, users = lab
    only = evaluate(USER_MODEL, interactions, seed=0)
    rounded = {k: round(v, 4) for k, v in only.items()}
    for options in ({"items": items}, {"users": users}):
        with_metadata = evaluate(USER_MODEL, interactions, seed=0, **options)
        assert {k: round(v, 4) for k, v in with_metadata.items()} != rounded
        # Within noise of the interactions-only model (benchmarks/metadata.py: no robust
        # gain or loss on the documented protocol), not a different model.
        for name in ("precision_at_10", "normalized_discounted_cumulative_gain_at_10"):
            assert abs(with_metadata[name] - only[name]) < 0.01


def test_lab_ranking_uses_metadata_too(lab):
    interactions, items, users = lab
    catalogue = sorted(set(interactions["ITEM_ID"]), key=int)[:200]
    plain = train(RANKING, interactions).rank("685", catalogue)
    informed = train(RANKING, interactions, items=items, users=users).rank("685", catalogue)
    assert sorted(i for i, _ in informed) == sorted(catalogue)
    assert [i for i, _ in informed][:10] != [i for i, _ in plain][:10]


@pytest.mark.parametrize("recipe", USER_RECIPES)
def test_lab_save_and_load_keep_the_metadata_behaviour(lab, tmp_path, recipe):
    interactions, items, users = lab
    model = train(recipe, interactions, items=items, users=users)
    model.save(tmp_path / "model.npz")
    loaded = TrainedModel.load(tmp_path / "model.npz")
    assert loaded.content is not None and loaded.demographics is not None
    for user in ("685", "196", "302", "1"):
        assert loaded.recommend(user, 25) == model.recommend(user, 25)
        assert loaded.rank(user, ["50", "100", "181", "1"]) == model.rank(
            user, ["50", "100", "181", "1"]
        )


def test_zero_weights_give_the_interactions_only_model(lab, lab_models):
    interactions, items, users = lab
    off = train(
        USER_MODEL,
        interactions,
        items=items,
        users=users,
        hyperparameters={"item_metadata_weight": "0", "user_metadata_weight": "0"},
    )
    assert off.content is None and off.demographics is None
    for user in ("685", "196", "302"):
        assert _top(off, user, 25) == _top(lab_models["only"], user, 25)


# -- small hand-made cases -------------------------------------------------------------------
def _two_tastes() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """40 users: 16 in group "a" watch items 0-9, 24 in group "b" items 10-19."""
    rows = []
    for u in range(40):
        # group "a" is smaller, so globally items 10-19 are the popular ones
        block = range(0, 10) if u < 16 else range(10, 20)
        for k, item in enumerate(block):
            rows.append((f"u{u}", f"i{item}", 1_000 + 10 * k + u))
    interactions = pd.DataFrame(rows * 3, columns=["USER_ID", "ITEM_ID", "TIMESTAMP"])
    interactions["TIMESTAMP"] = np.arange(len(interactions))
    users = pd.DataFrame(
        {
            "USER_ID": [f"u{u}" for u in range(40)] + ["new-a", "new-b"],
            "GROUP": ["a" if u < 16 else "b" for u in range(40)] + ["a", "b"],
            "AGE": [20 + u for u in range(40)] + [np.nan, 33],
        }
    )
    items = pd.DataFrame(
        {
            "ITEM_ID": [f"i{n}" for n in range(21)],
            "GENRES": ["Western" if n < 10 else "Drama|Comedy" for n in range(21)],
            "YEAR": [1950 + n for n in range(20)] + [np.nan],
        }
    )
    return interactions, items, users


def test_cold_users_get_their_groups_items():
    interactions, _, users = _two_tastes()
    # 16 and 24 users per group: little smoothing, or the prior (global popularity) wins.
    model = train(USER_MODEL, interactions, users=users,
                  hyperparameters={"demographic_smoothing": "4"})
    first_a = [item for item, _ in model.recommend("new-a", 8)]
    first_b = [item for item, _ in model.recommend("new-b", 8)]
    assert set(first_a) <= {f"i{n}" for n in range(10)}
    assert set(first_b) <= {f"i{n}" for n in range(10, 20)}
    plain = train(USER_MODEL, interactions)
    assert set(i for i, _ in plain.recommend("new-a", 8)) <= {f"i{n}" for n in range(10, 20)}


def test_one_hot_reads_categorical_and_numeric_fields_and_skips_missing_values():
    _, items, users = _two_tastes()
    found = one_hot(items, "ITEM_ID", Vocabulary(items["ITEM_ID"]))
    genres = [n for n in found.names if n.startswith("GENRES=")]
    assert genres == ["GENRES=Comedy", "GENRES=Drama", "GENRES=Western"]
    years = [n for n in found.names if n.startswith("YEAR=")]
    assert years == ["YEAR=1950-1953", "YEAR=1954-1957", "YEAR=1958-1961", "YEAR=1962-1965",
                     "YEAR=1966-1969"]
    row = found.matrix[items.index[items.ITEM_ID == "i20"][0]]  # no year: genres only
    assert [found.names[c] for c in row.indices] == ["GENRES=Drama", "GENRES=Comedy"][::-1]
    demo = one_hot(users, "USER_ID", Vocabulary(users["USER_ID"]))
    assert demo.matrix[40].indices.tolist() == [demo.names.index("GROUP=a")]  # AGE NaN


def test_one_hot_keeps_the_most_frequent_values_of_a_wide_field():
    # 300 zip codes on 2 rows each, and "00000" on 5: only MAX_FIELD_VALUES (200) are kept.
    zips = [f"{n:05d}" for n in range(1, 301) for _ in range(2)] + ["00000"] * 5
    frame = pd.DataFrame({"USER_ID": [f"u{n}" for n in range(len(zips))], "ZIP": zips})
    found = one_hot(frame, "USER_ID", Vocabulary(frame["USER_ID"]))
    assert len(found.names) == MAX_FIELD_VALUES == 200
    assert found.names[0] == "ZIP=00000" and found.names[-1] == "ZIP=00199"


def test_item_content_scores_follow_the_users_genres():
    _, items, _ = _two_tastes()
    vocab = Vocabulary(items["ITEM_ID"])
    content = ItemContent.build(items, vocab)
    westerns = np.array([vocab.index(f"i{n}") for n in range(3)])
    scores = content.scores(westerns, np.ones(3))
    # A western watcher: other westerns share the genre (1 of 2 fields), Drama|Comedy none.
    assert scores[vocab.index("i5")] > scores[vocab.index("i15")]
    assert scores[vocab.index("i15")] == 0.0
    assert content.scores(np.array([], dtype=np.int64), np.ones(0)).sum() == 0.0


def test_demographics_score_is_the_smoothed_naive_bayes_lift():
    interactions, _, users = _two_tastes()
    model = train(USER_MODEL, interactions, users=users,
                  hyperparameters={"demographic_smoothing": "4"})
    demo = model.demographics
    assert isinstance(demo, Demographics)
    # i0: watched by the 16 "a" users, no "b" user, out of 40: P(i0) = 0.4, and for group a
    # P(i0 | a) = (16 + 4 * 0.4) / (16 + 4); i10 by the 24 "b" users: P(i10 | a) =
    # (0 + 4 * 0.6) / (16 + 4). new-a has no AGE, so its score is P(i) * P(i | a) / P(i).
    scores = demo.scores("new-a")
    item = model.items.index
    p_a_i0 = (16 + 4 * 0.4) / (16 + 4)
    p_a_i10 = (0 + 4 * 0.6) / (16 + 4)
    assert scores[item("i0")] / scores[item("i10")] == pytest.approx(p_a_i0 / p_a_i10)
    assert demo.scores("no-such-user") is None


# -- bad metadata ----------------------------------------------------------------------------
def test_metadata_without_its_id_column_is_refused_naming_the_columns(lab):
    interactions, items, users = lab
    with pytest.raises(TrainingError) as error:
        train(USER_MODEL, interactions, items=items.rename(columns={"ITEM_ID": "item"}))
    assert str(error.value) == (
        "Cannot train: the items data has no column 'ITEM_ID' "
        "(columns found: ['item', 'YEAR', 'GENRES'])."
    )
    with pytest.raises(TrainingError, match="the users data must be a pandas DataFrame, not dict"):
        train(USER_MODEL, interactions, users={"USER_ID": ["1"]})


def test_missing_metadata_values_are_ignored_and_no_fields_means_interactions_only(lab, lab_models):
    interactions, items, users = lab
    holes = users.copy()
    holes.loc[holes.USER_ID == "685", ["AGE", "GENDER", "OCCUPATION"]] = [np.nan, None, None]
    holes.loc[len(holes)] = [None, 30, "M", "writer"]  # a row without an id is skipped
    model = train(USER_MODEL, interactions, users=holes)
    # 685 has no usable value left: the popular items, as for a user without a Users row.
    assert _top(model, "685", 25) == _top(lab_models["only"], "685", 25)
    assert _top(model, "196", 25) == _top(lab_models["users"], "196", 25)
    ids_only = train(USER_MODEL, interactions, items=items[["ITEM_ID"]], users=users[["USER_ID"]])
    assert ids_only.content is None and ids_only.demographics is None
    assert _top(ids_only, "196", 25) == _top(lab_models["only"], "196", 25)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("item_metadata_weight", "nan"),
        ("item_metadata_weight", "-0.1"),
        ("user_metadata_weight", "heavy"),
        ("user_metadata_weight", "11"),
        ("demographic_smoothing", "0"),
        ("demographic_smoothing", "inf"),
    ],
)
def test_bad_metadata_hyperparameters_are_refused_naming_the_value(lab, name, value):
    interactions, _, _ = lab
    with pytest.raises(TrainingError) as error:
        train(USER_MODEL, interactions, hyperparameters={name: value})
    assert f"hyperparameter {name!r} is {value!r}" in str(error.value)


# -- through real boto3 clients --------------------------------------------------------------
def test_campaign_with_a_users_dataset_answers_a_cold_user_from_demographics(
    ml100k_dir, tmp_path
):
    """Notebook 04's demographics group, served by the engine: user 685 has no interactions."""
    from videorecs_widgets import personalize_data
    from videorecs_widgets.catalog import Catalog
    from videorecs_widgets.clients import personalize_clients
    from videorecs_widgets.provision import (
        ensure_campaign,
        ensure_dataset,
        ensure_dataset_group,
        ensure_import_job,
        ensure_schema,
        ensure_solution,
        ensure_solution_version,
    )

    files = personalize_data.write_lab_files(Catalog.from_movielens(ml100k_dir.parent), tmp_path)
    personalize, runtime = personalize_clients("local", workspace=tmp_path / "engine")
    recipe = RECIPE_PREFIX + "aws-user-personalization-v2"
    campaigns = {}
    for variant, extra in (("only", []), ("users", [("Users", "users")])):
        group = ensure_dataset_group(personalize, f"group-{variant}")
        for kind, key in [("Interactions", "interactions"), *extra]:
            schema = ensure_schema(
                personalize, f"{key}-schema", getattr(personalize_data, f"{key.upper()}_SCHEMA")
            )
            dataset = ensure_dataset(personalize, group, kind, schema, f"{variant}-{key}")
            ensure_import_job(personalize, dataset, f"{variant}-{key}-import",
                              str(files[key].resolve()))
        version = ensure_solution_version(
            personalize, ensure_solution(personalize, group, f"solution-{variant}", recipe)
        )
        campaigns[variant] = ensure_campaign(personalize, f"campaign-{variant}", version)
    answers = {
        variant: runtime.get_recommendations(campaignArn=arn, userId="685", numResults=25)
        for variant, arn in campaigns.items()
    }
    lists = {v: [entry["itemId"] for entry in a["itemList"]] for v, a in answers.items()}
    assert len(lists["users"]) == len(lists["only"]) == 25
    assert lists["users"] != lists["only"]
    assert lists["only"][:3] == ["50", "100", "181"]  # Star Wars, Fargo, Return of the Jedi
    assert "286" in lists["users"][:10]  # The English Patient, popular with people like her
    # Still popularity (among similar users), and v2 says so.
    assert answers["users"]["itemList"][0]["reason"] == ["Popular item"]
