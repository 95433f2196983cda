from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django_otp.plugins.otp_totp.models import TOTPDevice

from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.backoffice.tests.conftest import LOGIN_URL, make_staff, otp_login, totp_token

pytestmark = pytest.mark.django_db

INDEX = "/backoffice/"


def test_staff_user_without_a_verified_device_is_redirected_to_login(client):
    user = get_user_model().objects.create_user(
        username="zonder.toestel", password="een-lang-wachtwoord-1", is_staff=True
    )
    client.force_login(user)  # password only: no OTP device verified this session

    response = client.get(INDEX)

    assert response.status_code == 302
    assert response["Location"].startswith(f"{LOGIN_URL}?next=")


def test_staff_user_without_any_device_cannot_log_in_with_password_alone(client):
    get_user_model().objects.create_user(username="zonder.toestel", password="een-lang-wachtwoord-1", is_staff=True)

    response = client.post(
        LOGIN_URL, {"username": "zonder.toestel", "password": "een-lang-wachtwoord-1", "otp_token": ""}
    )

    assert response.status_code == 200
    assert "Geef de verificatiecode" in response.content.decode()
    assert client.get(INDEX).status_code == 302


def test_staff_user_with_an_unconfirmed_device_is_refused(client):
    staff = make_staff("operator", "nog.niet.bevestigd")
    TOTPDevice.objects.filter(pk=staff.device.pk).update(confirmed=False)

    response = otp_login(client, username="nog.niet.bevestigd", password=staff.password, device=staff.device)

    assert response.status_code == 200
    assert client.get(INDEX).status_code == 302


def test_a_wrong_token_does_not_let_the_user_in(client):
    staff = make_staff("operator", "verkeerde.code")
    wrong = f"{(int(totp_token(staff.device)) + 1) % 1_000_000:06d}"

    response = otp_login(client, username="verkeerde.code", password=staff.password, device=staff.device, token=wrong)

    assert response.status_code == 200
    assert "klopt niet" in response.content.decode()
    assert client.get(INDEX).status_code == 302


def test_staff_user_with_a_verified_totp_device_reaches_the_index(client):
    staff = make_staff("operator", "met.toestel")

    response = otp_login(client, username="met.toestel", password=staff.password, device=staff.device)

    assert response.status_code == 302
    assert response["Location"] == INDEX
    index = client.get(INDEX)
    assert index.status_code == 200
    assert "<h1>Overzicht</h1>" in index.content.decode()


def test_a_token_is_accepted_only_once(client):
    staff = make_staff("operator", "twee.keer")
    token = totp_token(staff.device)
    assert (
        otp_login(client, username="twee.keer", password=staff.password, device=staff.device, token=token).status_code
        == 302
    )
    client.logout()

    replay = otp_login(client, username="twee.keer", password=staff.password, device=staff.device, token=token)

    assert replay.status_code == 200
    assert client.get(INDEX).status_code == 302


def test_logins_are_audited_and_a_failed_one_does_not_record_the_user_name(client):
    staff = make_staff("operator", "geheime.naam")
    otp_login(client, username="geheime.naam", password="fout-wachtwoord-123", device=staff.device)
    otp_login(client, username="geheime.naam", password=staff.password, device=staff.device)

    refused = AuditEvent.objects.get(action="backoffice.login", outcome="refused")
    success = AuditEvent.objects.get(action="backoffice.login", outcome="success")
    assert refused.actor_type == "anonymous"
    assert refused.detail == {"reasons": ["invalid_login"]}
    assert "geheime.naam" not in str(refused.detail) + refused.actor_id + refused.object_id
    assert success.actor_id == str(staff.user.pk)
    assert success.detail["device"] == staff.device.persistent_id
