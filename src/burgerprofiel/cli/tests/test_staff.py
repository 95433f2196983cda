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


def _staff(*args: str) -> str:
    out = StringIO()
    call_command("staff", *args, stdout=out)
    return out.getvalue()


def test_staff_list_shows_role_state_and_two_factor_as_a_table_and_as_json():
    _create("--username", "an.operator", "--email", "an@burgerprofiel.example", "--role", "operator")
    _create("--username", "bert.auditor", "--email", "bert@burgerprofiel.example", "--role", "auditor")
    call_command("staff", "reset-otp", "--username", "bert.auditor", stdout=StringIO())

    table = _staff("list")
    rows = json.loads(_staff("list", "--json"))

    assert table.splitlines()[0].split()[:2] == ["gebruikersnaam", "rol"]
    assert "an.operator" in table and "in te stellen" in table
    assert [(r["username"], r["role"], r["active"], r["otp"]) for r in rows] == [
        ("an.operator", "operator", True, "ingesteld"),
        ("bert.auditor", "auditor", True, "in te stellen"),
    ]
    assert "@" not in table
    assert AuditEvent.objects.filter(action="backoffice.staff.listed").count() == 2


def test_staff_role_changes_the_group_and_is_audited():
    _create("--username", "bert.auditor", "--email", "bert@burgerprofiel.example", "--role", "auditor")

    result = json.loads(_staff("role", "--username", "bert.auditor", "--role", "operator"))

    user = get_user_model().objects.get(username="bert.auditor")
    assert result["role"] == "operator" and [g.name for g in user.groups.all()] == ["operator"]
    event = AuditEvent.objects.get(action="backoffice.staff.role_changed")
    assert event.detail == {"from": "auditor", "to": "operator"} and event.actor_id.startswith("staff:")


@pytest.mark.parametrize(
    ("args", "message", "act"),
    [
        (["role", "--username", "bert.auditor", "--role", "auditor"], "heeft al de rol auditor", "role"),
        (["role", "--username", "niemand", "--role", "operator"], "Er is geen medewerker 'niemand'", "role"),
        (["reset-otp", "--username", "niemand"], "Er is geen medewerker 'niemand'", "reset_otp"),
        (["deactivate", "--username", "niemand"], "Er is geen gebruiker 'niemand'", "deactivate"),
    ],
)
def test_refused_staff_commands_say_why_and_leave_an_audit_event(args, message, act):
    _create("--username", "bert.auditor", "--email", "bert@burgerprofiel.example", "--role", "auditor")

    with pytest.raises(CommandError, match=message):
        _staff(*args)

    event = AuditEvent.objects.get(action="backoffice.refused")
    assert event.outcome == "refused" and event.detail["act"] == f"staff.{act}"


def test_deactivating_twice_is_refused():
    _create("--username", "vertrekt", "--email", "v@burgerprofiel.example", "--role", "operator")
    _staff("deactivate", "--username", "vertrekt")

    with pytest.raises(CommandError, match="al gedeactiveerd"):
        _staff("deactivate", "--username", "vertrekt")
    with pytest.raises(CommandError, match="gedeactiveerd"):
        _staff("reset-otp", "--username", "vertrekt")


def test_reset_otp_replaces_the_confirmed_device_by_one_to_set_up():
    created = _create("--username", "kwijt", "--email", "k@burgerprofiel.example", "--role", "operator")

    result = json.loads(_staff("reset-otp", "--username", "kwijt"))

    user = get_user_model().objects.get(pk=created["user_id"])
    assert result["otp"].startswith("in te stellen")
    assert [d.confirmed for d in TOTPDevice.objects.filter(user=user)] == [False]
    assert AuditEvent.objects.get(action="backoffice.staff.otp_reset").detail == {"devices_removed": 1}
