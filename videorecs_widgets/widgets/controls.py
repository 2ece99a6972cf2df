"""Small pieces every panel's controls share: model drop-downs and pausing observers.

Model drop-downs hold model *names* as values (never ARNs or sort orders, so equal sort
orders or shared ARNs cannot collide), with "no model selected" first. Its value is the empty
string rather than ``None`` because an ipywidgets ``Dropdown`` treats ``None`` as "no option
chosen at all" (blank, ``index`` ``None``) instead of selecting that first option; use
:func:`chosen` to read a drop-down as a name or ``None``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from videorecs_widgets.errors import UnknownModelError

if TYPE_CHECKING:
    from videorecs_widgets.registry import ModelRegistry

NO_MODEL = "no model selected"
NO_MODEL_VALUE = ""


def model_options(registry: ModelRegistry, model_type: str) -> list[tuple[str, str]]:
    """Options for a model drop-down: "no model selected", then the type's models by name,
    in the registry's order (sort order, then name)."""
    return [(NO_MODEL, NO_MODEL_VALUE)] + [
        (spec.name, spec.name) for spec in registry.of_type(model_type)
    ]


def no_models_note(registry: ModelRegistry, model_type: str) -> str | None:
    """Why a ``model_type`` drop-down offers no model (the registry has none of that type),
    or ``None`` when it offers one; shown where that model's films would be."""
    if registry.of_type(model_type):
        return None
    return f"No {model_type} model in {registry.path.name}: add one in Administration."


def removed_note(
    registry: ModelRegistry, names: list[str], what: str = "choose another model"
) -> str:
    """The status line's sentence when chosen models left the registry (removed or renamed
    elsewhere), so their lists emptied: say it rather than clear them silently."""
    listed = " and ".join(repr(n) for n in names)
    verb = "are" if len(names) > 1 else "is"
    return f"Model {listed} {verb} no longer in {registry.path.name}; {what}."


def model_dropdown(
    registry: ModelRegistry, model_type: str, description: str, width: str = "320px"
) -> widgets.Dropdown:
    """A drop-down of the registry's ``model_type`` models, at "no model selected"."""
    return widgets.Dropdown(
        options=model_options(registry, model_type), value=NO_MODEL_VALUE,
        description=description, layout=widgets.Layout(width=width),
    )


def model_value(
    dropdown: widgets.Dropdown, registry: ModelRegistry, model_type: str, name: str | None
) -> str:
    """The value that makes ``dropdown`` (a model drop-down of ``model_type``) show ``name``
    (``None``: "no model selected").

    Raises :class:`~videorecs_widgets.errors.UnknownModelError`, naming the models the
    drop-down offers, when ``name`` is not one of them (unknown, or of another type).
    """
    if name is None or name == NO_MODEL_VALUE:
        return NO_MODEL_VALUE
    offered = tuple(value for _, value in dropdown.options if value != NO_MODEL_VALUE)
    if name not in offered:
        raise UnknownModelError(name, str(registry.path), model_type=model_type,
                                available=offered)
    return name


def chosen(dropdown: widgets.Dropdown) -> str | None:
    """The model name a drop-down shows, or ``None`` for "no model selected"."""
    value = dropdown.value
    return None if value in (None, NO_MODEL_VALUE) else value


def set_model_options(dropdown: widgets.Dropdown, options: list[tuple[str, str]]) -> bool:
    """Give ``dropdown`` new options, keeping its model when it is still listed.

    Returns True when the choice was kept, False when it fell back to "no model selected".
    Call it inside :func:`paused` so the change of options does not count as a user's choice.
    """
    current = dropdown.value
    values = {value for _, value in options}
    with dropdown.hold_sync():
        dropdown.options = options
        dropdown.value = current if current in values else NO_MODEL_VALUE
    return current in values or current == NO_MODEL_VALUE


@contextlib.contextmanager
def paused(*pairs: tuple[widgets.Widget, Callable[[dict[str, Any]], Any]],
           name: str = "value") -> Iterator[None]:
    """Detach each ``(widget, handler)`` observer of trait ``name`` while the block runs.

    The observers are attached again in ``finally``, even when the block raises.
    """
    for widget, handler in pairs:
        widget.unobserve(handler, names=name)
    try:
        yield
    finally:
        for widget, handler in pairs:
            widget.observe(handler, names=name)
