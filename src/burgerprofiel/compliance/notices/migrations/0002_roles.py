"""Both back-office roles see the notices sent to agencies (read-only; addresses are not shown)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

VIEW = ["view_agencynotice", "view_noticemail"]


def forwards(apps, schema_editor):
    db = schema_editor.connection.alias
    app_config = apps.get_app_config("agency_notices")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, using=db, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.using(db).filter(content_type__app_label="agency_notices", codename__in=VIEW)
    for group in Group.objects.using(db).filter(name__in=("operator", "auditor")):
        group.permissions.add(*permissions)


def backwards(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    db = schema_editor.connection.alias
    for group in Group.objects.using(db).filter(name__in=("operator", "auditor")):
        group.permissions.remove(
            *Permission.objects.using(db).filter(content_type__app_label="agency_notices", codename__in=VIEW)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("agency_notices", "0001_initial"),
        ("backoffice", "0004_login_lock"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
