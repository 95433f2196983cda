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
    help = (
        "Sleutelbeheer: datasleutels opnieuw inpakken met de nieuwste KEK; ondertekeningssleutels vernieuwen, "
        "uit dienst nemen en vastpinnen."
    )
    # Runs also when the signing keys are not pinned yet (check crypto.E001/E002): it is how to pin them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, title="opdrachten", metavar="OPDRACHT")
        sub.add_parser("rewrap", help="Pak elke levende datasleutel opnieuw in met de eerste KEY_ENCRYPTION_KEYS.")
        sub.add_parser(
            "rotate-signing",
            help="Maak een nieuwe sleutel voor tokens en boomhoofden; die ondertekent vanaf nu (eens vastgepind in "
            "AUDIT_TRUSTED_KEYS).",
        )
        retire = sub.add_parser(
            "retire-signing",
            help="Vertrouw een ondertekeningssleutel niet langer voor toegangstokens (vraagt bevestiging).",
        )
        retire.add_argument("--kid", required=True, help="De kid van de sleutel (zie: keys trusted).")
        retire.add_argument(
            "--yes", action="store_true", help="Niet om bevestiging vragen (anders: typ de kid opnieuw)."
        )
        sub.add_parser(
            "reseal",
            help="Verzegel bp1- en bp2-waarden opnieuw als bp3, gebonden aan hun tabel, kolom en rij (na een upgrade).",
        )
        sub.add_parser(
            "trusted",
            help="Elke ondertekeningssleutel met haar RFC 7638-vingerafdruk en of ze vastgepind is "
            "(AUDIT_TRUSTED_KEYS).",
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
                kid = options["kid"]
                if not SigningKey.objects.filter(kid=kid).exists():
                    raise CommandError(f"Er is geen ondertekeningssleutel met kid '{kid}' (zie: keys trusted).")
                if not options["yes"]:
                    self._confirm_retire(kid)
                row = signing_key_retire(kid=kid, actor=actor)
                retired = row.retired_at.isoformat() if row.retired_at else None
                self.stdout.write(json.dumps({"kid": row.kid, "retired_at": retired}))
        except ApplicationError as error:
            raise CommandError(error.detail) from error

    def _confirm_retire(self, kid: str) -> None:
        self.stderr.write(
            f"Sleutel {kid} wordt uit dienst genomen: toegangstokens die ze ondertekende, worden meteen geweigerd "
            "(instanties vragen een nieuw token); boomhoofden die ze eerder ondertekende, blijven verifieerbaar.\n"
            f"Typ de kid ({kid}) om te bevestigen: ",
            ending="",
        )
        self.stderr.flush()
        try:
            answer = input()
        except (EOFError, OSError):
            answer = ""
        if answer.strip() != kid:
            raise CommandError("Niet bevestigd: de sleutel is niet uit dienst genomen (of geef --yes).")

    @staticmethod
    def _described(row: SigningKey) -> dict[str, Any]:
        return {
            "kid": row.kid,
            "thumbprint": pins.thumbprint(row.public_jwk),
            "created_at": row.created_at.isoformat(),
            "retired_at": row.retired_at.isoformat() if row.retired_at else None,
            "pinned": signing_key_trusted(row),
        }
