"""Back-office sessions end after 15 minutes without activity (ASVS 5.0 7.3.1)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.backoffice.tests.conftest import LOGIN_URL, logged_in

pytestmark = pytest.mark.django_db

INDEX = "/backoffice/"
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def test_a_staff_session_idle_for_sixteen_minutes_is_logged_out(operator):
    with time_machine.travel(START, tick=False) as traveller:
        client = logged_in(operator)
        assert client.get(INDEX).status_code == 200
        traveller.shift(dt.timedelta(minutes=16))

        response = client.get(INDEX)
        login_page = client.get(response["Location"])

    assert response.status_code == 302
    assert response["Location"].startswith(f"{LOGIN_URL}?next=")
    assert "15 minuten niet actief" in login_page.content.decode()
    event = AuditEvent.objects.get(action="backoffice.session_expired")
    assert event.actor_id == str(operator.user.pk)
    assert event.detail == {"idle_seconds": 16 * 60}


def test_a_staff_session_active_every_ten_minutes_stays(operator):
    with time_machine.travel(START, tick=False) as traveller:
        client = logged_in(operator)
        for _ in range(6):  # an hour, well past 15 minutes, with a request every 10
            traveller.shift(dt.timedelta(minutes=10))
            assert client.get(INDEX).status_code == 200

    assert not AuditEvent.objects.filter(action="backoffice.session_expired").exists()


def test_the_idle_clock_starts_at_login(operator):
    with time_machine.travel(START, tick=False) as traveller:
        client = logged_in(operator)  # and then nothing: not even the page after the login
        traveller.shift(dt.timedelta(minutes=16))

        response = client.get(INDEX)

    assert response.status_code == 302


def test_fourteen_minutes_of_silence_do_not_end_the_session(operator):
    with time_machine.travel(START, tick=False) as traveller:
        client = logged_in(operator)
        traveller.shift(dt.timedelta(minutes=14))

        assert client.get(INDEX).status_code == 200


def test_the_idle_timeout_is_a_setting(operator, settings):
    settings.BACKOFFICE_SESSION_IDLE_SECONDS = 5 * 60
    with time_machine.travel(START, tick=False) as traveller:
        client = logged_in(operator)
        traveller.shift(dt.timedelta(minutes=6))

        assert client.get(INDEX).status_code == 302
