"""The ``burgerprofiel`` command: Django's management commands plus the platform's own.

This package is also the Django app (``burgerprofiel.cli``) that holds every management command
of the platform (``cli/management/commands/``): the command line is a surface like the API, the
portal and the back-office, so it may call any capability while none of them knows about it.

burgerprofiel migrate
burgerprofiel serve [--bind 127.0.0.1:8000] [--workers 2]
burgerprofiel worker
burgerprofiel agency onboard --name ... --kbo ... --components dosis,notificaties
burgerprofiel audit verify
burgerprofiel keys rewrap
"""

from __future__ import annotations

import os
import sys

from django.core.management import execute_from_command_line


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "burgerprofiel.conf.settings")
    args = list(sys.argv[1:] if argv is None else argv)
    execute_from_command_line(["burgerprofiel", *args])


if __name__ == "__main__":
    main()
