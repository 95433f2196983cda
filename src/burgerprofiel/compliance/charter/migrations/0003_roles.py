"""Role permissions for the charter: both roles view versions and terminations; operators publish."""

from django.db import migrations

from burgerprofiel.common.migration_ops import grant_role_permissions

VIEWABLE = ("charterversion", "chartertermination")
OPERATOR_WRITES = ("add_charterversion",)


class Migration(migrations.Migration):
    dependencies = [("charter", "0002_charter_v3"), ("backoffice", "0001_roles")]
    operations = [grant_role_permissions("charter", view=[f"view_{m}" for m in VIEWABLE], operator=OPERATOR_WRITES)]
