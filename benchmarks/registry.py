"""Model registry costs: what a panel pays to poll ``reload()``, and what an edit's save costs.

Builds a registry of N models (default 50) in a temporary folder, then times

- ``reload()`` when nothing changed (one ``stat``): what panels may call on every refresh;
- ``reload()`` when nothing changed but the file was written less than 2 s ago (``stat``, read
  and hash: timestamps cannot tell two writes in one tick apart);
- ``reload()`` after an outside edit (read, hash, parse, validate, merge);
- ``ModelRegistry(path)``: a fresh load;
- ``update(..., sort_order=...)``: an edit saved at once (re-read, merge check, render,
  read-back check, temporary file, fsync, rename).

    python benchmarks/registry.py [--models 50] [--repeat 200]
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

from videorecs_widgets.registry import ModelRegistry, ModelSpec  # noqa: E402

TYPES = ("recommendations", "personal-ranking", "similar-items")


def timed(label: str, repeat: int, step: Callable[[int], object]) -> None:
    samples = []
    for i in range(repeat):
        start = time.perf_counter()
        step(i)
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, int(0.95 * len(samples)))]
    print(f"{label:<38} median {statistics.median(samples):8.3f} ms   p95 {p95:8.3f} ms   "
          f"({repeat} runs)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "models.yaml"
        registry = ModelRegistry(path)
        for i in range(args.models):
            registry.add(ModelSpec(f"Model {i:03d}",
                                   f"arn:aws:personalize:local:000000000000:campaign/m{i}",
                                   TYPES[i % 3], i, f"description of model {i}"), save=False)
        registry.save()
        print(f"registry of {args.models} models, {path.stat().st_size:,} bytes")
        other = ModelRegistry(path)

        timed("reload(), file written < 2 s ago", args.repeat * 10, lambda i: registry.reload())
        time.sleep(2.1)  # past the racy window: from here one stat tells
        timed("reload(), file unchanged", args.repeat * 10, lambda i: registry.reload())
        timed("ModelRegistry(path), fresh load", args.repeat, lambda i: ModelRegistry(path))
        timed("update() saved at once", args.repeat,
              lambda i: registry.update("Model 000", sort_order=i % 7 - 100))

        def outside_edit_then_reload(i: int) -> None:
            other.update("Model 001", sort_order=i % 5 - 200)  # not timed separately
            registry.reload()

        timed("other registry saves + reload()", args.repeat, outside_edit_then_reload)


if __name__ == "__main__":
    main()
