"""The command line's own words in Dutch: argparse's ("usage:", "options", its errors) and the
options Django adds to every command (``--verbosity``, ``--settings``, ...). Installed by
``burgerprofiel.cli.main`` only, so Django and its tests elsewhere keep their own wording.
"""

from __future__ import annotations

import argparse
from typing import Any

from django.core.management.base import BaseCommand

ARGPARSE = {
    "usage: ": "gebruik: ",
    "options": "opties",
    "positional arguments": "positionele argumenten",
    "show this help message and exit": "toon deze uitleg en stop",
    "%(prog)s: error: %(message)s\n": "%(prog)s: fout: %(message)s\n",
    "the following arguments are required: %s": "deze argumenten zijn verplicht: %s",
    "invalid choice: %(value)r (choose from %(choices)s)": "ongeldige keuze: %(value)r (kies uit %(choices)s)",
    "unrecognized arguments: %s": "onbekende argumenten: %s",
    "expected one argument": "verwacht één waarde",
    "expected at least one argument": "verwacht minstens één waarde",
    "expected at most one argument": "verwacht hoogstens één waarde",
    "invalid %(type)s value: %(value)r": "ongeldige waarde (%(type)s): %(value)r",
    "argument %(argument_name)s: %(message)s": "argument %(argument_name)s: %(message)s",
    "one of the arguments %s is required": "een van deze argumenten is verplicht: %s",
    "not allowed with argument %s": "niet samen met argument %s",
    "ambiguous option: %(option)s could match %(matches)s": "dubbelzinnige optie: %(option)s kan %(matches)s zijn",
}

DJANGO_OPTIONS = {
    "version": "Toon het versienummer en stop.",
    "verbosity": "Hoeveel uitvoer: 0 = minimaal, 1 = normaal, 2 = uitgebreid, 3 = zeer uitgebreid.",
    "settings": "Het settings-module van Python (standaard burgerprofiel.conf.settings).",
    "pythonpath": "Een map om aan het Python-pad toe te voegen.",
    "traceback": "Toon de volledige stack trace bij een fout.",
    "no_color": "Geen kleur in de uitvoer.",
    "force_color": "Altijd kleur in de uitvoer.",
    "skip_checks": "Sla de systeemcontroles over.",
}


def _gettext(message: str) -> str:
    return ARGPARSE.get(message, message)


def install() -> None:
    """Dutch for argparse's messages and for Django's common options (idempotent)."""
    argparse._ = _gettext  # type: ignore[attr-defined]  # argparse looks ``_`` up at call time
    if getattr(BaseCommand.create_parser, "_dutch", False):
        return
    original = BaseCommand.create_parser

    def create_parser(self: BaseCommand, prog_name: str, subcommand: str, **kwargs: Any) -> Any:
        parser = original(self, prog_name, subcommand, **kwargs)
        for action in parser._actions:
            if action.dest in DJANGO_OPTIONS:
                action.help = DJANGO_OPTIONS[action.dest]
        return parser

    create_parser._dutch = True  # type: ignore[attr-defined]
    BaseCommand.create_parser = create_parser  # type: ignore[method-assign]
