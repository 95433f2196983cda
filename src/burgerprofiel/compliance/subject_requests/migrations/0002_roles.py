"""Role permissions: both roles follow data-subject requests (states and deadlines); nobody writes here."""

from django.db import migrations

from burgerprofiel.common.migration_ops import grant_role_permissions

VIEWABLE = ("subjectrequest",)
OPERATOR_WRITES = ()


class Migration(migrations.Migration):
    dependencies = [("subject_requests", "0001_initial"), ("backoffice", "0001_roles")]
    operations = [
        grant_role_permissions("subject_requests", view=[f"view_{m}" for m in VIEWABLE], operator=OPERATOR_WRITES)
    ]
