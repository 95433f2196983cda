from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from burgerprofiel.agencies.catalogue import CATEGORIES, DEFAULT_RETENTION_DAYS
from burgerprofiel.agencies.models import Agency
from burgerprofiel.agencies.selectors import api_client_by_client_id, current_order_version
from burgerprofiel.agencies.services import agency_onboard, contact_person_add, processing_order_change
from burgerprofiel.audit.actors import Actor, cli_actor
from burgerprofiel.citizens.services import citizen_get_or_create
from burgerprofiel.dossiers.models import Dossier
from burgerprofiel.dossiers.services import (
    Caller,
    dosis_source_register,
    dosis_upload_parse,
    dossier_upload_accept,
    dossier_uploads_process_all,
)
from burgerprofiel.payments.selectors import payments_for_agency
from burgerprofiel.payments.services import PaymentInput, payment_create

DEMO_KBO = "0316380841"  # Agentschap Digitaal Vlaanderen, from the charter's letterhead
# Test national numbers (valid checksums, not real people).
DEMO_DOSIS_SOURCE = "https://demo.burgerprofiel.example/dosis/omgevingsloket"
DEMO_CITIZENS = ["85073003328", "90022742191", "01010100126"]
# Components built after the first demo agencies were seeded: a demo agency without them gets them
# ordered on the next `demo seed` (a new version of its order), so `make run` on an old var/ shows them.
DEMO_COMPONENTS_LATER = ["betalingen"]
DEMO_IBAN = "BE71096123456769"  # a valid IBAN of the demo agency (the EPC QR code of the demo payment)


class Command(BaseCommand):
    help = "Seed a demo agency and demo citizens (development only). Safe to run twice."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("seed")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("Demogegevens horen niet in productie.")
        credentials_file = settings.VAR_DIR / "demo-agency.json"
        agency = Agency.objects.filter(kbo=DEMO_KBO).first()
        if agency is None:
            actor = cli_actor("demo")
            result = agency_onboard(
                name="Demo-agentschap Digitaal Vlaanderen",
                kbo=DEMO_KBO,
                components=[
                    "uw_gegevens",
                    "attesten",
                    "dosis",
                    "notificaties",
                    "contactvoorkeuren",
                    *DEMO_COMPONENTS_LATER,
                ],
                dpo_name="Functionaris voor gegevensbescherming",
                dpo_email="dpo@demo.burgerprofiel.example",
                street="Havenlaan 88",
                postcode="1000",
                municipality="Brussel",
                legal_basis="Demo: art. 6.1.e AVG",
                actor=actor,
            )
            contact_person_add(
                agency=result.agency,
                name="Demo Contactpersoon",
                email="contact@demo.burgerprofiel.example",
                role="Gemachtigde (charter 3.3)",
                actor=actor,
            )
            settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
            credentials_file.write_text(json.dumps(result.as_json(), indent=2))
            credentials_file.chmod(0o600)
        agency = Agency.objects.get(kbo=DEMO_KBO)
        self._components_later(agency)
        dosis_source_register(agency=agency, uri=DEMO_DOSIS_SOURCE, actor=cli_actor("demo"))
        self._demo_dossiers(agency)
        self._demo_payment(agency)
        for insz in DEMO_CITIZENS:
            citizen_get_or_create(insz=insz)
        self.stdout.write(
            json.dumps({"demo_agency_credentials": str(credentials_file), "demo_citizens": len(DEMO_CITIZENS)})
        )

    def _components_later(self, agency: Agency) -> None:
        version = current_order_version(agency_id=agency.pk)
        if version is None:
            return
        missing = [c for c in DEMO_COMPONENTS_LATER if c not in version.components]
        if missing:
            processing_order_change(
                order=version.order,
                actor=cli_actor("demo"),
                note=f"Demo: {', '.join(missing)} besteld",
                components=[*version.components, *missing],
                data_categories={**version.data_categories, **{c: list(CATEGORIES[c]) for c in missing}},
                retention_days={**version.retention_days, **{c: DEFAULT_RETENTION_DAYS[c] for c in missing}},
            )

    def _agency_caller(self, agency: Agency) -> Caller:
        client = agency.api_clients.first()
        version = current_order_version(agency_id=agency.pk)
        assert client is not None and version is not None and api_client_by_client_id(client_id=client.client_id)
        return Caller(
            actor=Actor(kind="agency_client", id=client.client_id, agency_id=agency.pk, order_version_id=version.pk),
            client_id=client.client_id,
            order_version=version,
            data_key_id=agency.data_key_id,
        )

    def _demo_payment(self, agency: Agency) -> None:
        """A payment request to the first demo citizen, as the agency's API would make it."""
        if payments_for_agency(agency_id=agency.pk, limit=1):
            return
        payment_create(
            agency_id=agency.pk,
            item=PaymentInput(
                insz=DEMO_CITIZENS[0],
                amount_cents=4250,
                description="Retributie omgevingsvergunning OMV-2026-0142",
                due_date=timezone.localdate() + dt.timedelta(days=30),
                creditor_iban=DEMO_IBAN,
                dossier_id="OMV-2026-0142",
            ),
            actor=self._agency_caller(agency).actor,
        )

    def _demo_dossiers(self, agency: Agency) -> None:
        """Two dossiers for the first demo citizen, through the same path as an agency's upload."""
        if Dossier.objects.filter(agency=agency).exists():
            return
        caller = self._agency_caller(agency)
        for number, name, fase, code, action, modified in (
            (
                "OMV-2026-0142",
                "Omgevingsvergunning: verbouwing woning",
                "Behandeling",
                "Openbaar onderzoek",
                "",
                "2026-11-20T10:00:00+01:00",
            ),
            (
                "OMV-2026-0098",
                "Melding: plaatsing zonnepanelen",
                "Samenstelling",
                "Onvolledig",
                "Bezorg ons een situatieschets van het dak.",
                "2026-11-25T09:00:00+01:00",
            ),
        ):
            payload = {
                "Identificatie": {"Bron": DEMO_DOSIS_SOURCE, "DossierNummer": number},
                "UploadId": f"demo-{number}",
                "Naam": name,
                "WijzigingsDatum": modified,
                "Status": {
                    "VlaamsCode": code,
                    "VlaamsFase": fase,
                    "Detail1": "",
                    "Actie": {"ActieNodig": bool(action), "Actie": action},
                },
                "Doorverwijzing": "https://www.omgevingsloket.be",
                "Producten": [{"Id": "1380"}],
                "DossierBeheerder": {
                    "Naam": "Team Omgeving",
                    "Dienst": "Demo-agentschap",
                    "Email": "omgeving@demo.burgerprofiel.example",
                },
                "Agenten": [{"Identificatie": DEMO_CITIZENS[0], "Toegangsrechten": [{"Code": "Raadpleger"}]}],
            }
            dossier_upload_accept(caller=caller, upload=dosis_upload_parse(json.dumps(payload)))
        dossier_uploads_process_all()
