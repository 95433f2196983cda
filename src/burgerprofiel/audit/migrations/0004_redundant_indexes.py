"""Drop the audit log's indexes that another index already serves.

``agency_id`` alone is served by (agency_id, occurred_at); ``action`` keeps one plain index instead of
two (PostgreSQL's "_like" copy served prefix searches, and nothing searches actions by prefix). Every
audit event wrote both for nothing.

The old indexes are dropped by name as the database reports them, not by altering the fields: on
SQLite, altering a field rebuilds the table, and the rebuilt table would lose the append-only
triggers of 0002.
"""

from django.db import migrations, models

TABLE = "audit_auditevent"
NEW_INDEX = "audit_event_action"
SINGLE_COLUMNS = (["action"], ["agency_id"])


def drop_redundant(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, TABLE)
    for name, info in sorted(constraints.items()):
        redundant = info["index"] and not (info["primary_key"] or info["unique"]) and info["columns"] in SINGLE_COLUMNS
        if redundant and name != NEW_INDEX:
            schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


def restore(apps, schema_editor):
    # Reversing AddIndex has dropped the new index by then; the old ones come back (without "_like").
    for column in ("action", "agency_id"):
        schema_editor.execute(f"CREATE INDEX {TABLE}_{column} ON {TABLE} ({column})")


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_object_time_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(model_name="auditevent", name="action", field=models.CharField(max_length=80)),
                migrations.AlterField(
                    model_name="auditevent", name="agency_id", field=models.BigIntegerField(blank=True, null=True)
                ),
            ],
            database_operations=[migrations.RunPython(drop_redundant, restore)],
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["action"], name=NEW_INDEX),
        ),
    ]
