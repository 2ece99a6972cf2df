"""``videorecs-widgets models list | add | update | remove | check``: the registry from a shell.

A thin layer over :class:`~videorecs_widgets.registry.ModelRegistry`, so a notebook does the
same with the same rules. ``add`` and ``update`` (of the ARN or type) check the model against
its service first, as ``registry.add(spec, check_with=...)`` does; ``--no-check`` skips that.
``check`` exits with 1 when any model is not ACTIVE or not of its declared type.
"""

from __future__ import annotations

import argparse
import functools
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from videorecs_widgets.errors import InvalidParameterError, RegistryError
from videorecs_widgets.model_spec import MODEL_TYPES

Command = Callable[[argparse.Namespace], int]

#: the registry file when --file is not given, looked up in the current folder
DEFAULT_FILE = "models.yaml"

# update's options, and the ModelSpec field each one changes
_UPDATE_OPTIONS: tuple[tuple[str, str, str], ...] = (
    ("new_name", "--new-name", "name"),
    ("arn", "--arn", "arn"),
    ("type", "--type", "type"),
    ("sort_order", "--sort-order", "sort_order"),
    ("description", "--description", "description"),
)


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add the ``models`` subcommand (with its own subcommands) to the main parser."""
    models = sub.add_parser("models", help="list, add, update, remove or check registry models")
    actions = models.add_subparsers(dest="models_command", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--file", type=Path, default=None,
                       help=f"the registry file (default: {DEFAULT_FILE} in the current "
                            "folder)")

    def service(p: argparse.ArgumentParser) -> None:
        p.add_argument("--workspace", type=Path, default=None,
                       help="the embedded engine's folder, for local ARNs (default: "
                            "$VIDEORECS_WORKSPACE, else .videorecs beside the registry file)")

    p = actions.add_parser("list", help="print the models in the registry's order")
    common(p)
    p.add_argument("--type", choices=MODEL_TYPES, default=None, help="only this type")
    p.set_defaults(func=_warnings_as_lines(_cmd_list))

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
    p.set_defaults(func=_warnings_as_lines(_cmd_add))

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
    p.set_defaults(func=_warnings_as_lines(_cmd_update))

    p = actions.add_parser("remove", help="remove a model")
    common(p)
    p.add_argument("name")
    p.set_defaults(func=_warnings_as_lines(_cmd_remove))

    p = actions.add_parser("check", help="ask the service about each model: status, recipe, "
                                         "and whether the recipe fits the type")
    common(p)
    service(p)
    p.add_argument("names", nargs="*", help="only these models (default: all)")
    p.set_defaults(func=_warnings_as_lines(_cmd_check))


def _warnings_as_lines(command: Command) -> Command:
    """Run ``command`` printing each DuplicateModelWarning once, as ``warning: ...`` on stderr.

    The registry issues them as Python warnings (for notebooks); a shell user wants the
    sentence alone, not Python's "file:line: DuplicateModelWarning:" form with a source line.
    """

    @functools.wraps(command)
    def run(args: argparse.Namespace) -> int:
        from videorecs_widgets.registry import DuplicateModelWarning

        with warnings.catch_warnings():
            warnings.simplefilter("always", DuplicateModelWarning)  # the registry says each once
            python_way = warnings.showwarning

            def show(message: Warning | str, category: type[Warning], *rest: Any,
                     **kwargs: Any) -> None:
                if issubclass(category, DuplicateModelWarning):
                    print(f"warning: {message}", file=sys.stderr)
                else:
                    python_way(message, category, *rest, **kwargs)

            warnings.showwarning = show
            return command(args)

    return run


def _registry(args: argparse.Namespace, *, create: bool = False) -> Any:
    """The registry of ``--file``. Only ``add`` (``create=True``) may start a new file: a
    mistyped path or the wrong folder must not look like an empty registry."""
    from videorecs_widgets.registry import ModelRegistry

    default = args.file is None
    if default:
        args.file = Path(DEFAULT_FILE)
    if not create and not args.file.exists():
        if default:
            raise RegistryError(
                f"There is no {DEFAULT_FILE} in the current folder {str(Path.cwd())!r}, where "
                "the registry file is looked up when --file is not given; run the command in "
                "the folder that holds it, or pass --file PATH."
            )
        raise RegistryError(
            f"The registry file {str(args.file.resolve())!r} does not exist; check --file "
            "(only `videorecs-widgets models add` creates a registry file)."
        )
    return ModelRegistry(args.file)


def _clients_for(args: argparse.Namespace, registry: Any) -> Callable[[str], Any]:
    from videorecs_widgets.clients import clients_for_arn

    workspace = _workspace(args, registry)
    return lambda arn: clients_for_arn(arn, workspace=workspace)


def _workspace(args: argparse.Namespace, registry: Any) -> Any:
    # local ARNs name no workspace: the one beside the registry file unless told otherwise
    return args.workspace if args.workspace is not None else registry.workspace


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

    registry = _registry(args, create=True)
    sort_order = args.sort_order
    if sort_order is None:
        sort_order = max((m.sort_order for m in registry.of_type(args.type)), default=0) + 1
    spec = ModelSpec(args.name, args.arn, args.type, sort_order, args.description)
    registry.add(spec, check_with=_clients_for(args, registry) if args.check else None)
    print(f"Added {spec.name!r} ({spec.type}, sort order {spec.sort_order}) to {args.file}.")
    return 0


def _cmd_update(args: argparse.Namespace) -> int:
    registry = _registry(args)
    registry.get(args.name)  # an unknown model is the first thing to tell
    changes: dict[str, Any] = {
        field: getattr(args, option)
        for option, _, field in _UPDATE_OPTIONS
        if getattr(args, option) is not None
    }
    if not changes:
        options = ", ".join(flag for _, flag, _ in _UPDATE_OPTIONS)
        raise InvalidParameterError(
            f"Nothing to update in model {args.name!r} of {args.file}: give at least one of "
            f"{options}."
        )
    if "description" in changes:
        changes["description"] = changes["description"] or None  # '' removes it
    check = args.check and ("arn" in changes or "type" in changes)
    new = registry.update(args.name, check_with=_clients_for(args, registry) if check else None,
                          **changes)
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
    checks = check_models(specs, workspace=_workspace(args, registry))
    for check in checks:
        verdict = "ok" if check.ok else ("WRONG TYPE" if check.recipe and not check.fits
                                         else check.status)
        print(f"{check.name}: {verdict}; recipe {check.recipe_name or '?'}; {check.message}")
    bad = sum(not c.ok for c in checks)
    print(f"{len(checks) - bad} of {len(checks)} models are ACTIVE and of the right type.")
    return 1 if bad else 0
