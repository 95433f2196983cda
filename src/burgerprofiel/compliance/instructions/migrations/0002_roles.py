"""Operators register instructions and disclosures and flag or notify them; auditors see them (nobody deletes one)."""

from django.db import migrations

from burgerprofiel.common.migration_ops import grant_role_permissions

VIEW = ["view_instruction", "view_legaldisclosure"]
OPERATOR = ["add_instruction", "change_instruction", "add_legaldisclosure", "change_legaldisclosure"]


class Migration(migrations.Migration):
    dependencies = [
        ("instructions", "0001_initial"),
        ("backoffice", "0004_login_lock"),
    ]
    operations = [grant_role_permissions("instructions", view=VIEW, operator=OPERATOR)]
