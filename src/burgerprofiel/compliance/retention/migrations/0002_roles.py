"""Role permissions: operator and auditor both read the retention runs (nobody writes them by hand)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

VIEW = [("retention", "view_retentionrun")]


def forwards(apps, schema_editor):
    db = schema_editor.connection.alias
    app_config = apps.get_app_config("retention")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, using=db, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = [Permission.objects.using(db).get(content_type__app_label=a, codename=c) for a, c in VIEW]
    for name in ("operator", "auditor"):
        Group.objects.using(db).get(name=name).permissions.add(*permissions)


def backwards(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    db = schema_editor.connection.alias
    for group in Group.objects.using(db).filter(name__in=("operator", "auditor")):
        group.permissions.remove(
            *Permission.objects.using(db).filter(content_type__app_label="retention", codename="view_retentionrun")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("retention", "0001_initial"),
        ("backoffice", "0003_roles_for_webhooks"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
