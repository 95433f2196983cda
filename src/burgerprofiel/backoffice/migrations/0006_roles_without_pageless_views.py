"""Take away the view rights that lead to no back-office page (issue 16).

``audit.view_auditleaf`` and ``oauth.view_usedassertion`` came with the first roles migration, but
neither model has a page: the leaves are read through the audit events and their tree heads, and a
used client assertion (replay protection) is nothing staff look at. A right without a page only
makes the role harder to read; ``test_roles`` checks that every right a role holds has its page.
"""

from django.db import migrations

PAGELESS = (("audit", "view_auditleaf"), ("oauth", "view_usedassertion"))
ROLES = ("operator", "auditor")


def _permissions(apps, db):
    Permission = apps.get_model("auth", "Permission")
    found = []
    for app_label, codename in PAGELESS:
        found.extend(Permission.objects.using(db).filter(content_type__app_label=app_label, codename=codename))
    return found


def forwards(apps, schema_editor):
    db = schema_editor.connection.alias
    Group = apps.get_model("auth", "Group")
    permissions = _permissions(apps, db)
    for group in Group.objects.using(db).filter(name__in=ROLES):
        group.permissions.remove(*permissions)


def backwards(apps, schema_editor):
    db = schema_editor.connection.alias
    Group = apps.get_model("auth", "Group")
    permissions = _permissions(apps, db)
    for group in Group.objects.using(db).filter(name__in=ROLES):
        group.permissions.add(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("backoffice", "0005_roles_for_staff"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
