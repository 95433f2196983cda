"""Bijlage 2 as data: the sub-processors the platform works with, covering the configured endpoints.

Cronos Public Services NV is the sub-processor the charter names (Bijlage 2): it hosts the platform,
so it covers the hosts of the database, the SMTP relay, the SMS centre and the OIDC provider as they
are configured when this migration runs. Mollie B.V. is the payment provider the platform is
configured with by default. Both are in force from the start (charter 6.1: the agency agreed to them
with the order); later changes go through a planned change (charter 6.2). Hosts configured later
are added to a sub-processor's endpoints in the back-office; production refuses to start until then.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from django.conf import settings
from django.db import migrations

CHARTER_DATE = dt.date(2022, 1, 28)  # the charter v3.0, whose Bijlage 2 names Cronos


def _hosts() -> list[str]:
    hosts = [
        settings.NOTIFICATIONS_SMTP_HOST,
        settings.NOTIFICATIONS_SMPP_HOST,
        urlsplit(settings.OIDC_ISSUER).hostname,
    ]
    for alias in ("default", "replica"):
        database = settings.DATABASES.get(alias)
        if database and database["ENGINE"] != "django.db.backends.sqlite3":
            host = str(database.get("HOST") or "")
            if host and not host.startswith("/"):
                hosts.append(host)
    payment = urlsplit(settings.MOLLIE_API_ENDPOINT).hostname or ""
    if payment and not payment.endswith("mollie.com"):
        hosts.append(payment)  # a stand-in provider (development, tests) runs on the hosting too
    return sorted({h.strip().lower() for h in hosts if h and h.strip()})


def seed(apps, schema_editor):
    SubProcessor = apps.get_model("subprocessors", "SubProcessor")
    if SubProcessor.objects.exists():
        return
    everything = [
        "insz", "ipdc_product", "persoonsgegevens", "gemeente_postcode", "document", "documenttype",
        "geldigheidsdatum", "sleutel", "wijzigingsdatum", "dossier_id", "fasen_statussen", "historiek",
        "vereiste_acties", "dossierbeheerder", "contact_dossierbeheerder", "doorverwijzing",
        "verantwoordelijke_organisatie", "vrije_tekst", "notificatie_id", "boodschap", "email", "gsm",
        "rekeningnummer", "toestemming", "gegeven", "toelichting", "status", "formuliergegevens", "bedrag",
        "gestructureerde_mededeling", "betaalstatus",
    ]  # fmt: skip
    SubProcessor.objects.create(
        name="CRONOS PUBLIC SERVICES NV",
        identifier="0458085765",
        address="Veldkant 33 bus A, 2550 Kontich",
        country="BE",
        role="Hosting en beheer van het platform: databank, mailrelay (SMTP), sms-centrale (SMPP), aanmelddienst (OIDC)",
        data_categories=sorted(set(everything)),
        contract_date=CHARTER_DATE,
        endpoints=_hosts(),
        state="active",
        effective_from=CHARTER_DATE,
    )
    SubProcessor.objects.create(
        name="Mollie B.V.",
        identifier="KvK 30204462",
        address="Keizersgracht 126, 1015 CW Amsterdam",
        country="NL",
        role="Betaaldienstaanbieder (component betalingen)",
        data_categories=["bedrag", "betaalstatus", "gestructureerde_mededeling", "ipdc_product", "rekeningnummer"],
        contract_date=CHARTER_DATE,
        endpoints=["api.mollie.com", "*.mollie.com"],
        state="active",
        effective_from=CHARTER_DATE,
    )


class Migration(migrations.Migration):
    dependencies = [("subprocessors", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
