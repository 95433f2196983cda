"""RelabelFields: label changes without SQL and without a state reload per field."""

from __future__ import annotations

import pytest
from django.db import connection, migrations, models
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations import AlterField, AlterModelOptions
from django.test.utils import CaptureQueriesContext

from burgerprofiel.common.migration_ops import RelabelFields, label_only_alter_fields

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def loader():
    return MigrationLoader(None, ignore_no_migrations=True)


def _relabelled(state, name, **changes):
    field = state.models["agencies", "agency"].fields[name]
    _name, _path, args, kwargs = field.deconstruct()
    return field.__class__(*args, **{**kwargs, **changes})


def test_relabel_fields_issues_no_sql_and_changes_the_labels_in_the_state(loader):
    state = loader.project_state()
    state.apps  # noqa: B018 - render the models, as the executor does
    name_field = _relabelled(state, "name", verbose_name="officiële naam")
    dpo_field = _relabelled(state, "dpo_name", verbose_name="toestand", help_text="uitleg")
    migration = migrations.Migration("9999_relabel", "agencies")
    migration.operations = [RelabelFields("agency", [("name", name_field), ("dpo_name", dpo_field)])]

    # The editor is not entered: SQLite refuses to open one inside the test's transaction, and a
    # collecting editor only needs its lists (what `sqlmigrate` would print).
    editor = connection.schema_editor(collect_sql=True, atomic=False)
    editor.deferred_sql = []  # what __enter__ would start with
    with CaptureQueriesContext(connection) as queries:
        after = migration.apply(state.clone(), editor, collect_sql=True)
    assert [line for line in editor.collected_sql if not line.startswith("--")] == []
    assert editor.deferred_sql == []
    assert queries.captured_queries == []

    agency = after.apps.get_model("agencies", "agency")
    assert agency._meta.get_field("name").verbose_name == "officiële naam"
    assert agency._meta.get_field("dpo_name").help_text == "uitleg"
    assert after.models["agencies", "agency"].fields["dpo_name"].verbose_name == "toestand"
    # The state the migration started from keeps the old labels.
    assert state.apps.get_model("agencies", "agency")._meta.get_field("name").verbose_name != "officiële naam"

    editor = connection.schema_editor(collect_sql=True, atomic=False)
    editor.deferred_sql = []  # what __enter__ would start with
    with CaptureQueriesContext(connection) as queries:
        migration.unapply(after, editor, collect_sql=True)
    assert [line for line in editor.collected_sql if not line.startswith("--")] == []
    assert editor.deferred_sql == []
    assert queries.captured_queries == []


def test_relabel_fields_refuses_a_change_beyond_the_labels(loader):
    state = loader.project_state()
    wider = _relabelled(state, "name", verbose_name="naam", max_length=999)
    with pytest.raises(ValueError, match=r"agencies\.agency\.name changes more than its labels"):
        RelabelFields("agency", [("name", wider)]).state_forwards("agencies", state)


def test_relabel_fields_describes_itself_and_deconstructs():
    field = models.CharField(max_length=10, verbose_name="naam")
    operation = RelabelFields("Agency", [("name", field)])
    assert operation.describe() == "Relabel fields name on Agency"
    assert operation.deconstruct() == ("RelabelFields", [], {"model_name": "Agency", "fields": [("name", field)]})
    assert operation.reversible


def test_no_migration_consists_of_label_only_alter_fields(loader):
    """The next label-only migration is written with RelabelFields (scripts/relabel_migrations.py --all)."""
    offenders = []
    for (app_label, name), migration in sorted(loader.disk_migrations.items()):
        if not migration.__module__.startswith("burgerprofiel."):
            continue
        operations = migration.operations
        if not any(isinstance(op, AlterField) for op in operations):
            continue
        if not all(isinstance(op, AlterField | AlterModelOptions) for op in operations):
            continue
        state = loader.project_state((app_label, name), at_end=False)
        label_only = label_only_alter_fields(operations, app_label, state)
        alter_fields = [only for op, only in zip(operations, label_only, strict=True) if isinstance(op, AlterField)]
        if all(alter_fields):
            offenders.append(f"{app_label}.{name}")
    assert offenders == [], f"label-only AlterField migrations, rewrite them with RelabelFields: {offenders}"


def test_relabel_fields_keeps_the_relation_cache_pointing_at_the_new_field(loader):
    state = loader.project_state()
    assert ("webhooks", "delivery") in state.relations["agencies", "agency"]  # builds the cache
    old = state.models["webhooks", "delivery"].fields["agency"]
    _name, _path, args, kwargs = old.deconstruct()
    new = old.__class__(*args, **{**kwargs, "verbose_name": "opdrachtgever"})

    RelabelFields("delivery", [("agency", new)]).state_forwards("webhooks", state)

    assert state.relations["agencies", "agency"]["webhooks", "delivery"]["agency"] is new
    assert state.models["webhooks", "delivery"].fields["agency"] is new
