"""Back-office fixtures: staff with a TOTP device, logged in through the real login form."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from burgerprofiel.conftest import TEST_ACTOR
from burgerprofiel.staff.services import NewStaff, staff_create

LOGIN_URL = "/backoffice/login/"


def totp_token(device: Any) -> str:
    """The code an authenticator app would show now for this device."""
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)
    return f"{value:0{device.digits}d}"


def otp_login(client: Client, *, username: str, password: str, device: Any, token: str | None = None) -> Any:
    return client.post(
        LOGIN_URL,
        {
            "username": username,
            "password": password,
            "otp_token": totp_token(device) if token is None else token,
            "next": "/backoffice/",
        },
    )


def make_staff(role: str, username: str) -> NewStaff:
    return staff_create(username=username, email=f"{username}@burgerprofiel.example", role=role, actor=TEST_ACTOR)


def logged_in(staff: NewStaff) -> Client:
    client = Client()
    response = otp_login(client, username=staff.user.get_username(), password=staff.password, device=staff.device)
    assert response.status_code == 302, response.content
    return client


class _FormReader(HTMLParser):
    """Collects the fields of the admin's main form as a browser would submit them."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def _add(self, name: str, value: str) -> None:
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        name = a.get("name")
        if tag == "input" and name and "disabled" not in a:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._add(name, a.get("value", "on"))
            elif kind not in ("submit", "button", "file"):
                self._add(name, a.get("value", ""))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self._add(self._select, a.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            self._add(self._textarea, "".join(self._text).removeprefix("\n"))
            self._textarea = None


def form_fields(html: str) -> dict[str, list[str]]:
    """Every field a browser would post from the page (the search box excluded)."""
    reader = _FormReader()
    reader.feed(html)
    reader.data.pop("q", None)
    reader.data.pop("csrfmiddlewaretoken", None)
    return reader.data


def management(prefix: str, total: int = 0, initial: int = 0) -> dict[str, str]:
    """The management form of an inline formset, as the admin page posts it."""
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


@pytest.fixture
def operator(db: Any) -> NewStaff:
    return make_staff("operator", "olivia.operator")


@pytest.fixture
def auditor(db: Any) -> NewStaff:
    return make_staff("auditor", "arne.auditor")


@pytest.fixture
def operator_client(operator: NewStaff) -> Client:
    return logged_in(operator)


@pytest.fixture
def auditor_client(auditor: NewStaff) -> Client:
    return logged_in(auditor)


@pytest.fixture
def superuser_client(db: Any) -> Client:
    password = "een-lang-testwachtwoord-42"
    user = get_user_model().objects.create_superuser(
        username="root", email="root@burgerprofiel.example", password=password
    )
    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    client = Client()
    response = otp_login(client, username="root", password=password, device=device)
    assert response.status_code == 302, response.content
    return client
