"""The charter's back-office pages: operators publish an amendment (30-day rule), auditors only read."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.backoffice.tests.conftest import logged_in, make_staff
from burgerprofiel.compliance.charter.models import CharterVersion

pytestmark = pytest.mark.django_db

ADD = "/backoffice/charter/charterversion/add/"


def _form(days_ahead: int) -> dict[str, str]:
    return {
        "version": "3.1",
        "title": "Verwerkingscharter",
        "summary": "Bijlage 2 krijgt een nieuwe onderverwerker.",
        "text": "De volledige nieuwe tekst.",
        "effective_from": (timezone.localdate() + dt.timedelta(days=days_ahead)).isoformat(),
    }


def test_an_operator_publishes_an_amendment_from_the_back_office() -> None:
    client = logged_in(make_staff("operator", "op"))
    assert client.get("/backoffice/charter/charterversion/").status_code == 200
    response = client.post(ADD, _form(45))
    assert response.status_code == 302, response.content
    version = CharterVersion.objects.get(version="3.1")
    assert version.summary.startswith("Bijlage 2")
    assert AuditEvent.objects.filter(action="charter.version_published", object_id=str(version.pk)).exists()
    assert AuditEvent.objects.filter(action="backoffice.charterversion.added").exists()
    page = client.get(f"/backoffice/charter/charterversion/{version.pk}/change/")
    assert page.status_code == 200 and "Bijlage 2 krijgt" in page.content.decode()


def test_the_back_office_refuses_an_amendment_less_than_30_days_ahead() -> None:
    client = logged_in(make_staff("operator", "op"))
    response = client.post(ADD, _form(29), follow=True)
    assert "minstens 30 dagen" in response.content.decode()
    assert not CharterVersion.objects.filter(version="3.1").exists()


def test_an_auditor_reads_versions_but_cannot_publish() -> None:
    client = logged_in(make_staff("auditor", "aud"))
    assert client.get("/backoffice/charter/charterversion/").status_code == 200
    assert client.get(ADD).status_code == 403
    assert client.get("/backoffice/charter/chartertermination/").status_code == 200
