"""Domain recommenders: which panel each use case belongs to, and what it must be asked with.

Amazon Personalize's domain dataset groups (``VIDEO_ON_DEMAND``, ``ECOMMERCE``) serve
*recommenders* instead of campaigns: ``arn:aws:personalize:REGION:ACCOUNT:recommender/NAME``.
A recommender is created for one use case, whose recipe ``describe_recommender`` reports
(``recipeArn``: ``arn:aws:personalize:::recipe/aws-vod-top-picks``). Each use case answers
``get_recommendations(recommenderArn=...)`` and needs its own inputs; from the Personalize
developer guide ("VIDEO_ON_DEMAND use cases", "ECOMMERCE use cases"):

=========================================  ===================  ==========  ==========
use case (recipe)                          panel type           userId      itemId
=========================================  ===================  ==========  ==========
``aws-vod-top-picks``                      recommendations      required    not used
``aws-vod-most-popular``                   recommendations      required    not used
``aws-vod-trending-now``                   recommendations      optional    not used
``aws-vod-because-you-watched-x``          similar-items        required    required
``aws-vod-more-like-x``                    similar-items        required    required
``aws-ecomm-recommended-for-you``          recommendations      required    not used
``aws-ecomm-popular-items-by-views``       recommendations      required    not used
``aws-ecomm-popular-items-by-purchases``   recommendations      required    not used
``aws-ecomm-customers-who-viewed-x-...``   similar-items        required    required
``aws-ecomm-frequently-bought-together``   similar-items        optional    required
=========================================  ===================  ==========  ==========

How the panels ask them (:func:`recommendation_params`): the Recommendations panel sends the
current user; the Similar Items panel sends the starting film as ``itemId`` *and* the current
user as ``userId``. That user is required by the item-based VOD use cases, and it changes the
answer: the service leaves out the films that user already watched, so unlike a SIMS campaign
the "similar" list of a recommender is different for each user. Optional user ids are sent
whenever a user is known (the service then applies its per-user filtering); ``itemId`` is sent
only to the use cases that take one. A ranking query has no recommender form
(``get_personalized_ranking`` takes campaigns only).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from videorecs_widgets.errors import InvalidParameterError

REQUIRED = "required"
OPTIONAL = "optional"
UNUSED = "not used"


@dataclass(frozen=True)
class UseCase:
    """One domain use case: its recipe name, what it answers and which ids it takes."""

    recipe: str  # the recipe's name, the part after "recipe/"
    domain: str  # VIDEO_ON_DEMAND or ECOMMERCE
    title: str  # the console's name for it
    model_type: str  # the registry type of the panel it belongs to
    user_id: str  # REQUIRED or OPTIONAL
    item_id: str  # REQUIRED or UNUSED

    @property
    def recipe_arn(self) -> str:
        return f"arn:aws:personalize:::recipe/{self.recipe}"


def _vod(recipe: str, title: str, model_type: str, user: str, item: str) -> UseCase:
    return UseCase(recipe, "VIDEO_ON_DEMAND", title, model_type, user, item)


def _ecomm(recipe: str, title: str, model_type: str, user: str, item: str) -> UseCase:
    return UseCase(recipe, "ECOMMERCE", title, model_type, user, item)


_ALL = (
    _vod("aws-vod-top-picks", "Top picks for you", "recommendations", REQUIRED, UNUSED),
    _vod("aws-vod-most-popular", "Most popular", "recommendations", REQUIRED, UNUSED),
    _vod("aws-vod-trending-now", "Trending now", "recommendations", OPTIONAL, UNUSED),
    _vod("aws-vod-because-you-watched-x", "Because you watched X", "similar-items",
         REQUIRED, REQUIRED),
    _vod("aws-vod-more-like-x", "More like X", "similar-items", REQUIRED, REQUIRED),
    _ecomm("aws-ecomm-recommended-for-you", "Recommended for you", "recommendations",
           REQUIRED, UNUSED),
    _ecomm("aws-ecomm-popular-items-by-views", "Most viewed", "recommendations",
           REQUIRED, UNUSED),
    _ecomm("aws-ecomm-popular-items-by-purchases", "Best sellers", "recommendations",
           REQUIRED, UNUSED),
    _ecomm("aws-ecomm-customers-who-viewed-x-also-viewed", "Customers who viewed X also viewed",
           "similar-items", REQUIRED, REQUIRED),
    _ecomm("aws-ecomm-frequently-bought-together", "Frequently bought together",
           "similar-items", OPTIONAL, REQUIRED),
)

#: Every known use case by recipe name.
USE_CASES: dict[str, UseCase] = {case.recipe: case for case in _ALL}


def use_case(recipe_arn_or_name: str | None) -> UseCase | None:
    """The use case of a recommender's recipe (ARN or bare name), or ``None`` if unknown."""
    if not recipe_arn_or_name:
        return None
    return USE_CASES.get(recipe_arn_or_name.rsplit("/", 1)[-1].strip().lower())


def recommendation_params(
    recommender_arn: str,
    case: UseCase | None,
    *,
    user_id: Any = None,
    item_id: Any = None,
    num_results: int = 25,
) -> dict[str, Any]:
    """The ``get_recommendations`` arguments for asking ``recommender_arn`` (see module doc).

    ``case`` is the recommender's use case; ``None`` (not known) sends every id given.
    Raises :class:`InvalidParameterError` when the use case needs an id that is missing.
    """
    params: dict[str, Any] = {"recommenderArn": recommender_arn, "numResults": num_results}
    if case is None:
        if user_id is not None:
            params["userId"] = str(user_id)
        if item_id is not None:
            params["itemId"] = str(item_id)
        return params
    missing = [name for name, need, value in (("a user", case.user_id, user_id),
                                              ("a film", case.item_id, item_id))
               if need == REQUIRED and value is None]
    if missing:
        raise InvalidParameterError(
            f"The recommender {recommender_arn!r} serves the use case {case.title!r} "
            f"({case.recipe}), which needs {' and '.join(missing)} to answer; "
            f"{_how_to_ask(case)}."
        )
    if user_id is not None:
        params["userId"] = str(user_id)
    if item_id is not None and case.item_id != UNUSED:
        params["itemId"] = str(item_id)
    return params


def _how_to_ask(case: UseCase) -> str:
    if case.item_id == REQUIRED:
        return "use it in the Similar Items panel, with a user selected"
    return "use it in the Recommendations panel"
