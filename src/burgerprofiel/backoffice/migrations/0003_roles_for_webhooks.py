"""Role permissions for webhooks: both roles see endpoints and deliveries (never secrets or bodies,
which the admin does not show); the operator may replay a dead letter (``change_delivery``)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

VIEW = [("webhooks", "view_endpoint"), ("webhooks", "view_delivery")]
OPERATOR = [("webhooks", "change_delivery")]


def forwards(apps, schema_editor):
    db = schema_editor.connection.alias
    app_config = apps.get_app_config("webhooks")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, using=db, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    def permissions(pairs):
        return [Permission.objects.using(db).get(content_type__app_label=a, codename=c) for a, c in pairs]

    Group.objects.using(db).get(name="operator").permissions.add(*permissions(VIEW + OPERATOR))
    Group.objects.using(db).get(name="auditor").permissions.add(*permissions(VIEW))


def backwards(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    db = schema_editor.connection.alias
    codenames = [c for _, c in VIEW + OPERATOR]
    for group in Group.objects.using(db).filter(name__in=("operator", "auditor")):
        group.permissions.remove(
            *Permission.objects.using(db).filter(content_type__app_label="webhooks", codename__in=codenames)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("backoffice", "0002_roles_for_capabilities"),
        ("webhooks", "0001_initial"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
