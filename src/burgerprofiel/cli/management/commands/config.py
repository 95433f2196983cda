from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from burgerprofiel.conf.env import markdown_table


class Command(BaseCommand):
    help = "Toon elke omgevingsvariabele die het platform leest, met standaardwaarde en betekenis (Markdown)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(markdown_table())
