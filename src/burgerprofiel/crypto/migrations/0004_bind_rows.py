"""Seal every encrypted value again, bound to its row as well (issue 11 item 12e).

``bp2:`` ciphertexts bound the data key, the table and the column, so a value could be moved to
another row of the same column and still decrypt. ``bp3:`` binds the row's identity too: its
``seal_id`` (added to each model with encrypted fields and an integer primary key by the migrations
this one depends on; every existing row got a random one from the database) or its UUID primary
key. This migration walks every model with encrypted fields as they stand here and seals each
``bp1:``/``bp2:`` value as ``bp3:`` (``crypto.services.ciphertexts_reseal``), column by column, in
chunks; values whose key was destroyed stay unreadable. ``bp2:`` stays readable, so processes on the
older code may keep running while this runs; ``burgerprofiel keys reseal`` seals what they wrote
meanwhile. Safe to run twice.
"""

from django.db import migrations


def reseal(apps, schema_editor):
    from burgerprofiel.crypto.services import ciphertexts_reseal

    ciphertexts_reseal(using_apps=apps, connection=schema_editor.connection)


class Migration(migrations.Migration):
    atomic = False  # chunk by chunk: a large table is not one long transaction

    dependencies = [
        ("crypto", "0003_agency_keys_to_keystore"),
        ("agencies", "0003_agency_seal_id_contactperson_seal_id"),
        ("citizens", "0002_citizen_seal_id"),
        ("corrections", "0002_attachment_seal_id"),
        ("dossiers", "0005_dossier_seal_id_dossierstatus_seal_id_and_more"),
        ("preferences", "0005_contactpreference_seal_id_verification_seal_id"),
        ("webhooks", "0003_event_seal_id"),
        ("notifications", "0002_partition_deliveries"),
        ("service_requests", "0001_initial"),
        ("payments", "0001_initial"),
    ]

    operations = [migrations.RunPython(reseal, migrations.RunPython.noop)]
