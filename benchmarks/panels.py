"""How quickly the panels answer a user's change, on the local engine with ML-100k.

Builds the lab in a temporary workspace (the lab's interactions: ratings above 3.6;
user-personalization, popularity-count and personalized-ranking campaigns), a registry file
for them, then times, through the panels' own controls (button clicks and drop-down changes,
as the front end sends them):

1. user change -> both comparison lists rendered (RecommendationsPanel, two models chosen,
   Next clicked 200 times: 200 different users, so every change asks both models), with the
   genre-mix chart on and off;
2. genre change -> the re-ranked list rendered (PersonalRankingPanel, a ranking model chosen,
   200 genre changes; the answer cache is emptied before each change, outside the timing, so
   every change asks the model);
3. with a runtime that takes 100 ms per call (a sleep added to the benchmark's own clients via
   botocore's ``before-call`` event; the library is not changed), a user change with one model
   shown against one with two models shown: the two calls run concurrently, so the ratio should
   stay under 1.3.

Target (issue 5): p95 under 100 ms for 1 and 2; ratio under 1.3 for 3.

    python benchmarks/panels.py [--changes 200] [--delayed-changes 20] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from videorecs_widgets import movielens, personalize_data  # noqa: E402
from videorecs_widgets.catalog import Catalog  # noqa: E402
from videorecs_widgets.clients import personalize_clients  # noqa: E402
from videorecs_widgets.model_spec import ModelSpec  # noqa: E402
from videorecs_widgets.provision import (  # noqa: E402
    ensure_campaign,
    ensure_dataset,
    ensure_dataset_group,
    ensure_import_job,
    ensure_schema,
    ensure_solution,
    ensure_solution_version,
)
from videorecs_widgets.registry import ModelRegistry  # noqa: E402
from videorecs_widgets.results import ResultsService  # noqa: E402
from videorecs_widgets.widgets.ranking import PersonalRankingPanel  # noqa: E402
from videorecs_widgets.widgets.recommendations import RecommendationsPanel  # noqa: E402

RECIPES = {
    "recs": "arn:aws:personalize:::recipe/aws-user-personalization",
    "popularity": "arn:aws:personalize:::recipe/aws-popularity-count",
    "rank": "arn:aws:personalize:::recipe/aws-personalized-ranking",
}
DELAY_S = 0.100


def build_lab(root: Path, catalog: Catalog) -> tuple[Path, dict[str, str]]:
    files = personalize_data.write_lab_files(catalog, root / "data")
    workspace = root / "engine"
    personalize, _ = personalize_clients("local", workspace=workspace)
    schema = ensure_schema(personalize, "bench-schema", personalize_data.INTERACTIONS_SCHEMA)
    group = ensure_dataset_group(personalize, "bench-group")
    dataset = ensure_dataset(personalize, group, "Interactions", schema, "bench-interactions")
    ensure_import_job(personalize, dataset, "bench-import", str(files["interactions"].resolve()))
    campaigns = {}
    for name, recipe in RECIPES.items():
        version = ensure_solution_version(
            personalize, ensure_solution(personalize, group, f"bench-{name}", recipe))
        campaigns[name] = ensure_campaign(personalize, f"bench-{name}-campaign", version)
    return workspace, campaigns


def build_registry(path: Path, campaigns: dict[str, str]) -> ModelRegistry:
    registry = ModelRegistry(path)
    registry.add(ModelSpec("Personal Recommendations", campaigns["recs"], "recommendations", 1))
    registry.add(ModelSpec("Most Popular", campaigns["popularity"], "recommendations", 2))
    registry.add(ModelSpec("Personal Ranking", campaigns["rank"], "personal-ranking", 1))
    return registry


def timed(action: Callable[[], object], before: Callable[[], object] | None = None,
          n: int = 200) -> list[float]:
    """Milliseconds of ``action`` over ``n`` runs (``before`` runs first, untimed)."""
    times = []
    for _ in range(n):
        if before is not None:
            before()
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return times


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def report(label: str, times: list[float]) -> None:
    print(f"{label:<58} median {statistics.median(times):7.1f} ms   p95 {p95(times):7.1f} ms"
          f"   (n={len(times)})")


def delayed_clients(workspace: Path):
    """The engine's clients, with every runtime call made to take ``DELAY_S`` longer."""
    clients = personalize_clients("local", workspace=workspace)

    def sleep(**_kwargs: object) -> None:
        time.sleep(DELAY_S)  # returns None, so the engine's own handler still answers

    clients.runtime.meta.events.register_first("before-call.personalize-runtime", sleep)
    return clients


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--changes", type=int, default=200)
    parser.add_argument("--delayed-changes", type=int, default=20)
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args(argv)

    catalog = Catalog.from_movielens(movielens.fetch(args.data_dir).parent)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        workspace, campaigns = build_lab(root, catalog)
        print(f"lab built in {time.perf_counter() - started:.1f} s "
              f"({len(campaigns)} local campaigns on ML-100k)")
        registry = build_registry(root / "models.yaml", campaigns)
        n = args.changes

        # 1. user change -> both lists
        service = ResultsService(catalog, workspace=workspace)
        panel = RecommendationsPanel(catalog, registry, results=service, user_id="1")
        panel.select_models("Personal Recommendations", "Most Popular")
        calls = service.calls
        times = timed(panel.navigator._next.click, n=n)
        assert service.calls - calls == 2 * n, "every user change must ask both models once"
        assert all(r is not None and r.ok for r in panel.results)
        report("user change -> two lists + genre chart", times)
        panel._chart_toggle.value = False
        report("user change -> two lists (chart off)", timed(panel.navigator._next.click, n=n))
        panel.close()

        # 2. genre change -> re-ranked list
        ranking = PersonalRankingPanel(catalog, registry, results=service, user_id="196")
        ranking.select_model("Personal Ranking")
        genres = [None, *catalog.genres]  # None: all genres
        step_state = {"i": 0}
        calls = service.calls

        def change_genre() -> None:
            step_state["i"] += 1
            ranking.set_genre(genres[step_state["i"] % len(genres)])

        times = timed(change_genre, before=service.refresh, n=n)
        asked = service.calls - calls
        assert ranking.results[0] is not None and ranking.results[0].ok
        report("genre change -> re-ranked list", times)
        print(f"{'':<58} ({asked} ranking calls for {n} genre changes)")
        ranking.close()
        service.close()

        # 3. a slow runtime: one model against two
        slow = delayed_clients(workspace)
        service = ResultsService(catalog, clients_for=lambda _arn: slow)
        panel = RecommendationsPanel(catalog, registry, results=service, user_id="1",
                                     genre_chart=False)
        panel.select_models("Personal Recommendations")
        one = timed(panel.navigator._next.click, n=args.delayed_changes)
        panel.select_models("Personal Recommendations", "Most Popular")
        two = timed(panel.navigator._next.click, n=args.delayed_changes)
        report(f"user change, 1 model, runtime +{DELAY_S * 1000:.0f} ms", one)
        report(f"user change, 2 models, runtime +{DELAY_S * 1000:.0f} ms", two)
        ratio = statistics.median(two) / statistics.median(one)
        print(f"two-model / one-model refresh (medians): {ratio:.2f}  (target < 1.3)")
        panel.close()
        service.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
