from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from django.db import connection

from burgerprofiel.agencies.models import Agency, ApiClient, ContactPerson, ProcessingOrderVersion
from burgerprofiel.agencies.services import api_client_secret_matches
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.backoffice.tests.conftest import form_fields, management

pytestmark = pytest.mark.django_db

ADD_URL = "/backoffice/agencies/agency/add/"
PERSONAL = ("Jan Peeters", "jan.peeters@gent.example", "+32 9 266 11 11", "Els Claes", "dpo@gent.example")


def _onboard_form(**overrides: object) -> dict:
    data = {
        "name": "Stad Gent",
        "kbo": "0207.451.227",
        "dpo_name": "Els Claes",
        "dpo_email": "dpo@gent.example",
        "street": "Botermarkt 1",
        "postcode": "9000",
        "municipality": "Gent",
        "components": ["dosis", "notificaties"],
        "valid_from": "",
        "valid_until": "",
        "legal_basis": "Decreet van 7 december 2018",
        "dpia_reference": "",
        "jwks": "",
        **management("contact_persons", total=1),
        "contact_persons-0-name": "Jan Peeters",
        "contact_persons-0-email": "jan.peeters@gent.example",
        "contact_persons-0-phone": "+32 9 266 11 11",
        "contact_persons-0-role": "informatieveiligheidsconsulent",
        "contact_persons-0-authorised_from": "2025-01-01",
        "contact_persons-0-authorised_until": "",
        "_save": "Bewaren",
    }
    data.update(overrides)
    return data


def _all_audit_text() -> str:
    return json.dumps(
        [[e.action, e.object_id, e.purpose, e.actor_id, e.detail] for e in AuditEvent.objects.all()], ensure_ascii=False
    )


def test_an_operator_onboards_an_agency_and_sees_the_client_secret_once(operator_client):
    response = operator_client.post(ADD_URL, _onboard_form())

    assert response.status_code == 200, response.content
    page = response.content.decode()
    # In a read-only copy field of its own, not run into the success message.
    secret = re.search(r'<input type="text" id="client_secret" value="([^"]+)" readonly', page).group(1)
    client_id = re.search(r'<input type="text" id="client_id" value="(bp-[0-9a-f]+)" readonly', page).group(1)
    assert secret not in page.split('id="content-main"')[0]  # the banner above names the client, not the secret
    assert 'data-copy-target="client_secret"' in page
    agency = Agency.objects.get(kbo="0207451227")
    client = ApiClient.objects.get(client_id=client_id, agency=agency)
    assert api_client_secret_matches(client=client, secret=secret)
    assert secret not in client.secret_hash
    assert agency.data_key.wrapped_key
    version = agency.processing_orders.get().current
    assert version.state == ProcessingOrderVersion.State.ACTIVE
    assert version.components == ["dosis", "notificaties"]
    assert "no-store" in response["Cache-Control"]
    # Shown once: not kept for a later page, not in a cookie, not in the session.
    assert secret not in operator_client.get("/backoffice/agencies/agency/").content.decode()
    assert secret not in str(operator_client.cookies)
    assert secret not in json.dumps(dict(operator_client.session))


def test_onboarding_through_the_admin_is_audited_without_personal_data(operator_client, operator):
    operator_client.post(ADD_URL, _onboard_form())

    agency = Agency.objects.get(kbo="0207451227")
    added = AuditEvent.objects.get(action="backoffice.agency.added")
    assert added.actor_type == "staff"
    assert added.actor_id == str(operator.user.pk)
    assert added.agency_id == agency.pk
    assert added.object_type == "agencies.Agency"
    assert {"name", "kbo", "dpo_name", "dpo_email", "components"} <= set(added.detail["fields"])
    person = AuditEvent.objects.get(action="backoffice.contactperson.added")
    assert person.agency_id == agency.pk
    assert {"name", "email", "phone"} <= set(person.detail["fields"])
    assert AuditEvent.objects.filter(action="agency.onboarded", actor_id=str(operator.user.pk)).exists()
    text = _all_audit_text()
    for value in PERSONAL:
        assert value not in text


def test_contact_persons_added_in_the_admin_are_stored_encrypted(operator_client):
    operator_client.post(ADD_URL, _onboard_form())

    person = ContactPerson.objects.get(agency__kbo="0207451227")
    assert (person.name, person.email, person.phone) == PERSONAL[:3]
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, email, phone FROM agencies_contactperson WHERE id = %s", [person.pk])
        raw = cursor.fetchone()
    assert all(value.startswith("bp3:") for value in raw)
    assert not any(secret in " ".join(raw) for secret in PERSONAL[:3])


def test_an_invalid_kbo_is_refused_next_to_the_field_and_nothing_is_stored(operator_client):
    response = operator_client.post(ADD_URL, _onboard_form(kbo="0207.451.228"))

    assert response.status_code == 200
    assert "geen geldig KBO-nummer" in response.content.decode()
    assert not Agency.objects.filter(name="Stad Gent").exists()
    assert not AuditEvent.objects.filter(action__startswith="backoffice.agency").exists()


def test_a_duplicate_kbo_is_refused(operator_client, agency):
    response = operator_client.post(ADD_URL, _onboard_form(kbo="0316.380.841"))

    assert response.status_code == 200
    assert Agency.objects.filter(kbo="0316380841").count() == 1


def _change_form(agency_id: int, person: ContactPerson, **overrides: object) -> dict:
    data = {
        "name": "Agentschap Opgroeien",
        "kbo": "0316380841",
        "dpo_name": "",
        "dpo_email": "",
        "street": "",
        "postcode": "",
        "municipality": "",
        **management("contact_persons", total=1, initial=1),
        "contact_persons-0-id": str(person.pk),
        "contact_persons-0-agency": str(agency_id),
        "contact_persons-0-name": person.name,
        "contact_persons-0-email": person.email,
        "contact_persons-0-phone": person.phone,
        "contact_persons-0-role": person.role,
        "contact_persons-0-authorised_from": person.authorised_from.isoformat(),
        # A callable default renders a hidden initial value, which the browser posts back.
        "initial-contact_persons-0-authorised_from": person.authorised_from.isoformat(),
        "contact_persons-0-authorised_until": "",
        **management("api_clients", total=0),
        **management("processing_orders", total=0),
        "_save": "Bewaren",
    }
    data.update(overrides)
    return data


def test_changing_a_contact_person_is_audited_with_field_names_only(operator_client, agency):
    person = ContactPerson.objects.create(
        agency_id=agency.agency_id, name="Jan Peeters", email="jan.peeters@gent.example", role="DPO"
    )

    response = operator_client.post(
        f"/backoffice/agencies/agency/{agency.agency_id}/change/",
        _change_form(agency.agency_id, person, **{"contact_persons-0-phone": "+32 9 266 11 11"}),
    )

    assert response.status_code == 302, response.content
    assert ContactPerson.objects.get(pk=person.pk).phone == "+32 9 266 11 11"
    event = AuditEvent.objects.get(action="backoffice.contactperson.changed")
    assert event.detail == {"fields": ["phone"]}
    assert event.agency_id == agency.agency_id
    assert not AuditEvent.objects.filter(action="backoffice.agency.changed").exists()  # the agency itself did not
    assert "+32 9 266 11 11" not in _all_audit_text()


def test_opening_an_agency_with_its_contact_persons_is_audited(operator_client, operator, agency):
    ContactPerson.objects.create(agency_id=agency.agency_id, name="Jan Peeters", email="jan@x.example", role="DPO")

    response = operator_client.get(f"/backoffice/agencies/agency/{agency.agency_id}/change/")

    assert response.status_code == 200
    assert "Jan Peeters" in response.content.decode()
    event = AuditEvent.objects.get(action="backoffice.agency.viewed")
    assert (event.actor_id, event.agency_id) == (str(operator.user.pk), agency.agency_id)


def test_agency_search_finds_by_kbo(operator_client, agency, other_agency):
    response = operator_client.get("/backoffice/agencies/agency/", {"q": "0887010362"})

    page = response.content.decode()
    assert "Departement Mobiliteit" in page
    assert "Agentschap Opgroeien" not in page


def test_saving_the_agency_page_as_a_browser_would_keeps_contact_persons_and_read_only_rows(operator_client, agency):
    ContactPerson.objects.create(agency_id=agency.agency_id, name="Jan Peeters", email="jan@x.example", role="DPO")
    url = f"/backoffice/agencies/agency/{agency.agency_id}/change/"
    data = form_fields(operator_client.get(url).content.decode())
    assert data["api_clients-TOTAL_FORMS"] == ["1"]  # the read-only rows are part of the page
    data["name"] = ["Agentschap Opgroeien Vlaanderen"]

    response = operator_client.post(url, data)

    assert response.status_code == 302, response.content
    assert Agency.objects.get(pk=agency.agency_id).name == "Agentschap Opgroeien Vlaanderen"
    person = ContactPerson.objects.get(agency_id=agency.agency_id)
    assert (person.name, person.email) == ("Jan Peeters", "jan@x.example")
    assert AuditEvent.objects.get(action="backoffice.agency.changed").detail == {"fields": ["name"]}
    assert not AuditEvent.objects.filter(action="backoffice.contactperson.changed").exists()
    assert ApiClient.objects.filter(agency_id=agency.agency_id).count() == 1


class _Headers(HTMLParser):
    """The text of every column header of the page's inline tables (screen-reader-only text included)."""

    def __init__(self) -> None:
        super().__init__()
        self.headers: list[str] = []
        self._inline = 0
        self._th: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "div" and "inline-group" in (dict(attrs).get("class") or "").split():
            self._inline += 1
        elif tag == "th" and self._inline:
            self._th = []

    def handle_data(self, data: str) -> None:
        if self._th is not None:
            self._th.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "th" and self._th is not None:
            self.headers.append(" ".join("".join(self._th).split()))
            self._th = None


def test_no_column_of_the_agency_page_s_inline_tables_is_unnamed(operator_client, auditor_client, agency):
    """axe's empty-table-header: the shared tabular inline template (admin_templates) names the row
    column and the delete column for screen readers, for the editable contact persons too."""
    ContactPerson.objects.create(agency_id=agency.agency_id, name="Jan Peeters", email="jan@x.example", role="DPO")
    url = f"/backoffice/agencies/agency/{agency.agency_id}/change/"
    for client in (operator_client, auditor_client):
        page = client.get(url).content.decode()
        reader = _Headers()
        reader.feed(page)
        assert 'id="contact_persons-group"' in page
        assert reader.headers.count("Object") >= 2  # contact persons and the read-only API clients
        assert "" not in reader.headers, reader.headers
