"""The ``videorecs-widgets`` command.

Each subcommand is a thin wrapper over library functions, so a notebook can do the same.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from videorecs_widgets import cli_models
from videorecs_widgets.errors import VideorecsError

log = logging.getLogger("videorecs_widgets")


def _cmd_fetch_data(args: argparse.Namespace) -> int:
    from videorecs_widgets import movielens

    path = movielens.fetch(data_dir=args.data_dir, source=args.source, force=args.force)
    print(f"MovieLens 100k is ready in {path}")
    return 0


def _cmd_summary(args: argparse.Namespace) -> int:
    from videorecs_widgets.catalog import Catalog

    catalog = Catalog.from_movielens(args.data_dir)
    for key, value in catalog.summary().items():
        print(f"{key:>14}: {value:,}")
    return 0


def _cmd_lab(args: argparse.Namespace) -> int:
    # Until the lab notebooks run from here, the main job is: data in place, then its summary.
    _cmd_fetch_data(args)
    return _cmd_summary(args)


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
                   help="a folder holding ML-100k files to use instead of downloading")
    p.add_argument("--force", action="store_true", help="fetch again even if data is present")
    p.set_defaults(func=_cmd_fetch_data)

    p = sub.add_parser("summary", help="print reviewers, movies and interactions counts")
    data_args(p)
    p.set_defaults(func=_cmd_summary)

    p = sub.add_parser("lab", help="run the lab on MovieLens 100k with the embedded engine")
    data_args(p)
    p.set_defaults(func=_cmd_lab, source=None, force=False)

    cli_models.add_parser(sub)  # models list | add | update | remove | check
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
