"""Partition the notification deliveries by month on PostgreSQL (SQLite keeps its plain table, untouched).

Why: every melding adds one delivery per channel, a campaign a hundred thousand at once, and the rows
stay (without address or payload once final) for the audit period. Monthly partitions keep the
months being sent small, which is where the dispatcher's claim (``SKIP LOCKED``) and the sweeper
look; older months are VACUUMed, re-indexed or archived as a unit.

The partition key is ``created_at``, set once when the delivery is queued; a delivery's status,
attempts and lease change while it is young, always within its own partition.

The trade-offs:
- The primary key becomes (id, created_at): the UUID stays unique (drawn at random) but the database
  no longer enforces that on its own, and no foreign key can point at a delivery any more. So
  ``DeliveryReceipt.delivery`` loses its database constraint (the first operation below); Django still
  deletes a delivery's receipt with it (``on_delete``), and the receipt is written by the same worker
  transaction that makes the delivery final.
- Looking a delivery up by its UUID alone (a status update, the receipt) probes every partition's
  index: one probe per month kept, cheap at tens of partitions.

Existing rows are copied into the new table in the migration's transaction: on a large existing
outbox, plan the window for it.
"""

import django.db.models.deletion
from django.db import migrations, models

from burgerprofiel.common.partitions import foreign_key_constraint_dropped, table_partition, table_unpartition

TABLE = "notifications_delivery"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        table_partition(schema_editor, table=TABLE, key="created_at")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        table_unpartition(schema_editor, table=TABLE, key="created_at")


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="deliveryreceipt",
                    name="delivery",
                    field=models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="receipt",
                        to="notifications.delivery",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunPython(*foreign_key_constraint_dropped("notifications", "DeliveryReceipt", "delivery")),
            ],
        ),
        migrations.RunPython(forwards, backwards),
    ]
