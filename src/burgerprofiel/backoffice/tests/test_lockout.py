"""Repeated failed back-office logins lock the account (django-axes; ASVS 5.0 6.3.1)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client

from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.backoffice.models import LoginLock
from burgerprofiel.backoffice.tests.conftest import make_staff, otp_login, totp_token

pytestmark = pytest.mark.django_db

INDEX = "/backoffice/"
LIMIT = 5  # BACKOFFICE_LOGIN_FAILURE_LIMIT's default
LOCKS = "/backoffice/backoffice/loginlock/"


def _wrong_password(client: Client, staff) -> object:
    return otp_login(client, username=staff.user.get_username(), password="fout-wachtwoord-123", device=staff.device)


def _wrong_code(client: Client, staff) -> object:
    wrong = f"{(int(totp_token(staff.device)) + 1) % 1_000_000:06d}"
    return otp_login(
        client, username=staff.user.get_username(), password=staff.password, device=staff.device, token=wrong
    )


def _right(client: Client, staff) -> object:
    return otp_login(client, username=staff.user.get_username(), password=staff.password, device=staff.device)


def test_five_wrong_passwords_lock_the_account_with_a_dutch_page():
    staff = make_staff("operator", "vergeetachtig")
    client = Client()
    answers = [_wrong_password(client, staff).status_code for _ in range(LIMIT)]

    locked = _right(client, staff)

    assert answers == [200] * (LIMIT - 1) + [429]
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Aanmelden tijdelijk geblokkeerd" in page
    assert "over 30 minuten" in page
    assert locked["Retry-After"] == "1800"
    assert client.get(INDEX).status_code == 302  # the right password and code did not let them in


def test_wrong_verification_codes_after_the_right_password_count_as_failed_logins():
    staff = make_staff("operator", "verkeerde.codes")
    client = Client()
    for _ in range(LIMIT - 1):
        assert _wrong_code(client, staff).status_code == 200

    assert _wrong_code(client, staff).status_code == 429
    assert _right(client, staff).status_code == 429


def test_the_lock_holds_for_the_account_from_any_address_and_only_for_that_account():
    staff = make_staff("operator", "doelwit")
    colleague = make_staff("operator", "collega")
    attacker = Client(REMOTE_ADDR="192.0.2.10")
    for _ in range(LIMIT):
        _wrong_password(attacker, staff)

    from_elsewhere = _right(Client(REMOTE_ADDR="198.51.100.7"), staff)
    colleague_from_attacker_address = _right(attacker, colleague)

    assert from_elsewhere.status_code == 429
    assert colleague_from_attacker_address.status_code == 302


def test_the_lock_is_audited_once_naming_the_account_but_not_the_user_name():
    staff = make_staff("operator", "geheim.account")
    client = Client()
    for _ in range(LIMIT + 2):
        _wrong_password(client, staff)

    event = AuditEvent.objects.get(action="backoffice.login_locked")
    assert event.outcome == "refused"
    assert event.object_type == "auth.User"
    assert event.object_id == str(staff.user.pk)
    assert event.detail == {"failures": LIMIT, "lockout_minutes": 30, "known_account": True}
    assert "geheim.account" not in str(event.detail) + event.actor_id + event.object_id
    refused = AuditEvent.objects.filter(action="backoffice.login", outcome="refused").count()
    assert refused == LIMIT + 2  # every refused attempt stays audited as before


def test_locking_an_unknown_user_name_records_no_name():
    client = Client()
    for _ in range(LIMIT):
        otp_login(client, username="bestaat.niet", password="raden-123456", device=None, token="000000")

    event = AuditEvent.objects.get(action="backoffice.login_locked")
    assert event.object_id == ""
    assert event.detail["known_account"] is False
    assert "bestaat.niet" not in str(event.detail)


def test_a_successful_login_resets_the_count():
    staff = make_staff("operator", "bijna")
    client = Client()
    for _ in range(LIMIT - 1):
        _wrong_password(client, staff)
    assert _right(client, staff).status_code == 302
    client.logout()

    for _ in range(LIMIT - 1):
        assert _wrong_password(client, staff).status_code == 200


def test_the_lock_ends_after_the_lockout_time():
    staff = make_staff("operator", "geduldig")
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as traveller:
        client = Client()
        for _ in range(LIMIT):
            _wrong_password(client, staff)
        traveller.shift(dt.timedelta(minutes=29))
        assert _right(client, staff).status_code == 429
        traveller.shift(dt.timedelta(minutes=31))  # 30 minutes after the last (counted) attempt

        assert _right(client, staff).status_code == 302


def test_an_operator_lifts_a_lock_in_the_backoffice_and_that_is_audited(operator, operator_client):
    staff = make_staff("auditor", "buitengesloten")
    for _ in range(LIMIT):
        _wrong_password(Client(), staff)
    lock = LoginLock.objects.get(username="buitengesloten")
    listing = operator_client.get(LOCKS)
    assert listing.status_code == 200
    assert "buitengesloten" in listing.content.decode()

    response = operator_client.post(LOCKS, {"action": "lift_locks", "_selected_action": [lock.pk]})

    assert response.status_code == 302
    assert not LoginLock.objects.filter(username="buitengesloten").exists()
    assert _right(Client(), staff).status_code == 302
    event = AuditEvent.objects.get(action="backoffice.login_lock_lifted")
    assert event.actor_id == str(operator.user.pk)
    assert event.object_id == str(staff.user.pk)


def test_an_auditor_sees_the_locks_but_cannot_lift_them(auditor_client):
    staff = make_staff("operator", "vast")
    for _ in range(LIMIT):
        _wrong_password(Client(), staff)
    lock = LoginLock.objects.get(username="vast")

    assert auditor_client.get(LOCKS).status_code == 200
    auditor_client.post(LOCKS, {"action": "lift_locks", "_selected_action": [lock.pk]})

    assert LoginLock.objects.filter(username="vast").exists()
    assert not AuditEvent.objects.filter(action="backoffice.login_lock_lifted").exists()


def test_axes_reset_username_lifts_a_lock_from_the_shell():
    staff = make_staff("operator", "via.de.shell")
    for _ in range(LIMIT):
        _wrong_password(Client(), staff)

    call_command("axes_reset_username", "via.de.shell")

    assert _right(Client(), staff).status_code == 302
