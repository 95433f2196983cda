"""Stored perfect subtrees of the Merkle tree, so that a proof reads O(log n) rows (issue 11 item 12a).

The inclusion and consistency proof endpoints read every leaf hash up to the tree size. From now on
the sealing task stores each perfect subtree it completes (``AuditNode``); this migration computes
them for the leaves sealed before, streaming the leaves in index order (constant memory, one pass,
about one node per leaf). Append-only like the other audit tables.
"""

from django.db import migrations, models

TABLE = "audit_auditnode"
CHUNK = 5000


def nodes_backfill(apps, schema_editor):
    from burgerprofiel.audit import merkle

    AuditLeaf = apps.get_model("audit", "AuditLeaf")
    AuditNode = apps.get_model("audit", "AuditNode")
    frontier = merkle.Frontier()
    last = -1
    while True:
        page = list(
            AuditLeaf.objects.filter(index__gt=last).order_by("index").values_list("index", "leaf_hash")[:CHUNK]
        )
        if not page:
            return
        nodes = []
        for index, leaf_hash in page:
            if index != frontier.size:
                raise RuntimeError(f"leaf {frontier.size} is missing: run `burgerprofiel audit verify` first")
            for position, value in frontier.append(bytes.fromhex(leaf_hash)):
                nodes.append(AuditNode(position=position, node_hash=value.hex()))
        AuditNode.objects.bulk_create(nodes, batch_size=2000)
        last = page[-1][0]


def guard_add(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        # audit_refuse_change() exists since 0002 (0005 rewrote it).
        schema_editor.execute(
            f"CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE} "
            "FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()"
        )
        schema_editor.execute(
            f"CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE} "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()"
        )
    else:
        for op in ("UPDATE", "DELETE"):
            schema_editor.execute(
                f"CREATE TRIGGER {TABLE}_no_{op.lower()} BEFORE {op} ON {TABLE} "
                f"BEGIN SELECT RAISE(ABORT, 'audit trail is append-only: {op} on {TABLE} refused'); END"
            )


def guard_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE}")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE}")
    else:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_update")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_delete")


class Migration(migrations.Migration):
    dependencies = [("audit", "0006_witnessed_head")]

    operations = [
        migrations.CreateModel(
            name="AuditNode",
            fields=[
                ("position", models.BigIntegerField(primary_key=True, serialize=False)),
                ("node_hash", models.CharField(max_length=64)),
            ],
            options={"ordering": ["position"]},
        ),
        migrations.RunPython(nodes_backfill, migrations.RunPython.noop),
        migrations.RunPython(guard_add, guard_drop),
    ]
