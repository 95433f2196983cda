"""Staff management in the back-office (issue 16 item 6).

Operators see the staff list and change roles, deactivate accounts and reset TOTP devices (each
through a confirmation page, audited); auditors see the list (who has access is part of what they
check). Nobody adds staff in the back-office: ``burgerprofiel staff create`` prints the password
and TOTP secret once.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def forwards(apps, schema_editor):
    db = schema_editor.connection.alias
    app_config = apps.get_app_config("auth")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, using=db, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    view = Permission.objects.using(db).get(content_type__app_label="auth", codename="view_user")
    change = Permission.objects.using(db).get(content_type__app_label="auth", codename="change_user")
    Group.objects.using(db).get(name="operator").permissions.add(view, change)
    Group.objects.using(db).get(name="auditor").permissions.add(view)


def backwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    db = schema_editor.connection.alias
    perms = Permission.objects.using(db).filter(
        content_type__app_label="auth", codename__in=("view_user", "change_user")
    )
    for group in Group.objects.using(db).filter(name__in=("operator", "auditor")):
        group.permissions.remove(*perms)


class Migration(migrations.Migration):
    dependencies = [
        ("backoffice", "0004_login_lock"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
