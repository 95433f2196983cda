"""Custom migration operations.

``RelabelFields`` replaces a run of ``AlterField`` operations that only change the labels of
fields (``verbose_name``, ``help_text``). Django renders the project state again for every
``AlterField`` (clone the state, reload the model and every model related to it), which made a
fresh ``migrate`` spend most of its time on the ``*_dutch_labels`` migrations while the database
did nothing. ``RelabelFields`` puts all new field objects of one model into the migration state at
once and reloads that model once.

Labels live only in Python: no database backend stores ``verbose_name`` or ``help_text`` (a
column comment is ``db_comment``, which is not a label), so the operation issues no SQL, in
either direction. To keep that promise, ``state_forwards`` refuses a field whose deconstruction
differs from the field it replaces in anything but its labels; such a change belongs in an
``AlterField``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import models
from django.db.migrations.operations import AlterField, RunPython
from django.db.migrations.operations.base import Operation
from django.db.migrations.state import ProjectState

#: Field attributes that exist only in Python (never in the database schema).
LABEL_ATTRIBUTES = frozenset({"verbose_name", "help_text"})


def without_labels(field: models.Field) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
    """The field's deconstruction (path, args, kwargs) with the label attributes left out."""
    _name, path, args, kwargs = field.deconstruct()
    kwargs = {key: value for key, value in kwargs.items() if key not in LABEL_ATTRIBUTES}
    return path, tuple(args), kwargs


def changes_only_labels(old: models.Field, new: models.Field) -> bool:
    """True when ``new`` differs from ``old`` at most in its labels (no schema change)."""
    return without_labels(old) == without_labels(new)


class RelabelFields(Operation):
    """Give several fields of one model new labels, without touching the database.

    ``fields`` is a sequence of ``(name, field)`` pairs: the complete new field objects (as an
    ``AlterField`` would carry them), which differ from the current ones only in
    ``verbose_name``/``help_text``.
    """

    reversible = True
    reduces_to_sql = True  # to no SQL at all; `sqlmigrate` prints nothing for it

    def __init__(self, model_name: str, fields: Sequence[tuple[str, models.Field]]) -> None:
        self.model_name = model_name
        self.fields = list(fields)

    @property
    def model_name_lower(self) -> str:
        return self.model_name.lower()

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return (
            self.__class__.__name__,
            [],
            {"model_name": self.model_name, "fields": self.fields},
        )

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        model_key = (app_label, self.model_name_lower)
        model_fields = state.models[model_key].fields
        for name, field in self.fields:
            old_field = model_fields[name]
            if not changes_only_labels(old_field, field):
                raise ValueError(
                    f"RelabelFields on {app_label}.{self.model_name}.{name} changes more than "
                    f"its labels; use migrations.AlterField for it."
                )
            # Same bookkeeping as ProjectState.alter_field, without its reload per field.
            # ProjectState._relations (private, not in the type stubs): the relation cache the
            # autodetector builds; None until someone asks for state.relations.
            if getattr(state, "_relations", None) is not None:
                model_fields.pop(name)
                if old_field.is_relation:
                    state.resolve_model_field_relations(model_key, name, old_field)
                model_fields[name] = field
                if field.is_relation:
                    state.resolve_model_field_relations(model_key, name, field)
            else:
                model_fields[name] = field
        # The relations between models are unchanged, so reloading the model and its direct
        # neighbours once (delay=True) is enough.
        state.reload_model(app_label, self.model_name_lower, delay=True)

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        # Labels are not part of the schema: nothing to do in the database.
        return None

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        # Labels are not part of the schema: nothing to undo in the database.
        return None

    def describe(self) -> str:
        names = ", ".join(name for name, _field in self.fields)
        return f"Relabel fields {names} on {self.model_name}"

    @property
    def migration_name_fragment(self) -> str:
        return f"relabel_{self.model_name_lower}"


def label_only_alter_fields(operations: Sequence[Operation], app_label: str, state: ProjectState) -> list[bool]:
    """For each operation: is it an ``AlterField`` that changes only labels?

    ``state`` is the project state before the first operation (it is advanced in place, without
    rendering the models).
    """
    answers = []
    for operation in operations:
        answer = False
        if isinstance(operation, AlterField) and operation.preserve_default:
            old_field = state.models[app_label, operation.model_name_lower].fields[operation.name]
            answer = changes_only_labels(old_field, operation.field)
        answers.append(answer)
        operation.state_forwards(app_label, state)
    return answers


def grant_role_permissions(app_label: str, *, view: Sequence[str], operator: Sequence[str] = ()) -> Operation:
    """The data migration that gives the back-office roles an app's permissions: both roles (the groups
    ``operator`` and ``auditor``, made by ``backoffice.0001_roles``) get the ``view`` codenames, the
    operator the ``operator`` codenames as well. The app's permissions are created first (Django makes
    them only after the last migration); backwards takes exactly these away again."""
    codenames = [*view, *operator]

    def permissions(apps: Any, db: str, wanted: Sequence[str]) -> list[Any]:
        permission = apps.get_model("auth", "Permission")
        return list(permission.objects.using(db).filter(content_type__app_label=app_label, codename__in=wanted))

    def forwards(apps: Any, schema_editor: Any) -> None:
        from django.contrib.auth.management import create_permissions

        db = schema_editor.connection.alias
        app_config = apps.get_app_config(app_label)
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, using=db, apps=apps)
        app_config.models_module = None
        group = apps.get_model("auth", "Group")
        operator_group, _ = group.objects.using(db).get_or_create(name="operator")
        auditor_group, _ = group.objects.using(db).get_or_create(name="auditor")
        operator_group.permissions.add(*permissions(apps, db, codenames))
        auditor_group.permissions.add(*permissions(apps, db, view))

    def backwards(apps: Any, schema_editor: Any) -> None:
        db = schema_editor.connection.alias
        granted = permissions(apps, db, codenames)
        for group in apps.get_model("auth", "Group").objects.using(db).filter(name__in=("operator", "auditor")):
            group.permissions.remove(*granted)

    return RunPython(forwards, backwards)
