"""The consent ledger is append-only: the database refuses UPDATE on it (proof of consent, GDPR art. 7(1)).

DELETE stays possible: erasing a citizen (or flushing a test database) removes their ledger with them.
"""

from django.db import migrations

TABLE = "preferences_consentevent"


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(
            """
            CREATE OR REPLACE FUNCTION consent_ledger_refuse_update() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'consent ledger is append-only: UPDATE refused'
                    USING ERRCODE = 'insufficient_privilege';
            END
            $$ LANGUAGE plpgsql;
            """,
            params=None,
        )
        schema_editor.execute(
            f"CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE ON {TABLE} "
            "FOR EACH ROW EXECUTE FUNCTION consent_ledger_refuse_update()"
        )
    elif vendor == "sqlite":
        schema_editor.execute(
            f"CREATE TRIGGER {TABLE}_no_update BEFORE UPDATE ON {TABLE} "
            "BEGIN SELECT RAISE(ABORT, 'consent ledger is append-only: UPDATE refused'); END"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE}")
    else:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_update")


class Migration(migrations.Migration):
    dependencies = [("preferences", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
