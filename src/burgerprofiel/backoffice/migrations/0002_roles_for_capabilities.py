"""Role permissions for the capabilities that came after the foundation.

Staff register sources (DOSIS Bron, pull sources) and may see delivery and consent metadata;
they never see dossier content, melding texts, recipients or contact preferences (DESIGN rule 3).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

APPS = ("dossiers", "notifications", "preferences", "personal_data")

VIEWABLE = {
    "dossiers": ("dosissource",),
    "notifications": ("delivery", "deliveryreceipt"),
    "preferences": ("consentevent",),
    "personal_data": ("pullsource",),
}
OPERATOR_WRITES = {
    "dossiers": ("dosissource",),
    "personal_data": ("pullsource",),
}


def _codenames(spec, actions):
    return [(app, f"{action}_{model}") for app, models in spec.items() for model in models for action in actions]


def forwards(apps, schema_editor):
    db = schema_editor.connection.alias
    for label in APPS:
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, using=db, apps=apps)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    def permissions(pairs):
        return [
            Permission.objects.using(db).get(content_type__app_label=app, codename=codename) for app, codename in pairs
        ]

    view = permissions(_codenames(VIEWABLE, ("view",)))
    writes = permissions(_codenames(OPERATOR_WRITES, ("add", "change")))
    Group.objects.using(db).get(name="operator").permissions.add(*view, *writes)
    Group.objects.using(db).get(name="auditor").permissions.add(*view)


def backwards(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    db = schema_editor.connection.alias
    labels = [
        f"{action}_{model}" for models in VIEWABLE.values() for model in models for action in ("view", "add", "change")
    ]
    for group in Group.objects.using(db).filter(name__in=("operator", "auditor")):
        group.permissions.remove(
            *Permission.objects.using(db).filter(content_type__app_label__in=APPS, codename__in=labels)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("backoffice", "0001_roles"),
        ("dossiers", "0001_initial"),
        ("notifications", "0001_initial"),
        ("preferences", "0002_consent_ledger_append_only"),
        ("personal_data", "0001_initial"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
