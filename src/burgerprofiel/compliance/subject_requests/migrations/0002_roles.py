"""Role permissions: both roles follow data-subject requests (states and deadlines); nobody writes here."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

VIEWABLE = ("subjectrequest",)
OPERATOR_WRITES = ()


def forwards(apps, schema_editor):
    db = schema_editor.connection.alias
    app_config = apps.get_app_config("subject_requests")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, using=db, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    view = list(
        Permission.objects.using(db).filter(
            content_type__app_label="subject_requests", codename__in=[f"view_{m}" for m in VIEWABLE]
        )
    )
    writes = list(
        Permission.objects.using(db).filter(content_type__app_label="subject_requests", codename__in=OPERATOR_WRITES)
    )
    operator, _ = Group.objects.using(db).get_or_create(name="operator")
    auditor, _ = Group.objects.using(db).get_or_create(name="auditor")
    operator.permissions.add(*view, *writes)
    auditor.permissions.add(*view)


def backwards(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    db = schema_editor.connection.alias
    for group in Group.objects.using(db).filter(name__in=("operator", "auditor")):
        group.permissions.remove(*Permission.objects.using(db).filter(content_type__app_label="subject_requests"))


class Migration(migrations.Migration):
    dependencies = [("subject_requests", "0001_initial"), ("backoffice", "0001_roles")]
    operations = [migrations.RunPython(forwards, backwards)]
