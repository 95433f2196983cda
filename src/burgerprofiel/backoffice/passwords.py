"""Staff passwords may not be built on the words of this platform (ASVS 5.0 6.1.2, 6.2.11).

The list is the documented set of context-specific words: the platform's and the charter's names,
the organisations behind it, and the words people reach for when asked for a password here. A
password is compared after folding case and the usual letter-for-digit swaps ("Vl44nd3r3n!"), so
the easy variants are caught too. Django's own validators (length 12, similarity to the account,
the common-password list) run beside this one.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

CONTEXT_WORDS: tuple[str, ...] = (
    "burgerprofiel",
    "mijnburgerprofiel",
    "vlaanderen",
    "vlaamse",
    "overheid",
    "digitaal",
    "agentschap",
    "informatie",
    "backoffice",
    "beheerder",
    "operator",
    "auditor",
    "verwerking",
    "wachtwoord",
    "paswoord",
    "password",
    "welkom",
)
_SWAPS = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"})


def _folded(password: str) -> str:
    return "".join(ch for ch in password.lower().translate(_SWAPS) if ch.isalpha())


class ContextWordsValidator:
    """Refuses a password that contains one of ``CONTEXT_WORDS`` (after folding)."""

    def validate(self, password: str, user: Any = None) -> None:
        folded = _folded(password)
        found = [word for word in CONTEXT_WORDS if word in folded]
        if found:
            raise ValidationError(
                "Dit wachtwoord bevat een woord dat bij dit platform hoort (%(word)s); kies iets dat niemand "
                "met dit platform verbindt.",
                code="password_context_word",
                params={"word": found[0]},
            )

    def get_help_text(self) -> str:
        return "Uw wachtwoord mag geen woorden bevatten die bij dit platform horen, zoals 'burgerprofiel'."
