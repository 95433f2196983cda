"""``burgerprofiel keys``: rotate and retire signing keys."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from burgerprofiel.crypto import signing

pytestmark = pytest.mark.django_db


def test_keys_commands_rotate_and_retire(agency):
    first = signing.current_signing_key().kid
    out = io.StringIO()
    call_command("keys", "rotate-signing", stdout=out)
    new_kid = json.loads(out.getvalue())["kid"]
    assert new_kid != first
    out = io.StringIO()
    call_command("keys", "retire-signing", "--kid", first, stdout=out)
    assert json.loads(out.getvalue())["kid"] == first
    with pytest.raises(CommandError):
        call_command("keys", "retire-signing", "--kid", "does-not-exist")
