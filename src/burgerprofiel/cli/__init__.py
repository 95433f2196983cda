"""The ``burgerprofiel`` command: the platform's own management commands, plus Django's.

This package is also the Django app (``burgerprofiel.cli``) that holds every management command
of the platform (``cli/management/commands/``): the command line is a surface like the API, the
portal and the back-office, so it may call any capability while none of them knows about it.

burgerprofiel migrate
burgerprofiel serve [--bind 127.0.0.1:8000] [--workers 2]
burgerprofiel worker
burgerprofiel agency onboard --name ... --kbo ... --components dosis,notificaties
burgerprofiel order show --order ID
burgerprofiel staff list
burgerprofiel audit verify
burgerprofiel keys rewrap

Wherever it is run, the command uses the same ``var/`` (SQLite file, development secrets):
``BURGERPROFIEL_BASE_DIR`` when set, else the checkout found by walking up from the working
directory (or from this package, for an editable install) to the ``pyproject.toml`` of
burgerprofiel. Found neither, it refuses in Dutch instead of making a fresh ``var/`` with a new
database and new development secrets wherever it happens to be started.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from django.core.management import ManagementUtility, get_commands, load_command_class
from django.db.utils import OperationalError, ProgrammingError

from burgerprofiel.cli import dutch

# Django's own commands an operator needs; the others (runserver, startapp, flush, ...) are for
# developers and shown by ``burgerprofiel help --alle`` only (they still run).
OPERATOR_DJANGO_COMMANDS = (
    "migrate",
    "showmigrations",
    "check",
    "collectstatic",
    "changepassword",
    "axes_reset_username",
)
ALL_FLAG = "--alle"
NO_PROJECT = (
    "burgerprofiel: geen project gevonden vanuit {cwd}. Start de opdracht in de map van het project (of een "
    "submap ervan), of zet BURGERPROFIEL_BASE_DIR op de map waarin var/ (database, ontwikkelgeheimen) staat. "
    "Er wordt geen nieuwe var/ aangemaakt."
)


def _is_project(directory: Path) -> bool:
    pyproject = directory / "pyproject.toml"
    try:
        return pyproject.is_file() and 'name = "burgerprofiel"' in pyproject.read_text(encoding="utf-8")
    except OSError:
        return False


def project_dir(cwd: Path, package: Path | None = None) -> Path | None:
    """The checkout this command belongs to: up from ``cwd``, else up from the package (editable install)."""
    for start in (cwd, package or Path(__file__).resolve().parent):
        for directory in (start, *start.parents):
            if _is_project(directory):
                return directory
    return None


def base_dir_resolve(environ: Any, cwd: Path) -> str | None:
    """Set ``BURGERPROFIEL_BASE_DIR`` in ``environ`` when it is not set; its value, or None if not found."""
    explicit = environ.get("BURGERPROFIEL_BASE_DIR")
    if explicit:
        return str(explicit)
    found = project_dir(cwd)
    if found is None:
        return None
    environ["BURGERPROFIEL_BASE_DIR"] = str(found)
    return str(found)


class Utility(ManagementUtility):
    """``burgerprofiel --help`` lists the platform's commands and the few of Django's an operator needs."""

    def main_help_text(self, commands_only: bool = False) -> str:
        if commands_only:
            return str(super().main_help_text(commands_only=True))
        try:
            commands = get_commands()
        except Exception:  # settings that do not load: Django's own help says why
            return str(super().main_help_text())
        ours = sorted(name for name, app in commands.items() if app.startswith("burgerprofiel"))
        width = max((len(name) for name in ours), default=10) + 2
        lines = [
            "Gebruik: burgerprofiel <opdracht> [opties]",
            "",
            "Opdrachten van het platform:",
        ]
        for name in ours:
            try:
                summary = str(load_command_class(commands[name], name).help).split(". ")[0].strip()
            except Exception:
                summary = ""
            if len(summary) > 100:
                summary = summary[:99].rsplit(" ", 1)[0] + " …"
            lines.append(f"  {name.ljust(width)}{summary}".rstrip())
        django = [name for name in OPERATOR_DJANGO_COMMANDS if name in commands]
        lines += [
            "",
            "Database en installatie (Django): " + ", ".join(django),
            "",
            "Uitleg bij één opdracht: burgerprofiel help <opdracht> (of burgerprofiel <opdracht> --help).",
            f"Ontwikkelaarsopdrachten van Django (nog altijd bruikbaar): burgerprofiel help {ALL_FLAG}",
        ]
        return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "burgerprofiel.conf.settings")
    args = list(sys.argv[1:] if argv is None else argv)
    if base_dir_resolve(os.environ, Path.cwd()) is None and os.environ.get("BURGERPROFIEL_PROFILE") != "production":
        sys.stderr.write(NO_PROJECT.format(cwd=Path.cwd()) + "\n")
        raise SystemExit(2)
    dutch.install()
    if args[:2] == ["help", ALL_FLAG]:
        ManagementUtility(["burgerprofiel", "help"]).execute()
        return
    try:
        Utility(["burgerprofiel", *args]).execute()
    except (OperationalError, ProgrammingError) as exc:
        if "no such table" in str(exc) or ("relation" in str(exc) and "does not exist" in str(exc)):
            sys.stderr.write(
                f"burgerprofiel: de database heeft de tabellen van het platform nog niet ({exc}). "
                "Voer eerst 'burgerprofiel migrate' uit, of controleer BURGERPROFIEL_BASE_DIR en DATABASE_URL.\n"
            )
            raise SystemExit(2) from exc
        raise


if __name__ == "__main__":
    main()
