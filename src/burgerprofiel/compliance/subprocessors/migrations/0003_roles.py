"""Role permissions: the operator plans changes, resolves objections, grants transfer permissions and
keeps endpoints; the auditor reads all of it."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MODELS = ["subprocessor", "subprocessorchange", "objection", "transferpermission"]
VIEW = [("subprocessors", f"view_{m}") for m in MODELS]
OPERATOR = [
    ("subprocessors", "change_subprocessor"),
    ("subprocessors", "add_subprocessorchange"),
    ("subprocessors", "change_objection"),
    ("subprocessors", "add_transferpermission"),
]


def forwards(apps, schema_editor):
    db = schema_editor.connection.alias
    app_config = apps.get_app_config("subprocessors")
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
            *Permission.objects.using(db).filter(content_type__app_label="subprocessors", codename__in=codenames)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("subprocessors", "0002_register_seed"),
        ("backoffice", "0003_roles_for_webhooks"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
