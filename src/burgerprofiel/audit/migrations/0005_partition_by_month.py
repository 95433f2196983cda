"""Partition the audit log by month on PostgreSQL (SQLite keeps its plain table, untouched).

Why: the audit log is the busiest table (every act on personal data, every login, every refusal).
Monthly partitions keep the month being written small and its indexes in memory, let VACUUM and a
re-index work one month at a time, and let an auditor's export or an archive take a month as a unit.

The partition key is ``occurred_at``, set once when the event is written; events are ordered into
the Merkle tree by ``id``, which keeps coming from one identity sequence, so sealing and ``audit
verify`` see the same log, in the same order, as before.

The trade-offs:
- PostgreSQL requires every unique constraint of a partitioned table to contain the partition key,
  so the primary key becomes (id, occurred_at). ``id`` stays unique because one sequence gives it,
  but the database no longer enforces that on its own. Nothing needs the database to: no foreign key
  points at an event (``AuditLeaf.event`` has never had a database constraint), and the sealing
  task's leaves name events by id.
- A lookup by id alone (an inclusion proof, the admin) probes each partition's index: one probe per
  month kept, cheap at tens of partitions.
- Row-level triggers are inherited by every partition, also those created later, so the append-only
  guard (UPDATE and DELETE refused) holds on each one. The TRUNCATE guard is a statement trigger,
  which PostgreSQL does not inherit: ``common.partitions`` copies it onto every partition it creates.
  The guard's message keeps naming ``audit_auditevent`` rather than the partition hit.
- Detaching or dropping a month's partition is DDL, outside what the triggers guard: like dropping a
  trigger, it needs the table owner's rights, and ``audit verify`` names what went missing.

Existing rows are copied into the new table (same ids, same content, so every hash still holds) in
the migration's transaction: on a large existing log, plan the window for it.
"""

from django.db import migrations

from burgerprofiel.common.partitions import table_partition, table_unpartition

TABLE = "audit_auditevent"

REFUSE_NAMING_THE_TABLE = """
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger AS $$
DECLARE
    target text;
BEGIN
    -- A partition's trigger names the partitioned table, as the guard always has.
    SELECT p.relname INTO target FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent
    WHERE i.inhrelid = TG_RELID;
    RAISE EXCEPTION 'audit trail is append-only: % on % refused', TG_OP, coalesce(target, TG_TABLE_NAME)
        USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql;
"""

REFUSE_AS_BEFORE = """
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit trail is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(REFUSE_NAMING_THE_TABLE, params=None)  # no placeholders: the % belong to PL/pgSQL
    table_partition(schema_editor, table=TABLE, key="occurred_at")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table_unpartition(schema_editor, table=TABLE, key="occurred_at")
    schema_editor.execute(REFUSE_AS_BEFORE, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_redundant_indexes")]
    operations = [migrations.RunPython(forwards, backwards)]
