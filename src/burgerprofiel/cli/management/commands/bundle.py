"""``burgerprofiel bundle verify FILE --jwks URL|FILE``: check a return bundle (the same code as
``scripts/verify_bundle.py``, which anyone can run without the platform installed)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from burgerprofiel.compliance.offboarding.verify import BundleInvalid, bundle_verify, jwks_load


class Command(BaseCommand):
    help = "Teruggavebundels: controleer elk bestand tegen het manifest en het manifest tegen de handtekening."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, title="opdrachten", metavar="OPDRACHT")
        verify = sub.add_parser("verify", help="Controleer een bundel (exit 1 als hij niet klopt).")
        verify.add_argument("file", help="de bundel (.zip)")
        verify.add_argument("--jwks", required=True, help="de JWKS van het platform: URL (…/oauth/jwks) of bestand")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        try:
            manifest = bundle_verify(options["file"], jwks_load(options["jwks"]))
        except BundleInvalid as failure:
            raise CommandError(f"NIET GELDIG: {failure}") from failure
        self.stdout.write(f"OK: {len(manifest.get('files', []))} bestanden kloppen met het ondertekende manifest")
