from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from burgerprofiel.audit.actors import cli_actor
from burgerprofiel.audit.keys import signing_key_retire, signing_key_rotate
from burgerprofiel.common.errors import ApplicationError
from burgerprofiel.crypto.services import data_keys_rewrap


class Command(BaseCommand):
    help = "Key management: re-wrap data keys with the newest KEK; rotate and retire signing keys."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("rewrap", help="Wrap every live data key with the first KEY_ENCRYPTION_KEYS entry.")
        sub.add_parser("rotate-signing", help="Make a new token/tree-head signing key; it signs from now on.")
        retire = sub.add_parser("retire-signing", help="Stop trusting a signing key for access tokens.")
        retire.add_argument("--kid", required=True)

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        actor = cli_actor("keys")
        try:
            if action == "rewrap":
                self.stdout.write(json.dumps({"data_keys_rewrapped": data_keys_rewrap()}))
            elif action == "rotate-signing":
                self.stdout.write(json.dumps({"kid": signing_key_rotate(actor=actor).kid}))
            else:
                row = signing_key_retire(kid=options["kid"], actor=actor)
                retired = row.retired_at.isoformat() if row.retired_at else None
                self.stdout.write(json.dumps({"kid": row.kid, "retired_at": retired}))
        except ApplicationError as error:
            raise CommandError(error.detail) from error
