from django.db import migrations


class Migration(migrations.Migration):
    # "details" read as an English field label next to the audit trail's Dutch "Details" (back-office label walk).
    dependencies = [("subject_requests", "0002_roles")]
    operations = [migrations.RenameField("subjectrequest", "details", "explanation")]
