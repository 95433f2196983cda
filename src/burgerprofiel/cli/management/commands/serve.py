from __future__ import annotations

import sys
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from gunicorn.app.wsgiapp import WSGIApplication

from burgerprofiel.compliance.subprocessors.checks import outbound_endpoints_check


class Command(BaseCommand):
    help = "Bedien het platform met gunicorn (statische bestanden via WhiteNoise)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000", help="Adres en poort (standaard 127.0.0.1:8000).")
        parser.add_argument("--workers", type=int, default=2, help="Aantal gunicorn-workers (standaard 2).")
        parser.add_argument("--no-migrate", action="store_true", help="Migraties niet eerst uitvoeren.")

    def handle(self, *args: Any, bind: str, workers: int, no_migrate: bool, **options: Any) -> None:
        if not no_migrate:
            call_command("migrate", interactive=False, verbosity=0)
        try:
            outbound_endpoints_check()  # production: every outbound endpoint has a sub-processor (charter 6)
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        call_command("collectstatic", interactive=False, verbosity=0)
        argv = [
            "gunicorn",
            "burgerprofiel.conf.wsgi:application",
            "--bind",
            bind,
            "--workers",
            str(workers),
            # Threads keep agency connectors' connections alive between requests (sync workers close them);
            # gunicorn's gthread worker, answering what it refuses itself in problem+json.
            "--worker-class",
            "burgerprofiel.cli.gunicorn_worker.ProblemJsonThreadWorker",
            "--threads",
            "4",
            # gunicorn's control socket lives at one path per user (~/.gunicorn/gunicorn.ctl): a second server
            # on the same machine would take it from the first. Nothing here uses it.
            "--no-control-socket",
            "--access-logfile",
            "-",
            "--access-logformat",
            '{"gunicorn":"access","method":"%(m)s","status":"%(s)s","duration_us":"%(D)s","request_id":"%({x-request-id}o)s"}',
        ]
        self.stdout.write(
            f"burgerprofiel luistert op http://{bind} (databank: {settings.DATABASES['default']['ENGINE']})"
        )
        sys.argv = argv
        WSGIApplication("%(prog)s [OPTIONS] [APP_MODULE]").run()
