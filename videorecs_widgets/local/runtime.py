"""The runtime API of the embedded engine: get_recommendations and get_personalized_ranking.

:class:`RuntimeOperations` is mixed into :class:`.backend.PersonalizeBackend`; it reads the
backend's resources and workspace and adds the trained models (loaded once per process and
reloaded when their file changes), filters and the service's limits: ``numResults`` 25 by
default and at most 500, ``inputList`` at most 500, items the model never saw at the end of a
ranking. v2 recipes say ``reason: ["Popular item"]`` when the user is unknown (cold).

Scores follow the service: user-personalization scores sum to 1 over the whole catalogue,
ranking scores over the ``inputList``'s distinct ids (unknown items 0; an id given twice is
answered once); SIMS, Similar-Items and
Popularity-Count answers carry no ``score`` at all.
"""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pandas as pd

from videorecs_widgets.local import filters as filter_lang
from videorecs_widgets.local.exceptions import (
    InvalidInputException,
    ModelFileException,
    ResourceNotFoundException,
)
from videorecs_widgets.local.importer import parse_schema
from videorecs_widgets.local.resources import SolutionVersion
from videorecs_widgets.local.store import WorkspaceStore

MAX_RESULTS = 500  # numResults and inputList limits of the runtime API
DEFAULT_NUM_RESULTS = 25


@contextlib.contextmanager
def _kind_errors_as_invalid_input() -> Iterator[None]:
    """A model asked for something its recipe does not serve answers InvalidInputException."""
    from videorecs_widgets.local.recipes import RecipeKindError

    try:
        yield
    except RecipeKindError as exc:
        raise InvalidInputException(str(exc)) from None


class RuntimeOperations:
    """The runtime operations. The backend provides the state they read: ``store``,
    ``_resources``, ``_reading()``, ``_children()`` and ``_group_frame()``, and the caches
    below."""

    store: WorkspaceStore
    _resources: dict[str, dict[str, Any]]
    _models: dict[str, tuple[tuple[int, int], Any]]  # solution version -> (file stat, model)
    _model_lock: threading.Lock
    _derived: dict[tuple, Any]  # parsed filters, item indexes, user histories

    def _model(self, solution_version_arn: str) -> Any:
        """The trained model of a solution version, loaded once and reloaded if its file changes."""
        from videorecs_widgets.local.recipes import TrainedModel

        path = self.store.model_path(solution_version_arn)
        try:
            st = path.stat()
        except FileNotFoundError:
            raise ModelFileException(
                f"The model file of solution version {solution_version_arn} is missing "
                f"({path.name!r} in the workspace's models folder); train a new solution version."
            ) from None
        signature = (st.st_mtime_ns, st.st_size)
        cached = self._models.get(solution_version_arn)
        if cached is not None and cached[0] == signature:
            return cached[1]
        with self._model_lock:
            try:
                model = TrainedModel.load(path)
            except Exception as exc:  # noqa: BLE001 - any unreadable file is reported the same way
                # The file is named once, by its name in the workspace; the advice stays short
                # and last, where a status line that has to shorten the message keeps it.
                reason = getattr(exc, "reason", None) or f"{type(exc).__name__}: {exc}"
                raise ModelFileException(
                    f"The model file of solution version {solution_version_arn} "
                    f"({path.name!r} in the workspace's models folder) cannot be loaded: "
                    f"{reason}. Train a new solution version."
                ) from None
            self._models[solution_version_arn] = (signature, model)
        return model

    def _serving(self, campaign_arn: str | None, recommender_arn: str | None) -> tuple[Any, Any]:
        if recommender_arn:
            raise InvalidInputException(
                f"Recommenders ({recommender_arn}) are not handled by the embedded engine; "
                "use a campaignArn."
            )
        if not campaign_arn:
            raise InvalidInputException("campaignArn is required.")
        with self._reading():
            campaign = self._resources["campaign"].get(campaign_arn)
            if campaign is None:
                raise ResourceNotFoundException.for_arn(campaign_arn)
            if not campaign.serves:  # ACTIVE, or updating an ACTIVE one
                raise InvalidInputException(
                    f"Campaign {campaign_arn} is {campaign.status}, not ACTIVE: wait until it "
                    "is ACTIVE before asking it for recommendations."
                )
            version = self._resources["solution-version"].get(campaign.solution_version_arn)
            if version is None:
                raise ResourceNotFoundException.for_arn(campaign.solution_version_arn)
        return version, self._model(version.arn)

    def _filter_sets(self, version: SolutionVersion, user_id: str | None,
                     filter_arn: str | None, filter_values: dict | None,
                     ) -> tuple[set[str], set[str] | None]:
        if not filter_arn:
            if filter_values:
                raise InvalidInputException("filterValues were given without a filterArn.")
            return set(), None
        group = version.settings["dataset_group_arn"]
        with self._reading():
            resource = self._resources["filter"].get(filter_arn)
            if resource is None:
                raise ResourceNotFoundException.for_arn(filter_arn)
            if resource.dataset_group_arn != group:
                raise InvalidInputException(
                    f"Filter {filter_arn} belongs to the dataset group "
                    f"{resource.dataset_group_arn}, not to the campaign's {group}."
                )
            items = self._group_frame(group, "ITEMS")
            interactions = self._group_frame(group, "INTERACTIONS")
            types = self._item_field_types(group)
        key = ("filter", filter_arn, resource.updated)
        expression = self._derived.get(key)
        if expression is None:
            expression = self._derived[key] = filter_lang.parse_filter_expression(
                resource.filter_expression)
        # Checked again: the ITEMS dataset may have been deleted or replaced since creation.
        filter_lang.check_fields(
            expression, types, group=group,
            subject=f"Filter {filter_arn} (expression {resource.filter_expression!r})")
        unknown = sorted(set(filter_values or {}) - expression.params)
        if unknown:
            raise InvalidInputException(
                f"Filter values {unknown!r} do not appear in the filter expression "
                f"{resource.filter_expression!r}."
            )
        for name, raw in (filter_values or {}).items():  # also those of skipped EXCLUDE blocks
            filter_lang.parse_filter_value(name, raw)
        index_key = ("items", id(items), tuple(sorted((types or {}).items())))
        index = self._derived.get(index_key)
        if index is None or index[0] is not items:
            index = self._derived[index_key] = (items, filter_lang.ItemIndex(items, types))

        def interacted(event_types: tuple[str, ...] | None) -> set[str]:
            if user_id is None or interactions is None:
                return set()
            history = self._histories(interactions).get(user_id)
            if history is None:
                return set()
            if event_types is None:
                return set().union(*history.values())
            return set().union(*(history.get(t, set()) for t in event_types))

        return filter_lang.apply_filter(expression, filter_values=filter_values,
                                        items=index[1], interacted=interacted)

    def _item_field_types(self, group: str) -> dict[str, str] | None:
        """The group's ITEMS fields (upper case) and Avro types; None without an ITEMS dataset.

        Call while reading the resources. Each schema text is parsed once (a schema deleted
        and created again under the same name keeps its ARN, hence the text in the key).
        """
        for dataset in self._children("dataset", "dataset_group_arn", group):
            if dataset.dataset_type != "ITEMS":
                continue
            schema = self._resources["schema"].get(dataset.schema_arn)
            if schema is None:
                return None
            key = ("schema-types", schema.arn, schema.schema)
            if key not in self._derived:
                self._derived[key] = {f.name.upper(): f.type for f in parse_schema(schema.schema)}
            return dict(self._derived[key])
        return None

    def _histories(self, interactions: pd.DataFrame) -> dict[str, dict[str, set[str]]]:
        """Per user, per event type, the items interacted with (built once per data file)."""
        key = ("histories", id(interactions))
        cached = self._derived.get(key)
        if cached is not None and cached[0] is interactions:
            return cached[1]
        types = (interactions["EVENT_TYPE"].fillna("") if "EVENT_TYPE" in interactions.columns
                 else pd.Series([""] * len(interactions), index=interactions.index))
        histories: dict[str, dict[str, set[str]]] = {}
        for (user, event), group in interactions.groupby(
                [interactions["USER_ID"], types], sort=False)["ITEM_ID"]:
            histories.setdefault(user, {})[event] = set(group)
        self._derived[key] = (interactions, histories)
        return histories

    @staticmethod
    def _check_count(num_results: int | None, what: str) -> int:
        count = DEFAULT_NUM_RESULTS if num_results is None else num_results
        if count > MAX_RESULTS:
            raise InvalidInputException(
                f"{what} is {count}; it must be at most {MAX_RESULTS}."
            )
        return count

    @staticmethod
    def _unsupported(**options: Any) -> None:
        given = sorted(k for k, v in options.items() if v)
        if given:
            raise InvalidInputException(
                f"{', '.join(given)} {'is' if len(given) == 1 else 'are'} not handled by the "
                "embedded engine; leave it out."
            )

    def get_recommendations(self, campaign_arn: str | None = None, item_id: str | None = None,
                            user_id: str | None = None, num_results: int | None = None,
                            context: dict | None = None, filter_arn: str | None = None,
                            filter_values: dict | None = None,
                            recommender_arn: str | None = None, promotions: list | None = None,
                            metadata_columns: dict | None = None) -> dict[str, Any]:
        self._unsupported(promotions=promotions, metadata_columns=metadata_columns)
        count = self._check_count(num_results, "numResults")
        version, model = self._serving(campaign_arn, recommender_arn)
        with _kind_errors_as_invalid_input():
            return self._recommend(campaign_arn, version, model, item_id, user_id, count,
                                   filter_arn, filter_values)

    def _recommend(self, campaign_arn: str, version: SolutionVersion, model: Any,
                   item_id: str | None, user_id: str | None, count: int,
                   filter_arn: str | None, filter_values: dict | None) -> dict[str, Any]:
        recipe_name = version.settings["recipe_arn"].rsplit("/", 1)[-1]
        kind = model.kind
        if kind == "ranking":
            raise InvalidInputException(
                f"Campaign {campaign_arn} serves the PERSONALIZED_RANKING recipe "
                f"{recipe_name!r}: call get_personalized_ranking with an inputList instead."
            )
        exclude, allowed = self._filter_sets(version, user_id, filter_arn, filter_values)
        reason = None
        if kind == "related-items":
            if not item_id:
                raise InvalidInputException(
                    f"Campaign {campaign_arn} serves the RELATED_ITEMS recipe {recipe_name!r}: "
                    "give an itemId."
                )
            pairs = model.similar_items(item_id, count, exclude=exclude, allowed=allowed)
        else:
            if not user_id:
                raise InvalidInputException(
                    f"Campaign {campaign_arn} serves the USER_PERSONALIZATION recipe "
                    f"{recipe_name!r}: give a userId"
                    + (f" (itemId {item_id!r} is for related-items recipes)." if item_id else ".")
                )
            pairs = model.recommend(user_id, count, exclude=exclude, allowed=allowed)
            if recipe_name.endswith("-v2") and model.recommend_is_cold(user_id):
                reason = ["Popular item"]  # v2 recipes say why an item is there
        from videorecs_widgets.local.recipes import RECIPES

        scored = RECIPES[version.settings["recipe_arn"]].scored
        items = []
        for item, score in pairs:
            entry: dict[str, Any] = {"item_id": str(item)}
            if scored:  # related-items and popularity answers have no score (see RecipeInfo)
                entry["score"] = float(score)
            if reason:
                entry["reason"] = reason
            items.append(entry)
        return {"item_list": items, "recommendation_id": f"RID-{uuid.uuid4()}"}

    def get_personalized_ranking(self, campaign_arn: str, input_list: list[str], user_id: str,
                                 context: dict | None = None, filter_arn: str | None = None,
                                 filter_values: dict | None = None,
                                 metadata_columns: dict | None = None) -> dict[str, Any]:
        """The ``inputList`` ordered for the user, each distinct id once (a repeated id is
        answered once, at its rank); scores are shares of one sum over the distinct ids (items
        the model never saw 0, at the end, in the order given), so they sum to 1 over what is
        returned unless a filter removed some."""
        self._unsupported(metadata_columns=metadata_columns)
        self._check_count(len(input_list), "The inputList length")
        version, model = self._serving(campaign_arn, None)
        if model.kind != "ranking":
            raise InvalidInputException(
                f"Campaign {campaign_arn} serves the recipe "
                f"{version.settings['recipe_arn'].rsplit('/', 1)[-1]!r}, not a "
                "PERSONALIZED_RANKING recipe: call get_recommendations instead."
            )
        exclude, allowed = self._filter_sets(version, user_id, filter_arn, filter_values)
        # The service documents nothing for an id given twice. A ranking orders items, and its
        # scores are shares of one sum over the list: an id given twice is ranked once, at one
        # place, and its score is counted once, so the scores still sum to 1 over what comes
        # back (before a filter removes any), and the answer is that of the list without repeats.
        wanted = list(dict.fromkeys(str(i) for i in input_list))
        with _kind_errors_as_invalid_input():
            ranked = [(str(i), float(s)) for i, s in model.rank(user_id, wanted)]
        placed = {i for i, _ in ranked}
        # Items the model never saw go to the end, in the order given, as the service does.
        ranked += [(i, 0.0) for i in wanted if i not in placed]
        items = [{"item_id": i, "score": s} for i, s in ranked
                 if i not in exclude and (allowed is None or i in allowed)]
        return {"personalized_ranking": items, "recommendation_id": f"RID-{uuid.uuid4()}"}
