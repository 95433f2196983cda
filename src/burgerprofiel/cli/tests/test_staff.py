from __future__ import annotations

import base64
import json
from io import StringIO
from urllib.parse import parse_qs, unquote, urlparse

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from burgerprofiel.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def _create(*args: str) -> dict:
    out = StringIO()
    call_command("staff", "create", *args, stdout=out)
    return json.loads(out.getvalue())


def test_staff_create_prints_a_valid_otpauth_uri_for_the_new_device():
    result = _create("--username", "an.operator", "--email", "an@burgerprofiel.example", "--role", "operator")

    uri = urlparse(result["otpauth_uri"])
    query = parse_qs(uri.query)
    assert (uri.scheme, uri.netloc) == ("otpauth", "totp")
    assert unquote(uri.path).endswith("an.operator")
    assert query["digits"] == ["6"]
    assert query["period"] == ["30"]
    assert query["algorithm"] == ["SHA1"]
    secret = query["secret"][0]
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    device = TOTPDevice.objects.get(user__username="an.operator")
    assert device.confirmed
    assert key == device.bin_key
    # An authenticator app fed this URI produces codes the device accepts.
    assert device.verify_token(f"{totp(key):06d}")


def test_staff_create_gives_the_user_its_role_and_a_working_random_password():
    result = _create("--username", "an.auditor", "--email", "an@burgerprofiel.example", "--role", "auditor")

    user = get_user_model().objects.get(username="an.auditor")
    assert user.is_staff and not user.is_superuser
    assert list(user.groups.values_list("name", flat=True)) == ["auditor"]
    assert len(result["password"]) >= 24
    assert user.check_password(result["password"])
    assert result["password"] not in user.password


def test_staff_create_is_audited_without_name_or_address():
    _create("--username", "an.operator", "--email", "an@burgerprofiel.example", "--role", "operator")

    event = AuditEvent.objects.get(action="backoffice.staff.created")
    assert event.detail == {"role": "operator"}
    assert "an.operator" not in json.dumps(event.detail) + event.object_id
    assert "an@burgerprofiel.example" not in json.dumps(event.detail)


def test_staff_create_refuses_an_unknown_role():
    with pytest.raises(CommandError):
        _create("--username", "x", "--email", "x@burgerprofiel.example", "--role", "admin")
    assert not get_user_model().objects.filter(username="x").exists()


def test_staff_create_refuses_an_existing_username():
    _create("--username", "dubbel", "--email", "a@burgerprofiel.example", "--role", "operator")
    with pytest.raises(CommandError, match="al een gebruiker"):
        _create("--username", "dubbel", "--email", "b@burgerprofiel.example", "--role", "auditor")
    assert TOTPDevice.objects.filter(user__username="dubbel").count() == 1


def test_staff_create_refuses_an_invalid_email():
    with pytest.raises(CommandError, match="e-mailadres"):
        _create("--username", "x", "--email", "geen-adres", "--role", "operator")


def test_staff_deactivate_removes_login_and_devices():
    _create("--username", "vertrekt", "--email", "v@burgerprofiel.example", "--role", "operator")

    call_command("staff", "deactivate", "--username", "vertrekt", stdout=StringIO())

    user = get_user_model().objects.get(username="vertrekt")
    assert not user.is_active
    assert not user.has_usable_password()
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert AuditEvent.objects.filter(action="backoffice.staff.deactivated", object_id=str(user.pk)).exists()
