"""Staff passwords: the platform's own words are refused, in their easy variants too (ASVS 5.0 6.2.11)."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError


@pytest.mark.parametrize(
    "password",
    ["Burgerprofiel2026!", "mijn-Vl44nd3r3n-toegang", "W4chtw00rd-van-jan", "overheid digitaal xyz"],
)
def test_a_password_built_on_a_context_word_is_refused(password):
    with pytest.raises(ValidationError) as refused:
        validate_password(password)
    assert "password_context_word" in [e.code for e in refused.value.error_list]


@pytest.mark.parametrize("password", ["correct horse battery staple", "x" * 64 + "Zq9!", "tulpen-in-de-lente-42"])
def test_a_long_password_of_any_composition_is_accepted(password):
    validate_password(password)  # ASVS 5.0 6.2.5/6.2.9: no composition rules, 64+ characters allowed
