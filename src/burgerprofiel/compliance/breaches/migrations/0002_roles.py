"""Operators register, assess and notify breaches; auditors see them (nobody deletes one: GDPR 33(5))."""

from django.db import migrations

from burgerprofiel.common.migration_ops import grant_role_permissions

VIEW = ["view_breach", "view_breachnotification"]
OPERATOR = ["add_breach", "change_breach"]


class Migration(migrations.Migration):
    dependencies = [
        ("breaches", "0001_initial"),
        ("backoffice", "0004_login_lock"),
    ]
    operations = [grant_role_permissions("breaches", view=VIEW, operator=OPERATOR)]
