from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from burgerprofiel.crypto.services import data_keys_rewrap


class Command(BaseCommand):
    help = "Key management: re-wrap every data key with the newest key-encryption key."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("rewrap", help="Wrap every live data key with the first KEY_ENCRYPTION_KEYS entry.")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        self.stdout.write(json.dumps({"data_keys_rewrapped": data_keys_rewrap()}))
