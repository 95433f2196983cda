"""Back-office roles for the end of an order: both see offboardings and legal holds; the operator
starts a return or deletion and places legal holds (``add_*``); nobody changes or deletes them."""

from django.db import migrations

from burgerprofiel.common.migration_ops import grant_role_permissions

VIEW = ["view_offboarding", "view_legalhold"]
OPERATOR = ["add_offboarding", "add_legalhold"]


class Migration(migrations.Migration):
    dependencies = [
        ("offboarding", "0001_initial"),
        ("backoffice", "0004_login_lock"),
    ]
    operations = [grant_role_permissions("offboarding", view=VIEW, operator=OPERATOR)]
