"""Seal every encrypted value again, bound to its table and column (issue 11 item 12e).

``bp1:`` ciphertexts bound only their data key id in the AES-GCM associated data, so a value could
be moved to another row, column or table of the same owner and still decrypt. ``bp2:`` binds the
table and column too (``crypto.fields``). This migration decrypts each readable ``bp1:`` value and
seals it as ``bp2:``, column by column, in chunks; values whose key was destroyed stay unreadable.
After a rolling upgrade, ``burgerprofiel keys reseal`` does the same for what old processes wrote
meanwhile. Safe to run twice.
"""

from django.db import migrations

FIELDS = [
    ("agencies", "Agency", ("dpo_name", "dpo_email")),
    ("agencies", "ContactPerson", ("name", "email", "phone")),
    ("citizens", "Citizen", ("insz",)),
    ("webhooks", "Endpoint", ("secret", "previous_secret")),
    ("webhooks", "Event", ("body",)),
    ("dossiers", "Dossier", ("name", "manager")),
    ("dossiers", "DossierStatus", ("detail", "action_text")),
    ("dossiers", "DossierUpload", ("payload",)),
    ("notifications", "Notification", ("message",)),
    ("notifications", "Delivery", ("recipient", "payload")),
    ("preferences", "ContactPreference", ("email", "mobile", "iban")),
    ("preferences", "Verification", ("address",)),
    ("corrections", "ErrorReport", ("subject_label", "shown_value", "what_is_wrong", "should_be", "reason")),
    ("corrections", "Attachment", ("filename",)),
    ("corrections", "ReportEntry", ("text",)),
    ("service_requests", "ServiceRequest", ("applicant_name", "answers")),
    ("payments", "Payment", ("description",)),
]


def reseal(apps, schema_editor):
    from burgerprofiel.crypto.services import ciphertexts_reseal_column

    for app_label, model_name, fields in FIELDS:
        model = apps.get_model(app_label, model_name)
        for name in fields:
            ciphertexts_reseal_column(
                connection=schema_editor.connection,
                table=model._meta.db_table,
                pk_column=model._meta.pk.column,
                column=model._meta.get_field(name).column,
            )
    _attachments_reseal(schema_editor.connection)


def _attachments_reseal(connection):
    """An error report's attachment is sealed bytes in a plain column, bound to its report."""
    from burgerprofiel.crypto.fields import legacy_reseal
    from burgerprofiel.crypto.services import KeyUnavailable

    with connection.cursor() as cursor:
        cursor.execute("SELECT id, report_id, content FROM corrections_attachment WHERE content LIKE %s", ["bp1:%"])
        rows = cursor.fetchall()
    for pk, report_id, content in rows:
        try:
            resealed = legacy_reseal(content, context=f"corrections_attachment.content:{report_id}")
        except KeyUnavailable:
            continue
        with connection.cursor() as cursor:
            cursor.execute("UPDATE corrections_attachment SET content = %s WHERE id = %s", [resealed, pk])


class Migration(migrations.Migration):
    atomic = False  # chunk by chunk: a large table is not one long transaction

    dependencies = [
        ("crypto", "0001_initial"),
        ("agencies", "0002_encrypt_dpo_contact"),
        ("citizens", "0001_initial"),
        ("dossiers", "0004_partition_status_history"),
        ("notifications", "0002_partition_deliveries"),
        ("preferences", "0003_consent_iban"),
        ("webhooks", "0001_initial"),
        ("corrections", "0001_initial"),
        ("service_requests", "0001_initial"),
        ("payments", "0001_initial"),
    ]

    operations = [migrations.RunPython(reseal, migrations.RunPython.noop)]
