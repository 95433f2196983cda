"""``burgerprofiel keys``: rotate and retire signing keys."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from burgerprofiel.crypto import signing
from burgerprofiel.crypto.models import SigningKey

pytestmark = pytest.mark.django_db


def test_keys_commands_rotate_and_retire(agency):
    first = signing.current_signing_key().kid
    out = io.StringIO()
    call_command("keys", "rotate-signing", stdout=out)
    new_kid = json.loads(out.getvalue())["kid"]
    assert new_kid != first
    out = io.StringIO()
    call_command("keys", "retire-signing", "--kid", first, "--yes", stdout=out)
    assert json.loads(out.getvalue())["kid"] == first
    with pytest.raises(CommandError, match="Er is geen ondertekeningssleutel"):
        call_command("keys", "retire-signing", "--kid", "does-not-exist", "--yes")


def test_retiring_a_signing_key_asks_for_its_kid_and_does_nothing_without_it(agency, monkeypatch):
    kid = signing.current_signing_key().kid
    call_command("keys", "rotate-signing", stdout=io.StringIO())
    monkeypatch.setattr("builtins.input", lambda: "ja")
    err = io.StringIO()

    with pytest.raises(CommandError, match="Niet bevestigd"):
        call_command("keys", "retire-signing", "--kid", kid, stdout=io.StringIO(), stderr=err)

    assert "toegangstokens die ze ondertekende, worden meteen geweigerd" in err.getvalue()
    assert SigningKey.objects.get(kid=kid).retired_at is None
    monkeypatch.setattr("builtins.input", lambda: kid)
    out = io.StringIO()
    call_command("keys", "retire-signing", "--kid", kid, stdout=out, stderr=io.StringIO())
    assert json.loads(out.getvalue())["retired_at"] is not None
