from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from burgerprofiel.conf.env import markdown_table


class Command(BaseCommand):
    help = "Print every environment variable the platform reads, with its default and meaning (Markdown)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(markdown_table())
