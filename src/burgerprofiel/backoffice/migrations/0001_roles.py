"""The two back-office roles as Django groups.

operator: adds and changes agencies, their contact persons, API clients and processing orders
          (every write goes through the admin, which audits it); views everything else.
auditor:  views only, including the audit trail and the signed tree heads.

Nobody gets a delete permission here: agencies, clients and orders end by termination or
deactivation, so that their history stays. Citizens are not viewable by any role: staff have no
business looking up citizen identities (DESIGN rule 3).

Permissions are normally created by post_migrate, which runs after every migration; this
migration creates them itself first so that the groups can be filled on a fresh database. The
lists are frozen here on purpose: a later model gets its role permissions in a later migration.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

APPS = ("agencies", "audit", "crypto", "citizens", "oauth")

# app label -> models whose view permission both roles get
VIEWABLE = {
    "agencies": ("agency", "contactperson", "apiclient", "processingorder", "processingorderversion"),
    "audit": ("auditevent", "auditleaf", "treehead"),
    "crypto": ("datakey", "signingkey"),
    "oauth": ("usedassertion",),
}
OPERATOR_WRITES = {
    "agencies": ("agency", "contactperson", "apiclient", "processingorder"),
}


def _codenames(spec, actions):
    return [(app, f"{action}_{model}") for app, models in spec.items() for model in models for action in actions]


def forwards(apps, schema_editor):
    db = schema_editor.connection.alias
    for label in APPS:
        app_config = apps.get_app_config(label)
        # Migration-state app configs have no models module; create_permissions skips those.
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, using=db, apps=apps)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    def permissions(pairs):
        found = []
        for app_label, codename in pairs:
            found.append(Permission.objects.using(db).get(content_type__app_label=app_label, codename=codename))
        return found

    view = _codenames(VIEWABLE, ("view",))
    operator, _ = Group.objects.using(db).get_or_create(name="operator")
    operator.permissions.set(permissions(view + _codenames(OPERATOR_WRITES, ("add", "change"))))
    auditor, _ = Group.objects.using(db).get_or_create(name="auditor")
    auditor.permissions.set(permissions(view))


def backwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.using(schema_editor.connection.alias).filter(name__in=("operator", "auditor")).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0001_initial"),
        ("audit", "0002_append_only_triggers"),
        ("crypto", "0001_initial"),
        ("citizens", "0001_initial"),
        ("oauth", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
