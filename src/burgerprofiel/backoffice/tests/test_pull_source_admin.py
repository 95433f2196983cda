"""The back-office page for pull sources: registration goes through the service (SSRF, audit)."""

from __future__ import annotations

from typing import Any

from django.test import Client

from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.personal_data.models import PullSource
from burgerprofiel.personal_data.tests.factories import make_pull_agency

ADD = "/backoffice/personal_data/pullsource/add/"


def _form(agency_id: int, url: str) -> dict[str, str]:
    return {
        "agency": str(agency_id),
        "component": "uw_gegevens",
        "theme": "Mobiliteit",
        "url": url,
        "country": "BE",
        "timeout_seconds": "1.5",
        "loket_url": "",
        "active": "on",
    }


def test_staff_register_a_source_and_the_registration_is_audited(superuser_client: Client, db: Any) -> None:
    agency = make_pull_agency()
    response = superuser_client.post(ADD, _form(agency.agency_id, "http://127.0.0.1:9/bron"))
    assert response.status_code == 302, response.content.decode()[:2000]
    source = PullSource.objects.get()
    assert source.timeout_seconds == 1.5
    assert AuditEvent.objects.filter(action="pull_source.added", object_id=str(source.pk)).exists()
    assert AuditEvent.objects.filter(action="backoffice.pullsource.added").exists()


def test_staff_cannot_register_a_source_in_a_private_network(superuser_client: Client, db: Any) -> None:
    agency = make_pull_agency()
    response = superuser_client.post(ADD, _form(agency.agency_id, "http://10.0.0.7/bron"), follow=True)
    assert "privé- of intern netwerk" in response.content.decode()
    assert not PullSource.objects.exists()


def test_staff_cannot_register_a_source_outside_the_eea_the_order_does_not_allow(
    superuser_client: Client, db: Any
) -> None:
    agency = make_pull_agency()
    form = {**_form(agency.agency_id, "http://127.0.0.1:9/bron"), "country": "US"}
    response = superuser_client.post(ADD, form, follow=True)
    assert "buiten de Europese Economische Ruimte" in response.content.decode()
    assert not PullSource.objects.exists()
