"""Contract tests run against every recipe, plus the lab's real data (ML-100k, ratings > 3.6)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from videorecs_widgets.errors import EngineError
from videorecs_widgets.local import recipes
from videorecs_widgets.local.recipes import (
    RECIPE_PREFIX,
    RECIPES,
    ModelFileError,
    RecipeKindError,
    TrainedModel,
    TrainingError,
    evaluate,
    recommendations_for_test_users,
    train,
)

ALL = sorted(RECIPES)
USER_KINDS = [a for a in ALL if RECIPES[a].kind in ("user", "popularity")]
RANKING = [a for a in ALL if RECIPES[a].kind in ("ranking", "user")]
RELATED = [a for a in ALL if RECIPES[a].kind == "related-items"]


def _synthetic(n_users: int = 60, n_items: int = 80, per_user: int = 25) -> pd.DataFrame:
    """Users walk through items in two "taste" blocks, so neighbours are learnable."""
    rng = np.random.default_rng(42)
    rows = []
    for u in range(n_users):
        block = 0 if u % 2 == 0 else 40
        start = int(rng.integers(0, 40))
        for k in range(per_user):
            item = block + (start + k) % 40
            rows.append((f"user{u}", f"item{item}", 1_000_000 + 60 * k + u))
    return pd.DataFrame(rows, columns=["USER_ID", "ITEM_ID", "TIMESTAMP"])


@pytest.fixture(scope="module")
def synthetic() -> pd.DataFrame:
    return _synthetic()


@pytest.fixture(scope="module")
def models(synthetic) -> dict[str, TrainedModel]:
    items = pd.DataFrame(
        {
            "ITEM_ID": [f"item{n}" for n in range(81)],  # item80 never interacted with
            "GENRES": ["Drama|Comedy" if n < 40 else "Horror" for n in range(81)],
        }
    )
    return {arn: train(arn, synthetic, items=items) for arn in ALL}


def test_recipes_table_names_arns_types_and_kinds():
    names = sorted(r.name for r in RECIPES.values())
    assert names == [
        "aws-personalized-ranking",
        "aws-personalized-ranking-v2",
        "aws-popularity-count",
        "aws-similar-items",
        "aws-sims",
        "aws-user-personalization",
        "aws-user-personalization-v2",
    ]
    sims = RECIPES["arn:aws:personalize:::recipe/aws-sims"]
    assert (sims.recipe_type, sims.kind) == ("RELATED_ITEMS", "related-items")
    pop = RECIPES[RECIPE_PREFIX + "aws-popularity-count"]
    assert (pop.recipe_type, pop.kind) == ("USER_PERSONALIZATION", "popularity")
    assert RECIPES[RECIPE_PREFIX + "aws-personalized-ranking-v2"].recipe_type == (
        "PERSONALIZED_RANKING"
    )
    assert all(arn == RECIPE_PREFIX + info.name for arn, info in RECIPES.items())


@pytest.mark.parametrize("arn", USER_KINDS)
def test_recommend_unknown_user_gets_popular_items(models, synthetic, arn):
    model = models[arn]
    assert not model.is_known_user("nobody")
    assert model.recommend_is_cold("nobody")
    assert model.seen_items("nobody") == []
    counts = synthetic["ITEM_ID"].value_counts()
    got = [item for item, _ in model.recommend("nobody", 5)]
    # The five most-interacted items (ties by id order), exactly as counted from the data.
    expected = sorted(counts.index, key=lambda i: (-counts[i], i))[:5]
    assert got == expected


def test_popularity_gives_every_user_the_same_items(models, synthetic):
    model = models[RECIPE_PREFIX + "aws-popularity-count"]
    counts = synthetic["ITEM_ID"].value_counts()
    expected = sorted(counts.index, key=lambda i: (-counts[i], i))[:30]
    for user in ("user3", "user4", "nobody"):
        assert [item for item, _ in model.recommend(user, 30)] == expected
    history = set(synthetic.loc[synthetic.USER_ID == "user3", "ITEM_ID"])
    assert history & set(expected)  # seen items are not taken out ...
    unseen = [item for item, _ in model.recommend("user3", 30, exclude=history)]
    assert unseen == [i for i in sorted(counts.index, key=lambda i: (-counts[i], i))
                      if i not in history][:30]  # ... unless a filter excludes them


@pytest.mark.parametrize("arn", [a for a in USER_KINDS if RECIPES[a].kind == "user"])
def test_recommend_never_returns_history_or_excluded_items(models, synthetic, arn):
    model = models[arn]
    history = set(synthetic.loc[synthetic.USER_ID == "user3", "ITEM_ID"])
    assert set(model.seen_items("user3")) == history
    assert not model.recommend_is_cold("user3")
    recs = model.recommend("user3", 30, exclude=["item41", "item0"])
    ids = [item for item, _ in recs]
    assert len(ids) == 30 == len(set(ids))
    assert not history & set(ids)
    assert "item41" not in ids and "item0" not in ids
    scores = [score for _, score in recs]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in scores)


@pytest.mark.parametrize("arn", USER_KINDS)
def test_recommend_allowed_restricts_candidates(models, arn):
    allowed = ["item1", "item2", "item79", "not-an-item"]
    ids = [item for item, _ in models[arn].recommend("user3", 25, allowed=allowed)]
    assert set(ids) <= {"item1", "item2", "item79"}
    assert ids  # user3 has seen some of these, but not all three


def test_recommend_scores_are_shares_of_the_whole_catalogue(synthetic):
    # As the service's User-Personalization: every catalogue item's score sums to 1, and an
    # item left out of the answer (the user's history) still counts in that sum.
    arn = RECIPE_PREFIX + "aws-user-personalization"
    everything = train(arn, synthetic, hyperparameters={"exclude_interacted": "false"})
    unseen = train(arn, synthetic).recommend("user3", 500)
    every_item = everything.recommend("user3", 500)
    assert len(every_item) == 80 and len(unseen) == 80 - 25
    assert sum(score for _, score in every_item) == pytest.approx(1.0)
    shares = dict(every_item)
    assert [score for _, score in unseen] == pytest.approx([shares[i] for i, _ in unseen])
    assert 0.0 < sum(score for _, score in unseen) < 1.0
    assert unseen[0][1] < 0.5


@pytest.mark.parametrize("arn", RANKING)
def test_rank_scores_are_shares_of_the_input_list(models, arn):
    ranked = models[arn].rank("user3", ["item41", "item0", "not-an-item", "item79", "item41"])
    assert [item for item, _ in ranked][-1] == "not-an-item"
    scores = dict(ranked)
    assert scores["not-an-item"] == 0.0
    assert sum(scores.values()) == pytest.approx(1.0)
    assert all(0.0 < scores[i] < 1.0 for i in ("item41", "item0", "item79"))


def test_user_model_learns_the_taste_block(models):
    model = models[RECIPE_PREFIX + "aws-user-personalization"]
    # user3 lives in the second block (items 40..79): its top 10 stays there.
    top = [int(item[4:]) for item, _ in model.recommend("user3", 10)]
    assert all(40 <= n < 80 for n in top)


@pytest.mark.parametrize("arn", RELATED)
def test_similar_items_never_contains_the_seed(models, arn):
    model = models[arn]
    for seed in ("item0", "item41", "item79"):
        ids = [item for item, _ in model.similar_items(seed, 25)]
        assert seed not in ids
        assert len(ids) == 25 == len(set(ids))
    # the neighbours of a first-block item are first-block items
    ids = [int(item[4:]) for item, _ in model.similar_items("item5", 10)]
    assert all(n < 40 for n in ids)
    assert not model.similar_is_cold("item5")


@pytest.mark.parametrize("arn", RELATED)
def test_similar_items_unknown_item_gets_popular_items(models, synthetic, arn):
    model = models[arn]
    assert not model.is_known_item("no-such-item")
    assert model.similar_is_cold("no-such-item")
    counts = synthetic["ITEM_ID"].value_counts()
    expected = sorted(counts.index, key=lambda i: (-counts[i], i))[:3]
    assert [item for item, _ in model.similar_items("no-such-item", 3)] == expected


@pytest.mark.parametrize("arn", RANKING)
def test_rank_is_a_permutation_with_unseen_items_last(models, arn):
    model = models[arn]
    given = ["zzz", "item50", "item3", "item42", "new-item", "item3", "item44"]
    ranked = model.rank("user3", given)
    ids = [item for item, _ in ranked]
    assert sorted(ids) == sorted(set(given))
    assert ids[-2:] == ["zzz", "new-item"]  # never seen: at the end, in input order
    assert [s for _, s in ranked[-2:]] == [0.0, 0.0]
    # user3 likes the second block: item3 (first block) comes after the block's items
    assert ids.index("item3") > max(ids.index("item50"), ids.index("item42"))
    # a cold user still gets every item once
    assert sorted(i for i, _ in model.rank("nobody", given)) == sorted(set(given))


@pytest.mark.parametrize("arn", ALL)
def test_wrong_kind_calls_raise_a_clear_error(models, arn):
    model = models[arn]
    calls = {
        "recommend": lambda: model.recommend("user1"),
        "similar_items": lambda: model.similar_items("item1"),
        "rank": lambda: model.rank("user1", ["item1"]),
    }
    allowed = {
        "user": {"recommend", "rank"},
        "popularity": {"recommend"},
        "ranking": {"rank"},
        "related-items": {"similar_items"},
    }[model.kind]
    for name, call in calls.items():
        if name in allowed:
            call()
            continue
        with pytest.raises(RecipeKindError, match=f"Cannot call {name} on a model of recipe"):
            call()
    assert issubclass(RecipeKindError, ValueError) and issubclass(RecipeKindError, EngineError)


def _outputs(model: TrainedModel) -> list:
    if model.kind in ("user", "popularity"):
        return [model.recommend(u, 10) for u in ("user1", "user2", "nobody")]
    if model.kind == "ranking":
        return [model.rank(u, [f"item{n}" for n in range(0, 80, 3)]) for u in ("user1", "user2")]
    return [model.similar_items(i, 10) for i in ("item1", "item60", "nope")]


@pytest.mark.parametrize("arn", ALL)
def test_training_is_deterministic_under_a_seed(models, synthetic, arn):
    again = train(arn, synthetic.sample(frac=1.0, random_state=1).sort_index(), seed=0)
    assert _outputs(again) == _outputs(train(arn, synthetic, seed=0))
    assert again.recipe_arn == arn and again.kind == RECIPES[arn].kind


@pytest.mark.parametrize("arn", ALL)
def test_save_and_load_round_trip_gives_identical_outputs(models, tmp_path, arn):
    model = models[arn]
    path = tmp_path / "models" / "model.npz"
    model.save(path)
    assert [p.name for p in path.parent.iterdir()] == ["model.npz"]  # no temporary file left
    loaded = TrainedModel.load(path)
    assert loaded.recipe_arn == arn and loaded.kind == model.kind
    assert loaded.params == model.params
    assert _outputs(loaded) == _outputs(model)
    assert loaded.seen_items("user7") == model.seen_items("user7")


@pytest.mark.parametrize("arn", [RECIPE_PREFIX + "aws-user-personalization"])
def test_damaged_or_missing_model_file_raises_model_file_error(models, tmp_path, arn):
    path = tmp_path / "model.npz"
    models[arn].save(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFileError, match=r"Cannot load model file .*model\.npz.*damaged"):
        TrainedModel.load(path)
    path.write_bytes(b"not a model at all")
    with pytest.raises(ModelFileError, match="damaged"):
        TrainedModel.load(path)
    with pytest.raises(ModelFileError, match=r"missing\.npz'.*does not exist"):
        TrainedModel.load(tmp_path / "missing.npz")


@pytest.mark.parametrize("arn", ALL)
def test_too_few_interactions_raises_training_error_with_counts(synthetic, arn):
    with pytest.raises(
        TrainingError, match="Too few interactions: 312 found, at least 1,000 needed"
    ):
        train(arn, synthetic.head(312))


def test_too_few_users_and_empty_data_are_refused(synthetic):
    arn = RECIPE_PREFIX + "aws-user-personalization"
    few_users = synthetic[synthetic.USER_ID.isin([f"user{n}" for n in range(20)])]
    few_users = pd.concat([few_users] * 3, ignore_index=True)  # 1,500 rows from 20 users
    with pytest.raises(
        TrainingError, match="20 users with at least 2 interactions found, at least"
    ):
        train(arn, few_users)
    with pytest.raises(TrainingError, match="0 found, at least 1,000 needed"):
        train(arn, synthetic.head(0))
    with pytest.raises(TrainingError, match="no column 'TIMESTAMP'"):
        train(arn, synthetic.drop(columns="TIMESTAMP"))


def test_nan_ids_are_refused_naming_the_column_and_row(synthetic):
    broken = synthetic.copy()
    broken.loc[7, "ITEM_ID"] = None
    with pytest.raises(TrainingError, match="column 'ITEM_ID' is empty \\(NaN\\) in 1 row"):
        train(RECIPE_PREFIX + "aws-sims", broken)


def test_hyperparameters_are_parsed_and_checked(synthetic):
    arn = RECIPE_PREFIX + "aws-user-personalization"
    model = train(arn, synthetic, hyperparameters={"history_decay": "0.5", "neighbours": "10"})
    assert model.params["history_decay"] == 0.5 and model.params["neighbours"] == 10
    assert (
        train(arn, synthetic, hyperparameters={"recency_mask": "false"}).params["history_decay"]
        == 1.0
    )
    with pytest.raises(TrainingError, match="unknown hyperparameter 'hidden_dim'"):
        train(arn, synthetic, hyperparameters={"hidden_dim": "64"})
    with pytest.raises(TrainingError, match="'history_decay' is '1.5', but it must be"):
        train(arn, synthetic, hyperparameters={"history_decay": "1.5"})
    with pytest.raises(TrainingError, match="'window' is 'ten'"):
        train(arn, synthetic, hyperparameters={"window": "ten"})
    with pytest.raises(TrainingError, match="this recipe takes: none"):
        train(RECIPE_PREFIX + "aws-popularity-count", synthetic, hyperparameters={"x": "1"})
    with pytest.raises(TrainingError, match="Unknown recipe 'arn:aws:personalize:::recipe/aws-x'"):
        train(RECIPE_PREFIX + "aws-x", synthetic)


@pytest.mark.parametrize("arn", ALL)
def test_empty_history_test_user_gets_popular_items(models, arn):
    recs = recommendations_for_test_users(models[arn], {"new-user": []})
    popular = [i for i, _ in models[RECIPE_PREFIX + "aws-popularity-count"].recommend("x", 25)]
    assert recs["new-user"] == popular


# -- the lab's real data ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def lab(ml100k_dir) -> pd.DataFrame:
    """ML-100k ratings above 3.6 as the lab prepares them (USER_ID, ITEM_ID, TIMESTAMP)."""
    from videorecs_widgets import movielens, personalize_data

    return personalize_data.interactions_frame(movielens.load(ml100k_dir).ratings)


def test_lab_recommendations_are_real_unrated_movies(lab, ml100k_dir):
    from videorecs_widgets import movielens

    data = movielens.load(ml100k_dir)
    model = train(RECIPE_PREFIX + "aws-user-personalization", lab)
    liked = set(lab.loc[lab.USER_ID == "196", "ITEM_ID"])
    rated = set(data.ratings.loc[data.ratings.user_id == "196", "item_id"])
    recs = [item for item, _ in model.recommend("196", 25)]
    assert len(recs) == 25
    assert set(recs) <= set(data.movies["item_id"])
    assert not set(recs) & liked  # the model's history is its training data: 4 and 5 stars
    strict = [item for item, _ in model.recommend("196", 25, exclude=rated)]
    assert not set(strict) & rated  # films rated 1-3 stars excluded when the caller asks
    sims = train(RECIPE_PREFIX + "aws-sims", lab)
    assert "50" not in [item for item, _ in sims.similar_items("50", 25)]  # Star Wars


def test_lab_user_personalization_beats_popularity_on_precision(lab):
    personal = evaluate(RECIPE_PREFIX + "aws-user-personalization", lab, seed=0)
    popular = evaluate(RECIPE_PREFIX + "aws-popularity-count", lab, seed=0)
    assert set(personal) == set(recipes.metrics_module.METRIC_NAMES)
    assert all(0.0 <= v <= 1.0 for v in personal.values())
    assert personal["precision_at_10"] > 1.5 * popular["precision_at_10"]
    assert personal["coverage"] > popular["coverage"]


def test_similar_items_blends_genres_when_items_have_them(synthetic):
    # item0 and item20 are the only Westerns; users meet them 20 steps apart, so plain
    # co-occurrence ranks item0's direct neighbours first, and the genre blend lifts item20.
    items = pd.DataFrame(
        {
            "ITEM_ID": [f"item{n}" for n in range(80)],
            "GENRES": ["Western" if n in (0, 20) else "Drama|Comedy" for n in range(80)],
        }
    )
    sims = train(RECIPE_PREFIX + "aws-sims", synthetic, items=items)
    assert sims.similar_items("item0", 1)[0][0] != "item20"
    blended = train(
        RECIPE_PREFIX + "aws-similar-items",
        synthetic,
        items=items,
        hyperparameters={"metadata_weight": "0.5"},
    )
    assert blended.similar_items("item0", 1)[0][0] == "item20"
    assert blended.similar_items("item20", 1)[0][0] == "item0"
    # without an items data set the blend has nothing to use: same lists as aws-sims
    plain = train(RECIPE_PREFIX + "aws-similar-items", synthetic)
    assert plain.similar_items("item0", 10) == sims.similar_items("item0", 10)


def test_lab_popularity_metrics_match_a_count_by_hand(lab):
    # popularity-count's metrics follow from counting alone, so pandas can recompute them.
    from videorecs_widgets.local.split import personalize_split

    split = personalize_split(lab, seed=3)
    counts = split.train["ITEM_ID"].value_counts()
    ranked = sorted(counts.index, key=lambda item: (-counts[item], item))
    # Every test user gets the same ten (as from the campaign): seen films are not taken out.
    top10 = set(ranked[:10])
    hits_at_10 = [len(top10 & set(split.truth[user])) / 10 for user in split.test_users]
    result = evaluate(RECIPE_PREFIX + "aws-popularity-count", lab, seed=3)
    assert len(split.test_users) == 94  # round(942 / 10)
    assert result["precision_at_10"] == pytest.approx(sum(hits_at_10) / len(hits_at_10))
    assert 0.0 < result["precision_at_10"] < 0.1
