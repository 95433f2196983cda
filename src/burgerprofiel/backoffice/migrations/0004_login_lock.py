"""Failed-login locks (django-axes) as the back-office shows them, and who may do what with them.

Both roles see which accounts are locked; an operator lifts a lock (the change permission allows
the list's "Vergrendeling opheffen" action, audited). Nobody deletes or adds locks by hand.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def forwards(apps, schema_editor):
    db = schema_editor.connection.alias
    app_config = apps.get_app_config("backoffice")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, using=db, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    def permission(codename):
        return Permission.objects.using(db).get(content_type__app_label="backoffice", codename=codename)

    view, change = permission("view_loginlock"), permission("change_loginlock")
    Group.objects.using(db).get(name="operator").permissions.add(view, change)
    Group.objects.using(db).get(name="auditor").permissions.add(view)


def backwards(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    db = schema_editor.connection.alias
    permissions = Permission.objects.using(db).filter(
        content_type__app_label="backoffice", codename__endswith="_loginlock"
    )
    for group in Group.objects.using(db).filter(name__in=("operator", "auditor")):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("axes", "0010_accessattemptexpiration"),
        ("backoffice", "0003_roles_for_webhooks"),
    ]

    operations = [
        migrations.CreateModel(
            name="LoginLock",
            fields=[],
            options={
                "verbose_name": "vergrendelde aanmelding",
                "verbose_name_plural": "vergrendelde aanmeldingen",
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("axes.accessattempt",),
        ),
        migrations.RunPython(forwards, backwards),
    ]
