from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from burgerprofiel.agencies.catalogue import CATEGORIES, DEFAULT_RETENTION_DAYS
from burgerprofiel.agencies.models import Agency, ProcessingOrderVersion
from burgerprofiel.agencies.selectors import api_client_by_client_id, current_order_version
from burgerprofiel.agencies.services import agency_onboard, contact_person_add, processing_order_change
from burgerprofiel.audit.actors import Actor, cli_actor
from burgerprofiel.citizens.services import citizen_get_or_create
from burgerprofiel.common.errors import ApplicationError, Conflict
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
from burgerprofiel.personal_data.services import pull_source_add
from burgerprofiel.preferences import consent_texts
from burgerprofiel.preferences.models import Channel, ConsentEvent, Verification
from burgerprofiel.preferences.selectors import consent_ledger_for_citizen
from burgerprofiel.preferences.services import consent_set, email_verification_confirm, email_verification_create
from burgerprofiel.service_requests.selectors import requestable_services_for_agency
from burgerprofiel.service_requests.services import requestable_service_publish
from burgerprofiel.webhooks.events import event_types_for
from burgerprofiel.webhooks.selectors import webhook_endpoints_list
from burgerprofiel.webhooks.services import webhook_endpoint_delete, webhook_endpoint_register

DEMO_KBO = "0316380841"  # Agentschap Digitaal Vlaanderen, from the charter's letterhead
# Test national numbers (valid checksums, not real people).
DEMO_DOSIS_SOURCE = "https://demo.burgerprofiel.example/dosis/omgevingsloket"
DEMO_CITIZENS = ["85073003328", "90022742191", "01010100126"]
# The first demo citizen's verified e-mail address and the IPDC product of the demo agency's melding
# (examples/demo_agency): with An's consent for it, that melding also goes out by e-mail (var/mail).
DEMO_EMAIL = "an.peeters@demo.burgerprofiel.example"
DEMO_MELDING_PRODUCT = "1234"
DEMO_COMPONENTS = [
    "uw_gegevens",
    "attesten",
    "dosis",
    "notificaties",
    "contactvoorkeuren",
    "foutmeldingen",  # issue 12: "Meld een fout" on every item of Uw gegevens and on the dossiers
    "aanvragen",  # issue 12: the demo request form below
    "betalingen",  # issue 12: a payment request to An, paid at the fake Mollie
]
# The second demo agency (issue 15): other components, its own client, its own tenant.
SECOND_KBO = "0207123407"
SECOND_COMPONENTS = ["uw_gegevens", "notificaties"]
DEMO_IBAN = "BE71096123456769"  # a valid IBAN of the demo agency (the EPC QR code of the demo payment)
# The demo agency's request form (issue 12): every kind of field the portal renders from a schema.
DEMO_FORM = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
        "nummerplaat": {
            "type": "string",
            "title": "Nummerplaat",
            "description": "Zoals op uw inschrijvingsbewijs, bijvoorbeeld 1-ABC-123.",
            "pattern": "^[0-9]-?[A-Z]{3}-?[0-9]{3}$",
            "maxLength": 9,
        },
        "startdatum": {"type": "string", "format": "date", "title": "Vanaf wanneer"},
        "voertuig": {
            "type": "string",
            "title": "Soort voertuig",
            "enum": ["Personenwagen", "Bestelwagen", "Motorfiets"],
        },
        "aantal_bewoners": {
            "type": "integer",
            "title": "Aantal bewoners op uw adres",
            "minimum": 1,
            "maximum": 20,
        },
        "opmerking": {"type": "string", "title": "Opmerking", "maxLength": 500},
        "akkoord": {"type": "boolean", "title": "Ik verklaar dit naar waarheid ingevuld te hebben", "const": True},
    },
    "required": ["nummerplaat", "startdatum", "voertuig", "aantal_bewoners", "akkoord"],
    "additionalProperties": False,
}


class Command(BaseCommand):
    help = "Maak een demo-instantie en demoburgers aan (enkel voor ontwikkeling). Mag twee keer lopen."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        seed = sub.add_parser("seed")
        seed.add_argument(
            "--webhook-url",
            default="",
            help="register this receiver for the demo agency's events (once); its secret goes to var/demo-webhook.json",
        )
        seed.add_argument(
            "--without-dossiers",
            action="store_true",
            help="seed no dossiers and no payment request: the demo agency (examples/demo_agency, make run) "
            "makes them through the API",
        )
        seed.add_argument(
            "--second-agency",
            action="store_true",
            help="also a second demo agency (uw_gegevens and notificaties only); its client in var/demo-agency-2.json",
        )
        seed.add_argument(
            "--sources",
            type=Path,
            default=None,
            help="register the demo agency's pull sources listed in this file (JSON lines: component, url, theme, "
            "loket; what examples/demo_agency/app.py --list-sources prints); a registered one is left as it is",
        )
        seed.add_argument(
            "--second-agency-sources",
            type=Path,
            default=None,
            help="the same for the second demo agency (with --second-agency)",
        )

    def handle(
        self,
        *args: Any,
        action: str,
        webhook_url: str = "",
        without_dossiers: bool = False,
        second_agency: bool = False,
        sources: Path | None = None,
        second_agency_sources: Path | None = None,
        **options: Any,
    ) -> None:
        if settings.PRODUCTION:
            raise CommandError("Demogegevens horen niet in productie.")
        credentials_file = settings.VAR_DIR / "demo-agency.json"
        agency = Agency.objects.filter(kbo=DEMO_KBO).first()
        if agency is None:
            actor = cli_actor("demo")
            result = agency_onboard(
                name="Demo-agentschap Digitaal Vlaanderen",
                kbo=DEMO_KBO,
                components=DEMO_COMPONENTS,
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
        self._demo_components(agency)
        dosis_source_register(agency=agency, uri=DEMO_DOSIS_SOURCE, actor=cli_actor("demo"))
        if not without_dossiers:
            self._demo_dossiers(agency)
        self._demo_request_form(agency)
        if webhook_url:
            self._demo_webhook(agency, webhook_url)
        if not without_dossiers:
            self._demo_payment(agency)
        if sources is not None:
            self._demo_sources(agency, sources)
        if second_agency:
            self._demo_second_agency()
            if second_agency_sources is not None:
                self._demo_sources(Agency.objects.get(kbo=SECOND_KBO), second_agency_sources)
        for insz in DEMO_CITIZENS:
            citizen_get_or_create(insz=insz)
        self._demo_contact(agency)
        self.stdout.write(
            json.dumps({"demo_agency_credentials": str(credentials_file), "demo_citizens": len(DEMO_CITIZENS)})
        )

    def _demo_sources(self, agency: Agency, listing: Path) -> None:
        """The pull sources a demo agency process serves ("Uw gegevens", certificates), registered as
        ``agency source add`` would (SSRF-checked, audited); the ones already registered stay."""
        for line in listing.read_text().splitlines():
            if not line.strip():
                continue
            source = json.loads(line)
            try:
                pull_source_add(
                    agency_id=agency.pk,
                    component=source["component"],
                    url=source["url"],
                    theme=source.get("theme", ""),
                    timeout_seconds=None,
                    loket_url=source.get("loket", ""),
                    actor=cli_actor("demo"),
                )
            except Conflict:
                continue  # registered by an earlier run
            except ApplicationError as exc:
                raise CommandError(f"{source['url']}: {exc.detail}") from exc

    def _demo_contact(self, agency: Agency) -> None:
        """The first demo citizen's e-mail address, verified, and consent to get the demo agency's
        melding by e-mail, through the same services as the portal. Both are seeded facts, not the
        citizen's acts: the audit trail names the demo command as actor, and the consent ledger says
        "Demogegevens van make run, niet door de burger gegeven" (``ConsentEvent.Method.DEMO_SEED``)."""
        citizen = citizen_get_or_create(insz=DEMO_CITIZENS[0])
        actor = cli_actor("demo")
        # Once only: what the user then changes in Contactvoorkeuren (another address, a withdrawal)
        # stays so on the next make run.
        if not Verification.objects.filter(citizen=citizen, channel=Channel.EMAIL).exists():
            message = email_verification_create(citizen=citizen, email=DEMO_EMAIL, actor=actor)
            # The link the mail would carry, followed at once (no mail is queued: nothing to verify).
            token = str(message.payload["url"]).rstrip("/").rsplit("/", 1)[-1]
            email_verification_confirm(citizen=citizen, token=token, actor=actor)
        asked = any(
            e.agency_id == agency.pk and e.ipdc_product == DEMO_MELDING_PRODUCT and e.channel == Channel.EMAIL
            for e in consent_ledger_for_citizen(citizen=citizen)
        )
        if not asked:
            consent_set(
                citizen=citizen,
                agency=agency,
                ipdc_product=DEMO_MELDING_PRODUCT,
                channel=Channel.EMAIL,
                granted=True,
                text_version=consent_texts.CURRENT_VERSION,
                method=ConsentEvent.Method.DEMO_SEED,
                actor=actor,
            )

    def _demo_second_agency(self) -> None:
        """A second tenant: a municipality with only "Uw gegevens" and meldingen, and a client of its own
        (var/demo-agency-2.json); ``make run`` runs a second demo agency process with it."""
        if Agency.objects.filter(kbo=SECOND_KBO).exists():
            return
        actor = cli_actor("demo")
        result = agency_onboard(
            name="Demo-gemeente Zonnebeke",
            kbo=SECOND_KBO,
            components=SECOND_COMPONENTS,
            dpo_name="Functionaris voor gegevensbescherming",
            dpo_email="dpo@gemeente.demo.burgerprofiel.example",
            street="Langemarkstraat 8",
            postcode="8980",
            municipality="Zonnebeke",
            legal_basis="Demo: art. 6.1.e AVG",
            actor=actor,
        )
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        credentials_file = settings.VAR_DIR / "demo-agency-2.json"
        credentials_file.write_text(json.dumps(result.as_json(), indent=2))
        credentials_file.chmod(0o600)

    def _demo_components(self, agency: Agency) -> None:
        """A demo agency seeded before a component existed gets it in a new version of its order."""
        version = current_order_version(agency_id=agency.pk)
        if version is None or all(c in version.components for c in DEMO_COMPONENTS):
            return
        missing = [c for c in DEMO_COMPONENTS if c not in version.components]
        processing_order_change(
            order=version.order,
            actor=cli_actor("demo"),
            note=f"Demo: {', '.join(missing)} toegevoegd",
            components=[*version.components, *missing],
            data_categories={**version.data_categories, **{c: list(CATEGORIES[c]) for c in missing}},
            retention_days={**version.retention_days, **{c: DEFAULT_RETENTION_DAYS[c] for c in missing}},
            state=ProcessingOrderVersion.State.ACTIVE,
        )

    def _demo_request_form(self, agency: Agency) -> None:
        """One form a demo citizen can fill in under Aanvragen (published as the agency would, by API)."""
        if requestable_services_for_agency(agency_id=agency.pk):
            return
        client = agency.api_clients.first()
        version = current_order_version(agency_id=agency.pk)
        if client is None or version is None:
            raise CommandError("De demo-instantie heeft geen API-client of verwerkingsopdracht.")
        requestable_service_publish(
            agency_id=agency.pk,
            ipdc_product="1234",
            title="Bewonerskaart parkeren",
            description="Vraag een bewonerskaart aan om in uw straat te parkeren. U krijgt binnen vijf werkdagen "
            "een dossier in Mijn dossiers.",
            form_schema=DEMO_FORM,
            min_acr="sms",
            dossier_follows=True,
            actor=Actor(kind="agency_client", id=client.client_id, agency_id=agency.pk, order_version_id=version.pk),
        )

    def _demo_webhook(self, agency: Agency, url: str) -> None:
        """The demo agency's receiver (``make run`` starts it): its events arrive signed, and the
        receiver verifies them with the secret kept in var/demo-webhook.json."""
        secret_file = settings.VAR_DIR / "demo-webhook.json"
        known = json.loads(secret_file.read_text()) if secret_file.exists() else {}
        endpoints = webhook_endpoints_list(agency_id=agency.pk)
        if known.get("url") == url and any(str(e.pk) == known.get("endpoint_id") for e in endpoints):
            return
        for stale in [e for e in endpoints if str(e.pk) == known.get("endpoint_id")]:  # the receiver moved
            webhook_endpoint_delete(agency_id=agency.pk, endpoint_id=stale.pk, actor=cli_actor("demo"))
        version = current_order_version(agency_id=agency.pk)
        if version is None:
            raise CommandError("De demo-instantie heeft geen verwerkingsopdracht.")
        endpoint, secret = webhook_endpoint_register(
            agency_id=agency.pk,
            url=url,
            event_types=event_types_for(list(version.components)),
            description="Demo-ontvanger (make run)",
            actor=cli_actor("demo"),
        )
        secret_file.write_text(json.dumps({"url": url, "endpoint_id": str(endpoint.pk), "secret": secret}))
        secret_file.chmod(0o600)

    def _demo_payment(self, agency: Agency) -> None:
        """A payment request to the first demo citizen, as the agency's API would make it."""
        if payments_for_agency(agency_id=agency.pk, limit=1):
            return
        client = agency.api_clients.first()
        version = current_order_version(agency_id=agency.pk)
        if client is None or version is None:
            raise CommandError("De demo-instantie heeft geen API-client of verwerkingsopdracht.")
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
            actor=Actor(kind="agency_client", id=client.client_id, agency_id=agency.pk, order_version_id=version.pk),
        )

    def _demo_dossiers(self, agency: Agency) -> None:
        """Two dossiers for the first demo citizen, through the same path as an agency's upload."""
        if Dossier.objects.filter(agency=agency).exists():
            return
        client = agency.api_clients.first()
        version = current_order_version(agency_id=agency.pk)
        assert client is not None and version is not None and api_client_by_client_id(client_id=client.client_id)  # noqa: S101 - the demo data was just made; not a security check
        caller = Caller(
            actor=Actor(kind="agency_client", id=client.client_id, agency_id=agency.pk, order_version_id=version.pk),
            client_id=client.client_id,
            order_version=version,
            data_key_id=agency.data_key_id,
        )
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
