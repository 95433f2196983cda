from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from burgerprofiel.audit.actors import cli_actor
from burgerprofiel.common.errors import ApplicationError
from burgerprofiel.staff.services import (
    ROLES,
    staff_create,
    staff_deactivate,
    staff_list,
    staff_otp_reset,
    staff_refusal_record,
    staff_role_change,
)


class Command(BaseCommand):
    help = (
        "Medewerkers van de back-office: aanmaken (wachtwoord en TOTP-geheim één keer als JSON), oplijsten, "
        "een rol geven, deactiveren of hun tweestapsverificatie opnieuw laten instellen. Elke wijziging wordt geaudit."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, title="opdrachten", metavar="OPDRACHT")
        create = sub.add_parser(
            "create",
            help="Een medewerker met een rol, een willekeurig wachtwoord en een TOTP-toestel; drukt JSON af met het "
            "wachtwoord en de otpauth://-URI. Beide worden maar deze ene keer getoond.",
        )
        create.add_argument("--username", required=True, help="Gebruikersnaam.")
        create.add_argument("--email", required=True, help="E-mailadres.")
        create.add_argument("--role", required=True, choices=ROLES, help="Rol: operator of auditor.")
        listing = sub.add_parser("list", help="Alle medewerkers met rol, status en tweestapsverificatie.")
        listing.add_argument("--json", action="store_true", help="Als JSON in plaats van een tabel.")
        role = sub.add_parser("role", help="Geef een medewerker een andere rol.")
        role.add_argument("--username", required=True, help="Gebruikersnaam.")
        role.add_argument("--role", required=True, choices=ROLES, help="De nieuwe rol.")
        deactivate = sub.add_parser(
            "deactivate", help="Geen aanmelding meer; de OTP-toestellen worden verwijderd; het account blijft."
        )
        deactivate.add_argument("--username", required=True, help="Gebruikersnaam.")
        reset = sub.add_parser(
            "reset-otp",
            help="Wis het TOTP-toestel (bv. verloren telefoon): bij de volgende aanmelding stelt de medewerker "
            "een nieuw toestel in met een QR-code.",
        )
        reset.add_argument("--username", required=True, help="Gebruikersnaam.")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        actor = cli_actor("staff")
        try:
            if action == "create":
                new = staff_create(
                    username=options["username"], email=options["email"], role=options["role"], actor=actor
                )
                self.stdout.write(json.dumps(new.as_json()))
                return
            if action == "list":
                self._list(as_json=options["json"], actor=actor)
                return
        except ApplicationError as error:
            raise CommandError(error.detail) from error
        username = options["username"]
        try:
            if action == "role":
                user = staff_role_change(username=username, role=options["role"], actor=actor)
                result = {"user_id": user.pk, "username": username, "role": options["role"]}
            elif action == "deactivate":
                user = staff_deactivate(username=username, actor=actor)
                result = {"user_id": user.pk, "username": username, "active": False}
            else:
                user = staff_otp_reset(username=username, actor=actor)
                result = {"user_id": user.pk, "username": username, "otp": "in te stellen bij de volgende aanmelding"}
        except ApplicationError as error:
            # The refused act rolled back; the record of the refusal stays.
            staff_refusal_record(actor=actor, username=username, act=action.replace("-", "_"), reason=error.code)
            raise CommandError(error.detail) from error
        self.stdout.write(json.dumps(result))

    def _list(self, *, as_json: bool, actor: Any) -> None:
        rows = staff_list(actor=actor)
        if as_json:
            self.stdout.write(json.dumps([row.as_json() for row in rows], ensure_ascii=False))
            return
        if not rows:
            self.stdout.write("Geen medewerkers.")
            return
        table = [["gebruikersnaam", "rol", "actief", "tweestapsverificatie", "laatst aangemeld"]]
        table += [
            [r.username, r.role, "ja" if r.is_active else "nee", r.otp, (r.last_login or "nooit")[:16]] for r in rows
        ]
        widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
        for r in table:
            self.stdout.write("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip())
