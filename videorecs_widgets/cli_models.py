"""``videorecs-widgets models list | add | update | remove | check``: the registry from a shell.

A thin layer over :class:`~videorecs_widgets.registry.ModelRegistry`, so a notebook does the
same with the same rules. ``add`` and ``update`` (of the ARN or type) check the model against
its service first, as ``registry.add(spec, check_with=...)`` does; ``--no-check`` skips that.
``check`` exits with 1 when any model is not ACTIVE or not of its declared type.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from videorecs_widgets.model_spec import MODEL_TYPES


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add the ``models`` subcommand (with its own subcommands) to the main parser."""
    models = sub.add_parser("models", help="list, add, update, remove or check registry models")
    actions = models.add_subparsers(dest="models_command", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--file", type=Path, default=Path("models.yaml"),
                       help="the registry file (default: models.yaml here)")

    def service(p: argparse.ArgumentParser) -> None:
        p.add_argument("--workspace", type=Path, default=None,
                       help="the embedded engine's folder, for local ARNs (default: "
                            "$VIDEORECS_WORKSPACE, else .videorecs here)")

    p = actions.add_parser("list", help="print the models in the registry's order")
    common(p)
    p.add_argument("--type", choices=MODEL_TYPES, default=None, help="only this type")
    p.set_defaults(func=_cmd_list)

    p = actions.add_parser("add", help="add a model (checked against its service first)")
    common(p)
    service(p)
    p.add_argument("name", help="a unique name, up to 64 characters")
    p.add_argument("arn", help="the campaign or recommender ARN (region 'local': embedded)")
    p.add_argument("type", choices=MODEL_TYPES)
    p.add_argument("--sort-order", type=int, default=None,
                   help="order within the type (default: after the last one)")
    p.add_argument("--description", default=None)
    p.add_argument("--no-check", dest="check", action="store_false",
                   help="do not ask the service whether the recipe fits the type")
    p.set_defaults(func=_cmd_add)

    p = actions.add_parser("update", help="change fields of a model")
    common(p)
    service(p)
    p.add_argument("name", help="the model to change")
    p.add_argument("--new-name", default=None, help="rename it")
    p.add_argument("--arn", default=None)
    p.add_argument("--type", choices=MODEL_TYPES, default=None)
    p.add_argument("--sort-order", type=int, default=None)
    p.add_argument("--description", default=None, help="new description ('' removes it)")
    p.add_argument("--no-check", dest="check", action="store_false",
                   help="do not ask the service when the ARN or type changes")
    p.set_defaults(func=_cmd_update)

    p = actions.add_parser("remove", help="remove a model")
    common(p)
    p.add_argument("name")
    p.set_defaults(func=_cmd_remove)

    p = actions.add_parser("check", help="ask the service about each model: status, recipe, "
                                         "and whether the recipe fits the type")
    common(p)
    service(p)
    p.add_argument("names", nargs="*", help="only these models (default: all)")
    p.set_defaults(func=_cmd_check)


def _registry(args: argparse.Namespace) -> Any:
    from videorecs_widgets.registry import ModelRegistry

    registry = ModelRegistry(args.file)
    for warning in registry.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return registry


def _clients_for(args: argparse.Namespace) -> Callable[[str], Any]:
    from videorecs_widgets.clients import clients_for_arn

    return lambda arn: clients_for_arn(arn, workspace=args.workspace)


def _cmd_list(args: argparse.Namespace) -> int:
    registry = _registry(args)
    models = registry.of_type(args.type) if args.type else registry.models
    if not models:
        print(f"No models in {args.file}.")
        return 0
    rows = [("TYPE", "SORT", "NAME", "BACKEND", "ARN")] + [
        (m.type, str(m.sort_order), m.name, m.backend, m.arn) for m in models
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        print(f"{row[0]:<{widths[0]}}  {row[1]:>{widths[1]}}  {row[2]:<{widths[2]}}  "
              f"{row[3]:<{widths[3]}}  {row[4]}")
    return 0


def _cmd_add(args: argparse.Namespace) -> int:
    from videorecs_widgets.registry import ModelSpec

    registry = _registry(args)
    sort_order = args.sort_order
    if sort_order is None:
        sort_order = max((m.sort_order for m in registry.of_type(args.type)), default=0) + 1
    spec = ModelSpec(args.name, args.arn, args.type, sort_order, args.description)
    registry.add(spec, check_with=_clients_for(args) if args.check else None)
    print(f"Added {spec.name!r} ({spec.type}, sort order {spec.sort_order}) to {args.file}.")
    return 0


def _cmd_update(args: argparse.Namespace) -> int:
    registry = _registry(args)
    changes: dict[str, Any] = {}
    for option, field in (("new_name", "name"), ("arn", "arn"), ("type", "type"),
                          ("sort_order", "sort_order")):
        if getattr(args, option) is not None:
            changes[field] = getattr(args, option)
    if args.description is not None:
        changes["description"] = args.description or None
    check = args.check and ("arn" in changes or "type" in changes)
    new = registry.update(args.name, check_with=_clients_for(args) if check else None, **changes)
    print(f"Updated {new.name!r} in {args.file}.")
    return 0


def _cmd_remove(args: argparse.Namespace) -> int:
    registry = _registry(args)
    registry.remove(args.name)
    print(f"Removed {args.name!r} from {args.file}.")
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    from videorecs_widgets.registry_check import check_models

    registry = _registry(args)
    specs = [registry.get(name) for name in args.names] if args.names else registry.models
    if not specs:
        print(f"No models in {args.file}.")
        return 0
    checks = check_models(specs, _clients_for(args))
    for check in checks:
        verdict = "ok" if check.ok else ("WRONG TYPE" if check.recipe and not check.fits
                                         else check.status)
        print(f"{check.name}: {verdict}; recipe {check.recipe_name or '?'}; {check.message}")
    bad = sum(not c.ok for c in checks)
    print(f"{len(checks) - bad} of {len(checks)} models are ACTIVE and of the right type.")
    return 1 if bad else 0
