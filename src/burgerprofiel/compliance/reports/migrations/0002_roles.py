"""Role permissions: both roles view statements, acceptances, audits and reports; operators publish statements and record audits."""

from django.db import migrations

from burgerprofiel.common.migration_ops import grant_role_permissions

VIEWABLE = ("confidentialitystatement", "confidentialityacceptance", "independentaudit", "obligationsreport")
OPERATOR_WRITES = ("add_confidentialitystatement", "add_independentaudit")


class Migration(migrations.Migration):
    dependencies = [("compliance_reports", "0001_initial"), ("backoffice", "0001_roles")]
    operations = [
        grant_role_permissions("compliance_reports", view=[f"view_{m}" for m in VIEWABLE], operator=OPERATOR_WRITES)
    ]
