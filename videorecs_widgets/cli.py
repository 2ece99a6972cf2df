"""The ``videorecs-widgets`` command.

Each subcommand is a thin wrapper over library functions, so a notebook can do the same.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from videorecs_widgets import cli_models
from videorecs_widgets.errors import InvalidParameterError, VideorecsError

log = logging.getLogger("videorecs_widgets")


def _cmd_fetch_data(args: argparse.Namespace) -> int:
    from videorecs_widgets import movielens

    path = movielens.fetch(data_dir=args.data_dir, source=args.source, force=args.force)
    source = movielens.verified_source(path)
    print(f"MovieLens 100k is ready in {path}" + (f" (from the {source})." if source else "."))
    return 0


def _cmd_summary(args: argparse.Namespace) -> int:
    from videorecs_widgets.catalog import Catalog

    catalog = Catalog.from_movielens(args.data_dir)
    for key, value in catalog.summary().items():
        print(f"{key:>14}: {value:,}")
    return 0


def _cmd_lab(args: argparse.Namespace) -> int:
    import pandas as pd

    from videorecs_widgets import lab, movielens

    movielens.fetch(data_dir=args.data_dir)
    if args.data_dir is not None:  # the notebooks' kernels inherit it
        os.environ["VIDEORECS_DATA_DIR"] = str(Path(args.data_dir).resolve())
    root = lab.project_root()
    notebooks_dir = args.notebooks or (root / "notebooks" if root else None)
    if notebooks_dir is None:
        raise InvalidParameterError(
            "This installation is not a source checkout: pass --notebooks (the lab's folder)."
        )
    parameters = lab.lab_parameters(Path(notebooks_dir).resolve().parent)
    runs = lab.run_lab(notebooks_dir, args.build_dir, parameters=parameters)
    table = lab.metrics_table(parameters["REGISTRY_PATH"], parameters["WORKSPACE"])
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print("\nModels in", parameters["REGISTRY_PATH"])
        print(table.to_string(index=False))
    print(f"\nExecuted notebooks, with their widgets, in {runs[-1].output.parent}")
    print("Open them live with: make jupyter")
    return 0


def _cmd_app(args: argparse.Namespace) -> int:
    from videorecs_widgets import lab, serve

    if args.data_dir is not None:  # the page's kernel and the lab build inherit it
        os.environ["VIDEORECS_DATA_DIR"] = str(Path(args.data_dir).resolve())
    root = lab.project_root() or Path.cwd()
    defaults = lab.lab_parameters(root)
    workspace = args.workspace or Path(defaults["WORKSPACE"])
    # the lab's data files go beside a workspace given here, in the checkout's data/ otherwise
    lab_data_dir = args.workspace / "lab-data" if args.workspace else None
    lab_registry = Path(defaults["REGISTRY_PATH"])
    registry = args.registry or lab_registry
    # The lab's models are added only to the lab's own models.yaml, or when asked: a user's
    # registry file is theirs, and is served as it is.
    own = args.registry is None or registry.resolve() == lab_registry.resolve()
    serve.serve_app(workspace, registry, port=args.port, data_dir=args.data_dir,
                    lab_data_dir=lab_data_dir, build_lab_models=own or args.build_lab_models,
                    open_browser=not args.no_browser)
    return 0


def _add_app_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("app", help="serve the Video Recommendations app as a web page (Voila)")
    p.add_argument("--port", type=int, default=None,
                   help="port on 127.0.0.1 (default: a free one)")
    p.add_argument("--registry", type=Path, default=None,
                   help="the models.yaml to serve (default: the lab's, models.yaml of this "
                        "checkout)")
    p.add_argument("--workspace", type=Path, default=None,
                   help="the embedded engine's folder (default: .videorecs of this checkout)")
    p.add_argument("--data-dir", type=Path, default=None,
                   help="where MovieLens 100k lives (default: the project's data/ folder)")
    p.add_argument("--build-lab-models", action="store_true",
                   help="build the lab's models if missing and register them in --registry "
                        "(always done for the lab's own models.yaml, never otherwise)")
    p.add_argument("--no-browser", action="store_true",
                   help="do not open a browser; just print the address")
    p.set_defaults(func=_cmd_app)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="videorecs-widgets",
        description="The Video Recommendations lab: data, models, registry and panels.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = parser.add_subparsers(dest="command", required=True)

    def data_args(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--data-dir", type=Path, default=None,
            help="where MovieLens 100k lives (default: the project's data/ folder)",
        )

    p = sub.add_parser("fetch-data", help="fetch and verify MovieLens 100k")
    data_args(p)
    p.add_argument("--source", type=Path, default=None,
                   help="a folder holding ML-100k files to import instead of downloading "
                        "(always read and verified, even when data is present)")
    p.add_argument("--force", action="store_true",
                   help="fetch again even if verified data is present")
    p.set_defaults(func=_cmd_fetch_data)

    p = sub.add_parser("summary", help="print reviewers, movies and interactions counts")
    data_args(p)
    p.set_defaults(func=_cmd_summary)

    p = sub.add_parser("lab", help="run the lab notebooks 01-04 on the embedded engine")
    data_args(p)
    p.add_argument("--notebooks", type=Path, default=None,
                   help="the lab's notebooks folder (default: notebooks/ of this checkout)")
    p.add_argument("--build-dir", type=Path, default=None,
                   help="where the executed notebooks go (default: build/ beside notebooks/)")
    p.set_defaults(func=_cmd_lab)

    cli_models.add_parser(sub)  # models list | add | update | remove | check
    _add_app_parser(sub)  # app: the panels as a web page
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(args.func(args) or 0)
    except VideorecsError as exc:
        print(f"videorecs-widgets {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
