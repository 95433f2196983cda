"""Partition the DOSIS status history by month on PostgreSQL (SQLite keeps its plain table, untouched).

Why: every upload adds a status row, and agencies keep uploading for as long as dossiers live (a
large agency's first load alone is millions of rows). Monthly partitions keep the months being
written small; a month is VACUUMed, re-indexed or archived as a unit.

The partition key is ``modified_at`` (the upload's WijzigingsDatum), not the filing time, because
the history's own rule, one status per dossier and moment (``dossier_status_unique_modified_at``),
must stay enforced by the database, and a partitioned table's unique constraints must contain the
partition key. Rows dated in a month without a partition (an agency's history from years back, a
date far ahead) go to the ``_default`` partition, never refused; ``common.partitions`` keeps months
ahead created and moves a month's rows out of the default when that month's partition is made.

The trade-offs:
- The primary key becomes (id, modified_at): ``id`` stays unique (one identity sequence) but is no
  longer enforced by the database on its own, and no foreign key can point at a status any more.
  So ``DossierStatusChange.status`` loses its database constraint (the first operation below); Django
  still deletes a status's outbox rows with it (``on_delete``), and every writer of the outbox writes
  the status in the same transaction.
- A lookup of a status by id alone probes every partition's index (one probe per month kept). The
  portal reads a dossier's history by dossier, which each partition's index serves.

Existing rows are copied into the new table in the migration's transaction: on a large existing
history, plan the window for it.
"""

import django.db.models.deletion
from django.db import migrations, models

from burgerprofiel.common.partitions import foreign_key_constraint_dropped, table_partition, table_unpartition

TABLE = "dossiers_dossierstatus"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        table_partition(schema_editor, table=TABLE, key="modified_at")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        table_unpartition(schema_editor, table=TABLE, key="modified_at")


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0003_redundant_indexes")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="dossierstatuschange",
                    name="status",
                    field=models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="dossiers.dossierstatus",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunPython(*foreign_key_constraint_dropped("dossiers", "DossierStatusChange", "status")),
            ],
        ),
        migrations.RunPython(forwards, backwards),
    ]
