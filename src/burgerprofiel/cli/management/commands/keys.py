from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from burgerprofiel.audit.actors import cli_actor
from burgerprofiel.audit.keys import signing_key_retire, signing_key_rotate
from burgerprofiel.common.errors import ApplicationError
from burgerprofiel.crypto import pins
from burgerprofiel.crypto.models import SigningKey
from burgerprofiel.crypto.services import ciphertexts_reseal, data_keys_rewrap
from burgerprofiel.crypto.signing import signing_key_trusted


class Command(BaseCommand):
    help = "Key management: re-wrap data keys with the newest KEK; rotate, retire and pin signing keys."
    # Runs also when the signing keys are not pinned yet (check crypto.E001/E002): it is how to pin them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("rewrap", help="Wrap every live data key with the first KEY_ENCRYPTION_KEYS entry.")
        sub.add_parser(
            "rotate-signing",
            help="Make a new token/tree-head signing key; it signs from now on (once pinned in AUDIT_TRUSTED_KEYS).",
        )
        retire = sub.add_parser("retire-signing", help="Stop trusting a signing key for access tokens.")
        retire.add_argument("--kid", required=True)
        sub.add_parser(
            "reseal", help="Seal bp1/bp2 values again as bp3, bound to their table, column and row (after an upgrade)."
        )
        sub.add_parser(
            "trusted",
            help="Every signing key with its RFC 7638 thumbprint and whether it is pinned (AUDIT_TRUSTED_KEYS).",
        )

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        actor = cli_actor("keys")
        try:
            if action == "rewrap":
                self.stdout.write(json.dumps({"data_keys_rewrapped": data_keys_rewrap()}))
            elif action == "rotate-signing":
                row = signing_key_rotate(actor=actor)
                # With pins configured the new key signs only once its thumbprint is added and processes restart.
                self.stdout.write(json.dumps(self._described(row)))
            elif action == "reseal":
                self.stdout.write(json.dumps({"values_resealed": ciphertexts_reseal()}))
            elif action == "trusted":
                keys = [self._described(row) for row in SigningKey.objects.order_by("created_at")]
                self.stdout.write(json.dumps({"keys": keys}))
            else:
                row = signing_key_retire(kid=options["kid"], actor=actor)
                retired = row.retired_at.isoformat() if row.retired_at else None
                self.stdout.write(json.dumps({"kid": row.kid, "retired_at": retired}))
        except ApplicationError as error:
            raise CommandError(error.detail) from error

    @staticmethod
    def _described(row: SigningKey) -> dict[str, Any]:
        return {
            "kid": row.kid,
            "thumbprint": pins.thumbprint(row.public_jwk),
            "created_at": row.created_at.isoformat(),
            "retired_at": row.retired_at.isoformat() if row.retired_at else None,
            "pinned": signing_key_trusted(row),
        }
