"""The citizen's "Mijn dossiers" pages, fed through the real v2 upload."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.citizens.models import Citizen
from burgerprofiel.conftest import login_citizen
from burgerprofiel.dossiers.models import Dossier
from burgerprofiel.dossiers.tests.conftest import (
    BRON,
    KBO_OWNER,
    PARENT_1,
    PARENT_2,
    STRANGER,
    Upload,
    full_payload,
    status,
)


def mandate_for_test_kbo(citizen: Citizen) -> list[str]:
    """A mandate source for tests: every citizen may act for KBO_OWNER."""
    return [KBO_OWNER]


def dossier_payload(number: str, when: str, fase: str, code: str, **kwargs: Any) -> dict[str, Any]:
    return full_payload(
        Identificatie={"Bron": BRON, "DossierNummer": number},
        UploadId=f"{number}-{when}",
        Naam=f"Dossier {number}",
        WijzigingsDatum=when,
        Status=status(fase, code, **kwargs),
    )


def test_full_upload_appears_with_its_history_for_each_owner_in_the_portal(upload: Upload) -> None:
    assert (
        upload(
            full_payload(WijzigingsDatum="2026-10-20T10:00:00+02:00", Status=status("Samenstelling", "Ontvangen"))
        ).status_code
        == 200
    )
    assert upload(full_payload(UploadId="upl-0002")).status_code == 200
    dossier = Dossier.objects.get()

    for insz in (PARENT_1, PARENT_2):
        client = Client()
        login_citizen(client, insz)
        listing = client.get("/mijn-dossiers/")
        assert listing.status_code == 200
        assert "Aanvraag kinderbijslag voor Lotte Peeters" in listing.content.decode()

        page = client.get(f"/mijn-dossiers/{dossier.pk}/")
        html = page.content.decode()
        assert page.status_code == 200
        assert "Bezorg ons het geboorteattest van Lotte." in html  # the required action
        assert html.index("Actie nodig") < html.index("Waar staat uw dossier?")  # prominent: first
        assert "Ontvangen" in html and "In behandeling" in html  # the history
        assert "dossierbehandelaar Els Maes" in html  # Detail1
        assert "els.maes@opgroeien.example" in html and "+32 2 553 11 11" in html and "Sint-Gillis" in html
        assert 'href="https://loket.opgroeien.example/dossiers/KO-2026-0001"' in html
        assert 'aria-current="step"' in html
        timeline = html[html.index('<ol class="timeline">') :]
        assert timeline.index("Samenstelling") < timeline.index("Behandeling") < timeline.index("Beslissing")
        assert "Beroep" not in timeline  # an appeal is shown only when one happened
        assert "Afgerond" in timeline and "(nog te komen)" in timeline


def test_list_puts_action_needed_first_then_most_recently_changed(client: Client, upload: Upload) -> None:
    upload(dossier_payload("OLD", "2026-09-01T10:00:00+02:00", "Behandeling", "Bezig"))
    upload(dossier_payload("NEW", "2026-11-01T10:00:00+01:00", "Behandeling", "Bezig"))
    upload(
        dossier_payload(
            "ACT", "2026-08-01T10:00:00+02:00", "Samenstelling", "Onvolledig", actie=True, tekst="Stuur het formulier."
        )
    )
    login_citizen(client, PARENT_1)

    html = client.get("/mijn-dossiers/").content.decode()

    assert html.index("Dossier ACT") < html.index("Dossier NEW") < html.index("Dossier OLD")
    assert "Voor 1 dossier is een actie van u nodig." in html


def test_open_and_closed_filter(client: Client, upload: Upload) -> None:
    upload(dossier_payload("OPEN", "2026-09-01T10:00:00+02:00", "Behandeling", "Bezig"))
    upload(dossier_payload("DONE", "2026-09-02T10:00:00+02:00", "Afgerond", "Toegekend"))
    login_citizen(client, PARENT_1)

    open_html = client.get("/mijn-dossiers/").content.decode()
    closed_html = client.get("/mijn-dossiers/?filter=gesloten").content.decode()
    all_html = client.get("/mijn-dossiers/?filter=alle").content.decode()

    assert "Dossier OPEN" in open_html and "Dossier DONE" not in open_html
    assert "Dossier DONE" in closed_html and "Dossier OPEN" not in closed_html
    assert "Dossier DONE" in all_html and "Dossier OPEN" in all_html


def test_another_citizen_sees_neither_the_list_entry_nor_the_page(client: Client, upload: Upload) -> None:
    upload(full_payload())
    login_citizen(client, STRANGER)

    assert "Lotte" not in client.get("/mijn-dossiers/").content.decode()
    assert client.get(f"/mijn-dossiers/{Dossier.objects.get().pk}/").status_code == 404


def test_pages_need_a_logged_in_citizen(client: Client) -> None:
    response = client.get("/mijn-dossiers/")

    assert response.status_code == 302
    assert "/aanmelden" in response["Location"]


def organisation_payload() -> dict[str, Any]:
    return full_payload(
        Identificatie={"Bron": BRON, "DossierNummer": "ORG-1"},
        Naam="Omgevingsvergunning bv Bakkerij",
        Agenten=[{"Identificatie": KBO_OWNER, "Toegangsrechten": [{"Code": "Raadpleger"}]}],
    )


def test_organisation_dossiers_are_hidden_without_a_known_mandate(client: Client, upload: Upload) -> None:
    assert upload(organisation_payload()).status_code == 200
    login_citizen(client, PARENT_1)

    assert "Bakkerij" not in client.get("/mijn-dossiers/").content.decode()
    assert client.get(f"/mijn-dossiers/{Dossier.objects.get().pk}/").status_code == 404


def test_organisation_dossiers_are_shown_when_the_mandate_source_says_so(
    client: Client, upload: Upload, settings: Any
) -> None:
    settings.DOSIS_MANDATE_PROVIDER = f"{__name__}.mandate_for_test_kbo"
    assert upload(organisation_payload()).status_code == 200
    login_citizen(client, PARENT_1)

    assert "Bakkerij" in client.get("/mijn-dossiers/").content.decode()
    assert client.get(f"/mijn-dossiers/{Dossier.objects.get().pk}/").status_code == 200


@pytest.mark.parametrize("page", ["list", "detail"])
def test_every_view_is_audited_as_the_citizen(client: Client, upload: Upload, agency: Any, page: str) -> None:
    upload(full_payload())
    citizen = login_citizen(client, PARENT_1)
    dossier = Dossier.objects.get()

    client.get("/mijn-dossiers/" if page == "list" else f"/mijn-dossiers/{dossier.pk}/")

    action = "dossier.list_viewed" if page == "list" else "dossier.viewed"
    event = AuditEvent.objects.get(action=action)
    assert (event.actor_type, event.actor_id, event.agency_id) == ("citizen", str(citizen.pk), agency.agency_id)
    assert PARENT_1 not in str(event.detail)
