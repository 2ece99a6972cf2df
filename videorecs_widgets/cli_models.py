"""``videorecs-widgets models list | add | update | remove | check``: the registry from a shell.

A thin layer over :class:`~videorecs_widgets.registry.ModelRegistry`, so a notebook does the
same with the same rules. ``add`` and ``update`` (of the ARN or type) check the model against
its service first, as ``registry.add(spec, check_with=...)`` does; ``--no-check`` skips that.
``check`` exits with 1 when any model is not ACTIVE or not of its declared type. Only ``add``
creates a missing registry file; the other commands say it does not exist.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import shlex
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from videorecs_widgets.errors import (
    InvalidParameterError,
    RegistryError,
    RegistryValidationError,
)
from videorecs_widgets.model_spec import MODEL_TYPES

Command = Callable[[argparse.Namespace], int]

#: the registry file when --file is not given, looked up in the current folder
DEFAULT_FILE = "models.yaml"

_TYPE_HELP = ("what the model answers: recommendations for a user, personal-ranking of given "
              "items for a user, or similar-items for an item")

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
    # not required: argparse would name the internal dest ("required: models_command")
    actions = models.add_subparsers(dest="models_command", metavar="{list,add,update,remove,"
                                                                   "check}")
    models.set_defaults(func=_usage(models))

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
    p.add_argument("type", choices=MODEL_TYPES, help=_TYPE_HELP)
    p.add_argument("--sort-order", type=int, default=None,
                   help="order within the type (default: after the last one)")
    p.add_argument("--description", default=None, help="a short note about the model")
    p.add_argument("--no-check", dest="check", action="store_false",
                   help="do not ask the service whether the recipe fits the type")
    p.set_defaults(func=_warnings_as_lines(_cmd_add))

    p = actions.add_parser("update", help="change fields of a model")
    common(p)
    service(p)
    p.add_argument("name", help="the model to change")
    p.add_argument("--new-name", default=None, help="rename it")
    p.add_argument("--arn", default=None, help="the new campaign or recommender ARN")
    p.add_argument("--type", choices=MODEL_TYPES, default=None, help=_TYPE_HELP)
    p.add_argument("--sort-order", type=int, default=None, help="the new order within the type")
    p.add_argument("--description", default=None, help="new description ('' removes it)")
    p.add_argument("--no-check", dest="check", action="store_false",
                   help="do not ask the service when the ARN or type changes")
    p.set_defaults(func=_warnings_as_lines(_cmd_update))

    p = actions.add_parser("remove", help="remove a model")
    common(p)
    p.add_argument("name", help="the model to remove")
    p.set_defaults(func=_warnings_as_lines(_cmd_remove))

    p = actions.add_parser("check", help="ask the service about each model: status, recipe, "
                                         "and whether the recipe fits the type")
    common(p)
    service(p)
    p.add_argument("names", nargs="*", help="only these models (default: all)")
    p.set_defaults(func=_warnings_as_lines(_cmd_check))


def _usage(parser: argparse.ArgumentParser) -> Command:
    """``videorecs-widgets models`` alone: its usage and the choices, on stderr, exit 2."""

    def run(args: argparse.Namespace) -> int:
        parser.print_usage(sys.stderr)
        print(f"{parser.prog}: choose what to do: list, add, update, remove or check.",
              file=sys.stderr)
        return 2

    return run


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


def _workspace(args: argparse.Namespace, registry: Any) -> Any:
    # local ARNs name no workspace: the one beside the registry file unless told otherwise
    return args.workspace if args.workspace is not None else registry.workspace


def _refuse_unless_fits(args: argparse.Namespace, registry: Any, spec: Any, verb: str) -> None:
    """Ask the service about ``spec`` as ``registry.add(spec, check_with=...)`` would, and
    refuse as it would; here the refusal also says what a shell user can do about it."""
    from videorecs_widgets.registry_check import ACCESS_DENIED, check_model, refusal

    # Clients chosen by the ARN, as registry.add(check_with=True) and `models check` choose
    # them, so a missing workspace is told as such, not as a campaign missing from it.
    check = check_model(spec, None, workspace=_workspace(args, registry))
    reason = refusal(check)
    if reason is None:
        return
    if check.status == ACCESS_DENIED:  # no credentials, or not allowed to describe it
        if "credentials" not in reason:  # a missing-credentials message already says how
            reason += (" Set up AWS credentials that may describe it (environment, profile or "
                       "instance role).")
        reason += f" Or pass --no-check to {verb} it without asking the service."
    where = "to" if verb == "add" else "in"  # as the registry words it
    raise RegistryValidationError(f"Cannot {verb} model {spec.name!r} {where} {registry.path}: "
                                  f"{reason}")


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
    # said before the service is asked, as the registry does
    if (taken := registry.name_taken(spec.name)) is not None:
        options = ", ".join(flag for option, flag, _ in _UPDATE_OPTIONS if option != "new_name")
        clash = ("a model with that name exists already" if taken == spec.name else
                 f"model {taken!r} exists already, and names that differ only in letter case, "
                 "Unicode form or spacing would look the same")
        raise RegistryValidationError(
            f"Cannot add model {spec.name!r} to {registry.path}: {clash}; pick another name, or "
            f"change that model with `videorecs-widgets models update {shlex.quote(taken)}` "
            f"and the fields to change ({options})."
        )
    if args.check:
        _refuse_unless_fits(args, registry, spec, "add")
    registry.add(spec)
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
    if args.check and ("arn" in changes or "type" in changes):
        try:
            candidate = dataclasses.replace(registry.get(args.name), **changes)
        except RegistryValidationError:
            candidate = None  # an invalid value: registry.update says what is wrong with it
        if candidate is not None:
            _refuse_unless_fits(args, registry, candidate, "update")
    new = registry.update(args.name, **changes)
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
