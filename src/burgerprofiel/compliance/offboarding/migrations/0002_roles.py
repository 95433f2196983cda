"""Back-office roles for the end of an order: both see offboardings and legal holds; the operator
starts a return or deletion and places legal holds (``add_*``); nobody changes or deletes them."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

VIEW = ["view_offboarding", "view_legalhold"]
OPERATOR = ["add_offboarding", "add_legalhold"]


def forwards(apps, schema_editor):
    db = schema_editor.connection.alias
    app_config = apps.get_app_config("offboarding")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, using=db, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    def permissions(codenames):
        return list(Permission.objects.using(db).filter(content_type__app_label="offboarding", codename__in=codenames))

    Group.objects.using(db).get(name="operator").permissions.add(*permissions(VIEW + OPERATOR))
    Group.objects.using(db).get(name="auditor").permissions.add(*permissions(VIEW))


def backwards(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    db = schema_editor.connection.alias
    for group in Group.objects.using(db).filter(name__in=("operator", "auditor")):
        group.permissions.remove(
            *Permission.objects.using(db).filter(content_type__app_label="offboarding", codename__in=VIEW + OPERATOR)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("offboarding", "0001_initial"),
        ("backoffice", "0004_login_lock"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
