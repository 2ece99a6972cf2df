"""Model administration (the original app's Django admin): the registry as a table and a form.

The table lists every model of the :class:`~videorecs_widgets.registry.ModelRegistry` in its
stable order (type, sort order, name), all text escaped. The form adds a model ("new model"
chosen) or edits the chosen one (a new name renames it); Remove deletes the chosen model.
Every edit is saved through the registry, so its rules hold: the field rules of
:func:`~videorecs_widgets.model_spec.spec_problems`, unique names, atomic saves, and no
silent overwrite of an outside edit.

With "Check the type against the service" on (the default), a model is first checked the way
``ModelRegistry.add(..., check_with=...)`` checks it
(:func:`~videorecs_widgets.registry_check.check_model` and
:func:`~videorecs_widgets.registry_check.refusal`): a campaign that does not exist, failed or
cannot be reached, or whose recipe answers another type (a SIMS campaign declared as
personal-ranking) is refused with the service's explanation.

A refused save changes nothing: each problem is shown next to its field (and the first one in
the status line), ``models.yaml`` is left byte-identical and the form keeps what was typed. A
conflict with an outside edit, on Save or Remove, says to press Reload and try again.

The form drops spaces around the values typed and reads sort_order "010" as 10 (the file and
:class:`~videorecs_widgets.model_spec.ModelSpec` refuse both, as ambiguous there); a save that
did so says it in the status, and the form shows what was saved.

When the model being edited is renamed or removed elsewhere (another tab, code, an outside edit
picked up by Reload), the status says so and the form is reset to a new model, so Add cannot put
the old model back next to its renamed copy; typed edits are kept instead, and the status says
that Add saves them as a new model (under the name in the form).

When ``models.yaml`` itself was deleted (or moved) since it was read, Reload says so rather than
that its models were removed, and Add asks for a second click before it writes a new file holding
only the model in the form; Save of a model of the deleted file says to press Reload first. A
registry whose file never existed is created by the first Add, as the registry does.

A name is refused next to the Name field when another model has it, or one that looks the same
(differs only in letter case, Unicode form or spacing; see
:meth:`~videorecs_widgets.registry.ModelRegistry.name_taken`). A check refused for want of AWS
credentials also says to untick the check box to save without asking the service.
"""

from __future__ import annotations

import contextlib
import html
import re
import warnings
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
import pandas as pd

from videorecs_widgets.errors import RegistryConflictError, RegistryError
from videorecs_widgets.model_spec import (
    MAX_ARN_LENGTH,
    MAX_NAME_LENGTH,
    MODEL_TYPES,
    ModelSpec,
    spec_problems,
)
from videorecs_widgets.registry import DuplicateModelWarning
from videorecs_widgets.registry_check import ACCESS_DENIED, ModelCheck, check_model, refusal
from videorecs_widgets.widgets.status import StatusLine

if TYPE_CHECKING:
    from videorecs_widgets.registry import ModelRegistry

NEW_MODEL = "new model"
NEW_MODEL_VALUE = ""
FORM_FIELDS: tuple[str, ...] = ("name", "arn", "type", "sort_order", "description")
TYPE_LABELS = {"recommendations": "recommendations", "personal-ranking": "personal ranking",
               "similar-items": "similar items"}
TABLE_COLUMNS: tuple[str, ...] = ("name", "type", "sort_order", "arn", "description")
_WHOLE_NUMBER = re.compile(r"[-+]?[0-9]+")
# What to do after a conflict with an outside edit, per action (see _conflict_advice).
SAVE_ADVICE = ("Press Reload to load the file's version (the form keeps what you typed), then "
               "save again.")
REMOVE_ADVICE = "Press Reload to load the file's version, then remove the model again."
CHECK_LABEL = "Check the type against the service"


class RegistryEditor:
    """Add, edit and remove the models of ``registry``; every change is saved through it.

    ``clients`` is what the type check asks (anything
    :func:`~videorecs_widgets.registry_check.check_model` accepts: a function from ARN to
    clients, a clients object or a ``personalize`` client); by default clients are chosen by
    each ARN, the embedded engine's in ``workspace`` (default: the registry's). ``check`` is
    the first state of the "check the type against the service" box: on by default, so a
    campaign that does not exist, or whose recipe answers another type, is refused before it
    reaches the file (turn it off to register a model the service cannot be asked about yet).
    """

    def __init__(
        self,
        registry: ModelRegistry,
        *,
        clients: Any = None,
        workspace: Any = None,
        check: bool = True,
    ) -> None:
        self.registry = registry
        self._clients = clients  # None: chosen by each ARN, in self._workspace when local
        self._workspace = registry.workspace if workspace is None else workspace
        self._errors: dict[str, str] = {}
        self._last_check: ModelCheck | None = None
        self._loaded: dict[str, str] = {}  # the form as last loaded, to tell typed edits apart
        self._notice = ""  # what the last registry change did to the form, for reload's status
        self._own_change = False  # True while this editor's own save or remove is applied
        # Whether models.yaml was there when last read or written: a file deleted since is not
        # a new registry, and Add must not quietly start a new file holding one model.
        self._had_file = registry.path.exists()
        self._confirm_new_file = False  # Add was clicked once with the file gone
        self._table = pd.DataFrame(columns=list(TABLE_COLUMNS))

        self._table_html = widgets.HTML()
        self._choice = widgets.Dropdown(description="Model",
                                        layout=widgets.Layout(width="420px"))
        self._fields: dict[str, widgets.Widget] = {
            "name": widgets.Text(description="Name", placeholder=f"up to {MAX_NAME_LENGTH} "
                                 "characters", layout=widgets.Layout(width="420px")),
            "arn": widgets.Text(description="ARN", placeholder=f"campaign ARN, up to "
                                f"{MAX_ARN_LENGTH} characters",
                                layout=widgets.Layout(width="640px")),
            "type": widgets.Dropdown(description="Type",
                                     options=[(TYPE_LABELS[t], t) for t in MODEL_TYPES],
                                     layout=widgets.Layout(width="420px")),
            "sort_order": widgets.Text(description="Sort order", value="1",
                                       layout=widgets.Layout(width="220px")),
            "description": widgets.Text(description="Description", placeholder="optional",
                                        layout=widgets.Layout(width="640px")),
        }
        self._field_errors = {f: widgets.HTML() for f in FORM_FIELDS}
        self._check = widgets.Checkbox(value=check, indent=False, description=CHECK_LABEL)
        self._save = widgets.Button(description="Add", icon="plus", button_style="primary")
        self._remove = widgets.Button(description="Remove", icon="trash", button_style="danger")
        self._new = widgets.Button(description="New model", icon="file")
        self._reload = widgets.Button(description="Reload", icon="refresh",
                                      tooltip="Pick up changes made to models.yaml elsewhere")
        self.status_line = StatusLine()

        self._choice.observe(self._on_choice_change, names="value")
        self._save.on_click(self._on_save_click)
        self._remove.on_click(self._on_remove_click)
        self._new.on_click(self._on_new_click)
        self._reload.on_click(self._on_reload_click)
        registry.observe(self._on_registry_change)

        rows = [widgets.HBox([self._fields[f], self._field_errors[f]],
                             layout=widgets.Layout(align_items="center", grid_gap="8px"))
                for f in FORM_FIELDS]
        self.widget = widgets.VBox([
            widgets.HTML(f"<h3>Models in {html.escape(str(registry.path))}</h3>"),
            self._table_html,
            widgets.HBox([self._choice, self._new, self._reload]),
            *rows,
            self._check,
            widgets.HBox([self._save, self._remove]),
            self.status_line.widget,
        ])
        self._update_choices()
        self._load_form(None)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    # ---- state ----------------------------------------------------------------------------

    @property
    def table(self) -> pd.DataFrame:
        """The models shown in the table: name, type, sort_order, arn, description."""
        return self._table

    @property
    def html(self) -> str:
        """The table's HTML."""
        return self._table_html.value

    @property
    def editing(self) -> str | None:
        """The name of the model the form edits, or ``None`` when it adds a new one."""
        return self._choice.value or None

    @property
    def choices(self) -> list[str]:
        """The models the form can edit, in the registry's order."""
        return [value for _, value in self._choice.options if value != NEW_MODEL_VALUE]

    @property
    def form(self) -> dict[str, str]:
        """What the form holds, as typed (the type as its registry value)."""
        return {f: str(self._fields[f].value) for f in FORM_FIELDS}

    @property
    def field_errors(self) -> dict[str, str]:
        """The problem shown next to each field that has one (field name -> sentence)."""
        return dict(self._errors)

    @property
    def check_types(self) -> bool:
        """Whether a save first checks the model against the service."""
        return bool(self._check.value)

    @property
    def last_check(self) -> ModelCheck | None:
        """What the service said at the last checked save (``None`` before any)."""
        return self._last_check

    @property
    def status(self) -> str:
        """The status line's message."""
        return self.status_line.message

    # ---- public actions -------------------------------------------------------------------

    def new(self) -> None:
        """Empty the form for a new model (as the New model button does)."""
        self._choice.value = NEW_MODEL_VALUE
        self._load_form(None)

    def edit(self, name: str) -> None:
        """Load model ``name`` into the form (as choosing it in the Model drop-down does)."""
        self.registry.get(name)  # an unknown name raises UnknownModelError
        self._choice.value = name

    def fill(self, **values: Any) -> None:
        """Type into the form: ``fill(name="SIMS", sort_order=2)``; values as text."""
        unknown = sorted(set(values) - set(FORM_FIELDS))
        if unknown:
            raise ValueError(f"Invalid form field(s) {unknown!r}; the form has {FORM_FIELDS}.")
        for field, value in values.items():
            self._fields[field].value = "" if value is None else str(value)

    def set_check(self, on: bool) -> None:
        """Turn the check against the service on or off (as the checkbox does)."""
        self._check.value = bool(on)

    def save(self) -> ModelSpec | None:
        """Add or update the model in the form (as the Add / Save button does).

        Returns the saved model, or ``None`` when the save was refused (see
        :attr:`field_errors` and :attr:`status`).
        """
        return self._run(self._update_save, busy="Saving…", what="Saving the model",
                         refused="Not saved", advice=SAVE_ADVICE)

    def remove(self, name: str | None = None) -> ModelSpec | None:
        """Remove ``name`` (default: the model being edited), as the Remove button does."""
        return self._run(self._update_remove, name or self.editing, busy="Removing…",
                         what="Removing the model", refused="Not removed",
                         advice=REMOVE_ADVICE)

    def reload(self) -> bool:
        """Pick up an outside edit of the file (as the Reload button does); True if changed.

        When the model being edited is gone from the file (renamed or removed elsewhere), the
        status says so, and the form is reset to a new model unless it holds typed edits.
        """
        self._notice = ""
        self._confirm_new_file = False
        with duplicate_notes() as notes:
            # A conflict here comes from unsaved edits made in code (the editor saves every
            # change), which only code can drop: the registry's revert() advice stays.
            changed = self._run(self.registry.reload, busy="Reading the file again…",
                                what="Reading the file again", refused="Not reloaded")
        if changed is not None and self.status_line.kind != "error":
            note = "".join(f" Note: {n}." for n in notes)
            if self._file_gone():
                # Not "the models were updated": nobody removed them one by one.
                self.status_line.show(
                    f"{self._gone_sentence()}, so the list is empty. Put it back and press "
                    f"Reload; or Add a model to start a new {self.registry.path.name} holding "
                    "only that model (Add asks you to confirm).")
            elif not changed:
                self.status_line.show("The registry file has not changed.", "ok")
            elif self._notice:
                # not "ok": the model the user was editing is gone
                self.status_line.show("The registry file changed; the models were updated. "
                                      f"{self._notice}{note}")
            else:
                self.status_line.show("The registry file changed; the models were updated."
                                      f"{note}", "ok")
        if self.registry.path.exists():
            self._had_file = True
        return bool(changed)

    def close(self) -> None:
        """Stop following the registry and close the widgets."""
        self.registry.observe(self._on_registry_change, remove=True)
        self.widget.close()

    # ---- handlers -------------------------------------------------------------------------

    def _on_choice_change(self, change: dict[str, Any]) -> None:
        self._load_form(change["new"] or None)

    def _on_save_click(self, _button: widgets.Button) -> None:
        self.save()

    def _on_remove_click(self, _button: widgets.Button) -> None:
        self.remove()

    def _on_new_click(self, _button: widgets.Button) -> None:
        self.new()

    def _on_reload_click(self, _button: widgets.Button) -> None:
        self.reload()

    def _on_registry_change(self, _registry: Any) -> None:
        self._update_choices()

    # ---- running an action ----------------------------------------------------------------

    def _run(self, fn: Callable[..., Any], *args: Any, busy: str, what: str, refused: str,
             advice: str | None = None) -> Any:
        """Run one editor action in the status line; a registry refusal (a conflict with an
        outside edit, a disk error) shows as ``"<refused>: <why>"``, a conflict with
        ``advice`` for this form's user (see :func:`_conflict_advice`) when it is given."""
        def guarded() -> Any:
            try:
                return fn(*args)
            except RegistryError as exc:
                # The file is as it was, and the form keeps what was typed.
                self._show_errors({})
                text = str(exc)
                if advice is not None and isinstance(exc, RegistryConflictError):
                    text = _conflict_advice(text, advice)
                self.status_line.error(f"{refused}: {text}")
                return None
        return self.status_line.run(guarded, busy=busy, what=what)

    @contextlib.contextmanager
    def _applying_own_change(self) -> Iterator[None]:
        """Mark the registry change made in the block as this editor's own (a rename or a
        remove from the form is not a model vanishing elsewhere)."""
        self._own_change = True
        try:
            yield
        finally:
            self._own_change = False

    @contextlib.contextmanager
    def _choice_paused(self) -> Iterator[None]:
        """Change the Model drop-down from code without reloading the form."""
        self._choice.unobserve(self._on_choice_change, names="value")
        try:
            yield
        finally:
            self._choice.observe(self._on_choice_change, names="value")

    # ---- the update paths -----------------------------------------------------------------

    def _update_save(self) -> ModelSpec | None:
        """Validate the form, check it against the service if asked, save; or show why not."""
        editing = self.editing
        values, errors = self._form_values()
        for field, sentence in spec_problems(values):
            errors.setdefault(field, sentence)
        name = values.get("name")
        if "name" not in errors and isinstance(name, str) and (
                taken := self.registry.name_taken(name, besides=editing)) is not None:
            errors["name"] = (
                f"name {name!r} is taken by another model; pick another name" if taken == name
                else f"name {name!r} looks the same as model {taken!r} (names that differ only "
                     "in letter case, Unicode form or spacing count as one); pick another name")
        if errors:
            return self._refuse(errors)
        spec = ModelSpec(**values)  # type: ignore[arg-type]  # checked by spec_problems above
        if self._file_gone() and not self._may_create_file(editing):
            return None
        self._last_check = None
        if self.check_types:
            with self.status_line.working(f"Asking the service about {spec.arn!r}…"):
                self._last_check = check_model(spec, self._clients, workspace=self._workspace)
            reason = refusal(self._last_check)
            if reason:
                if self._last_check.status == ACCESS_DENIED:
                    reason = (f"{reason.rstrip('.')}. Or untick “{CHECK_LABEL}” to save it "
                              "without asking the service.")
                return self._refuse({self._check_field(self._last_check): reason})
        typed = self.form
        # A rule only the registry knows (a conflict with an outside edit, a disk error) raises
        # a RegistryError, which _run shows. A repeated ARN and type is warned about: here that
        # belongs in the status.
        with warnings.catch_warnings(record=True) as caught, self._applying_own_change():
            warnings.simplefilter("always", DuplicateModelWarning)
            if editing is None:
                saved = self.registry.add(spec)
            else:
                changes = {f: getattr(spec, f) for f in FORM_FIELDS}
                saved = self.registry.update(editing, **changes)
        self._had_file, self._confirm_new_file = True, False
        with self._choice_paused():
            self._choice.value = saved.name
        self._load_form(saved.name)  # shows what was saved, normalised text included
        verb = "Added" if editing is None else "Saved"
        note = "".join(f" {n}" for n in _normalised_notes(typed, self.form))
        note += f" {self._last_check.message}" if self._last_check is not None else ""
        for warning in caught:
            if issubclass(warning.category, DuplicateModelWarning):
                note += f" Note: {warning.message}."
            else:  # not ours to swallow
                warnings.warn_explicit(warning.message, warning.category, warning.filename,
                                       warning.lineno)
        self.status_line.show(f"{verb} model {saved.name!r} to {self.registry.path}.{note}", "ok")
        return saved

    def _update_remove(self, name: str | None) -> ModelSpec | None:
        if name is None:
            self.status_line.error("Choose the model to remove in the Model drop-down first.")
            return None
        with self._applying_own_change():
            removed = self.registry.remove(name)
        self.new()
        self.status_line.show(f"Removed model {removed.name!r} from {self.registry.path}.", "ok")
        return removed

    def _update_choices(self) -> None:
        """Follow the registry: table and Model drop-down; the form keeps what is typed."""
        specs = self.registry.models
        self._table = pd.DataFrame(
            [[s.name, s.type, s.sort_order, s.arn, s.description or ""] for s in specs],
            columns=list(TABLE_COLUMNS),
        )
        self._table_html.value = _table_markup(self._table, self.registry.warnings)
        current = self._choice.value
        vanished = bool(current) and current not in self.registry and not self._own_change
        options = [(NEW_MODEL, NEW_MODEL_VALUE)] + [(s.name, s.name) for s in specs]
        with self._choice_paused(), self._choice.hold_sync():
            self._choice.options = options
            self._choice.value = current if current in self.registry else NEW_MODEL_VALUE
        if vanished:
            self._update_vanished(current)
        self._update_buttons()

    def _update_vanished(self, name: str) -> None:
        """The model being edited was renamed or removed elsewhere (another tab, code, an
        outside edit picked up by Reload). Untouched values are the old model's: adding them
        back would duplicate it (under its old name, next to a renamed copy), so the form is
        reset to a new model. Typed edits are the user's work: they are kept, and the status
        says that Add now saves them as a new model."""
        gone = f"Model {name!r} is no longer in {self.registry.path.name} (renamed or removed " \
               "elsewhere);"
        if self.form == self._loaded:
            self._load_form(None)
            self._notice = f"{gone} the form is reset to a new model."
        else:
            self._notice = (f"{gone} the form keeps what you typed, and Add saves it as a new "
                            "model.")
        self.status_line.show(self._notice)

    def _load_form(self, name: str | None) -> None:
        if name is None:
            self.fill(name="", arn="", sort_order="1", description="")
            self._fields["type"].value = MODEL_TYPES[0]
        else:
            spec = self.registry.get(name)
            self.fill(name=spec.name, arn=spec.arn, sort_order=spec.sort_order,
                      description=spec.description or "")
            self._fields["type"].value = spec.type
        self._loaded = self.form
        self._show_errors({})
        self._update_buttons()

    def _update_buttons(self) -> None:
        editing = self.editing is not None
        self._save.description = "Save" if editing else "Add"
        self._save.icon = "save" if editing else "plus"
        self._remove.disabled = not editing

    # ---- helpers --------------------------------------------------------------------------

    def _form_values(self) -> tuple[dict[str, object], dict[str, str]]:
        """The form as model fields, and the problems only the form's text can have.

        The form normalises what models.yaml and ModelSpec refuse as ambiguous: spaces around
        a value are dropped and sort_order "010" is 10. In a text box a trailing space cannot
        be seen, so refusing it would be a puzzle; and the box's text is never read as YAML,
        so "010" has no octal reading to mistake. A save that normalised a value says so in
        the status (see :func:`_normalised_notes`), and the form then shows what was saved.
        """
        errors: dict[str, str] = {}
        values: dict[str, object] = {
            "name": self._fields["name"].value.strip() or None,
            "arn": self._fields["arn"].value.strip() or None,
            "type": self._fields["type"].value,
            "description": self._fields["description"].value.strip() or None,
        }
        text = self._fields["sort_order"].value.strip()
        if not text:
            errors["sort_order"] = "sort_order is missing; write a whole number"
        elif not _WHOLE_NUMBER.fullmatch(text):
            errors["sort_order"] = f"sort_order {text!r} is not a whole number"
        else:
            values["sort_order"] = int(text)
        return values, errors

    def _file_gone(self) -> bool:
        """models.yaml was there when last read or written, and is not now."""
        return self._had_file and not self.registry.path.exists()

    def _gone_sentence(self) -> str:
        path = self.registry.path
        return (f"{path.name} no longer exists at {str(path.resolve())!r} (deleted or moved "
                "elsewhere)")

    def _may_create_file(self, editing: str | None) -> bool:
        """Whether a save may write a new models.yaml where the old one was deleted: after a
        second click of Add, which the first click's status asks for; never for Save of a
        model that was in the deleted file (Reload shows what is left)."""
        if editing is not None:
            self.status_line.error(
                f"Not saved: {self._gone_sentence()}. Press Reload (the form keeps what you "
                "typed), then Add the model to start a new file.")
            return False
        if self._confirm_new_file:
            return True
        self._confirm_new_file = True
        self.status_line.error(
            f"Not saved: {self._gone_sentence()}. Click Add again to create a new "
            f"{self.registry.path.name} holding only this model, or put the file back and "
            "press Reload.")
        return False

    @staticmethod
    def _check_field(check: ModelCheck) -> str:
        """The field a refused check is about: the type when the campaign answered with
        another type's recipe, otherwise the ARN (missing, failed, unreachable)."""
        if check.expected_type is not None and not check.fits:
            return "type"
        return "arn"

    def _refuse(self, errors: dict[str, str]) -> None:
        self._show_errors(errors)
        first = next(f for f in FORM_FIELDS if f in errors)
        more = f" ({len(errors)} problems)" if len(errors) > 1 else ""
        self.status_line.error(f"Not saved: {errors[first].rstrip('.')}{more}.")
        return None

    def _show_errors(self, errors: dict[str, str]) -> None:
        self._errors = {f: errors[f] for f in FORM_FIELDS if f in errors}
        for field, label in self._field_errors.items():
            sentence = self._errors.get(field)
            label.value = ("" if sentence is None else
                           f'<span style="color:#b42318">⚠ {html.escape(sentence)}</span>')


@contextlib.contextmanager
def duplicate_notes() -> Iterator[list[str]]:
    """Collect the registry's :class:`DuplicateModelWarning` sentences raised in the block,
    for a status line, instead of letting them reach stderr (a red box in a notebook or on the
    app's page). The list is filled when the block ends; other warnings pass on as raised."""
    notes: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DuplicateModelWarning)
        yield notes
    for warning in caught:
        if issubclass(warning.category, DuplicateModelWarning):
            notes.append(str(warning.message))
        else:  # not ours to swallow
            warnings.warn_explicit(warning.message, warning.category, warning.filename,
                                   warning.lineno)


def _conflict_advice(message: str, advice: str = SAVE_ADVICE) -> str:
    """The registry's conflict sentence with ``advice`` a user of this form can follow (the
    Reload button) instead of the ``revert()`` call the registry's message names."""
    head = message.split(" Call revert()", 1)[0].rstrip()
    return f"{head} {advice}"


def _normalised_notes(typed: dict[str, str], saved: dict[str, str]) -> list[str]:
    """A sentence per field whose saved value differs from the text typed (spaces dropped,
    "010" saved as 10), so the form never changes a value without saying so."""
    notes = []
    for field in FORM_FIELDS:
        if field == "type" or typed[field] == saved[field]:
            continue
        if saved[field] == "" and not typed[field].strip():
            continue  # a blank optional field stays blank
        notes.append(f"The {field.replace('_', ' ')} {typed[field]!r} was saved as "
                     f"{saved[field]!r}.")
    return notes


def _table_markup(table: pd.DataFrame, warnings: list[str]) -> str:
    if table.empty:
        return "<i>No models yet: add one below.</i>"
    cell = 'style="padding:2px 10px;text-align:left;border-bottom:1px solid #e5e7eb"'
    head = "".join(f"<th {cell}>{html.escape(c.replace('_', ' '))}</th>" for c in table.columns)
    rows = []
    for record in table.itertuples(index=False):
        values = [record.name, TYPE_LABELS.get(record.type, record.type), record.sort_order,
                  record.arn, record.description]
        rows.append("<tr>" + "".join(f"<td {cell}>{html.escape(str(v))}</td>" for v in values)
                    + "</tr>")
    notes = "".join(f'<div style="color:#b7791f">⚠ {html.escape(w)}</div>' for w in warnings)
    return (f'<table style="border-collapse:collapse;font-size:13px"><tr>{head}</tr>'
            f"{''.join(rows)}</table>{notes}")
