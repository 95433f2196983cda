from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from burgerprofiel.audit.actors import cli_actor
from burgerprofiel.common.errors import ApplicationError
from burgerprofiel.staff.services import ROLES, staff_create, staff_deactivate


class Command(BaseCommand):
    help = "Back-office staff: create one (password and TOTP secret printed once as JSON) or deactivate one."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser(
            "create",
            help="A staff user with a role, a random password and a TOTP device; prints JSON with the "
            "password and the otpauth:// URI. Both are shown only this once.",
        )
        create.add_argument("--username", required=True)
        create.add_argument("--email", required=True)
        create.add_argument("--role", required=True, choices=ROLES)
        deactivate = sub.add_parser("deactivate", help="No more login; OTP devices removed; the account stays.")
        deactivate.add_argument("--username", required=True)

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        actor = cli_actor("staff")
        try:
            if action == "create":
                new = staff_create(
                    username=options["username"], email=options["email"], role=options["role"], actor=actor
                )
                self.stdout.write(json.dumps(new.as_json()))
                return
            user = staff_deactivate(username=options["username"], actor=actor)
            self.stdout.write(json.dumps({"user_id": user.pk, "username": user.get_username(), "active": False}))
        except ApplicationError as error:
            raise CommandError(error.detail) from error
