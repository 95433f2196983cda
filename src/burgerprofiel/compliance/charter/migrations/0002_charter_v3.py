"""The charter the platform started under, v3.0 of 28/01/2022, as the first version (in force)."""

import datetime as dt
import hashlib
from pathlib import Path

from django.db import migrations
from django.utils import timezone

TEXT = Path(__file__).resolve().parent.parent / "texts" / "verwerkingscharter-v3.0.txt"


def forwards(apps, schema_editor):
    CharterVersion = apps.get_model("charter", "CharterVersion")
    text = TEXT.read_text(encoding="utf-8").strip()
    CharterVersion.objects.using(schema_editor.connection.alias).get_or_create(
        version="3.0",
        defaults={
            "title": "Verwerkingscharter: de verwerking van persoonsgegevens door het agentschap Digitaal Vlaanderen "
            "met de applicatie Mijn Burgerprofiel",
            "text": text,
            "text_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
            "summary": "Eerste versie in het platform (versie 3.0 van 28/01/2022).",
            "effective_from": dt.date(2022, 1, 28),
            "published_at": timezone.now(),
            "published_by": "migration",
        },
    )


def backwards(apps, schema_editor):
    apps.get_model("charter", "CharterVersion").objects.using(schema_editor.connection.alias).filter(
        version="3.0", published_by="migration"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("charter", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
