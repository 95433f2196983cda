"""Every back-office list and page that shows personal data leaves an audit event (DESIGN rule 2).

The review found the instruction pages read without a trace; this walks every ModelAdmin of the
back-office site instead of one. A model counts as holding personal data when it points to a citizen,
is registered in ``compliance/holdings.py`` with a per-citizen selector, has encrypted fields or is
about staff members; every other model is named in ``NOT_PERSONAL`` with the reason. An operator opens
the list and a sample's page of each; both must record an event, without any value of the row.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.db import models
from django.utils import timezone

from burgerprofiel.agencies.models import Agency
from burgerprofiel.agencies.services import contact_person_add
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.backoffice.site import site
from burgerprofiel.backoffice.tests.conftest import logged_in, make_staff
from burgerprofiel.backoffice.tests.samples import make_samples, receipt_for
from burgerprofiel.compliance.holdings import holding_for
from burgerprofiel.compliance.instructions.models import Instruction
from burgerprofiel.compliance.instructions.services import instruction_register, legal_disclosure_register
from burgerprofiel.compliance.reports.services import (
    confidentiality_statement_accept,
    confidentiality_statement_publish,
)
from burgerprofiel.compliance.subject_requests.services import subject_requests_file
from burgerprofiel.conftest import TEST_ACTOR
from burgerprofiel.crypto.fields import EncryptedTextField
from burgerprofiel.notifications.models import Delivery
from burgerprofiel.notifications.tests.factories import citizen_with_contact

pytestmark = pytest.mark.django_db

# Back-office models that hold no personal data, each with the reason. A model pointing to a citizen
# can never be listed here (the test below refuses it).
NOT_PERSONAL: dict[str, str] = {
    "agencies.ApiClient": "an agency system's credentials (client id, name, hashed secret, public keys)",
    "agencies.ProcessingOrder": "the processing order and its versions: purposes and terms, no person",
    "audit.AuditEvent": (
        "the audit trail itself: actors and objects by id, details without values (DESIGN rule 2); auditing "
        "each read of it would make every look at the trail grow it"
    ),
    "audit.TreeHead": "signed hashes over the audit trail",
    "breaches.Breach": "the incident record: what happened, systems, categories and affected agencies, no person",
    "charter.CharterTermination": "an agency's termination of the charter: dates and reason, no person",
    "charter.CharterVersion": "the published charter text",
    "compliance_reports.ConfidentialityStatement": "the published confidentiality statement text",
    "compliance_reports.IndependentAudit": "an auditor's (firm's) report on the platform",
    "compliance_reports.ObligationsReport": "when a report on the processor's obligations went to an agency",
    "crypto.DataKey": "key metadata; the key material is never shown",
    "crypto.SigningKey": "public signing keys and metadata",
    "dossiers.DosisSource": "an agency's DOSIS source URI (configuration, holdings: not per citizen)",
    "offboarding.LegalHold": "a hold on an agency's record kind by id, with its legal reason",
    "offboarding.Offboarding": "the end of an order: state, counts, certificates (the mail addresses are not shown)",
    "personal_data.PullSource": "an agency's source URL (configuration, holdings: not per citizen)",
    "retention.RetentionRun": "a purge run: scope, cutoff and counts",
    "subprocessors.Objection": "an agency's objection to a subprocessor change",
    "subprocessors.SubProcessor": "the platform's subprocessors (companies)",
    "subprocessors.SubProcessorChange": "a planned subprocessor change",
    "subprocessors.TransferPermission": "a permission to transfer outside the EEA: country, recipient, ground",
    "webhooks.Delivery": "delivery metadata of a webhook event; the event names no citizen the platform holds",
    "webhooks.Endpoint": "an agency's webhook URL; its encrypted fields are signing secrets, never shown",
}
# Encrypted fields that are secrets rather than personal data.
SECRETS = {"webhooks.Endpoint": {"secret", "previous_secret"}}


def _citizen_linked(model: type[models.Model]) -> bool:
    holding = holding_for(model._meta.label)
    points_to_citizen = any(
        f.is_relation and f.related_model is not None and f.related_model._meta.label == "citizens.Citizen"
        for f in model._meta.concrete_fields
    )
    return points_to_citizen or (holding is not None and holding.citizen is not None)


def _sealed_personal_fields(model: type[models.Model]) -> set[str]:
    sealed = {f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)}
    return sealed - SECRETS.get(model._meta.label, set())


def test_the_exclusions_hold_no_personal_data_and_name_registered_models() -> None:
    registered = {model._meta.label: model for model in site._registry}
    assert set(NOT_PERSONAL) <= set(registered), set(NOT_PERSONAL) - set(registered)
    wrong = {
        label: sorted(_sealed_personal_fields(registered[label])) or "points to a citizen"
        for label in NOT_PERSONAL
        if _citizen_linked(registered[label]) or _sealed_personal_fields(registered[label])
    }
    assert not wrong, f"these hold personal data and must audit their reads: {wrong}"
    assert all(reason.strip() for reason in NOT_PERSONAL.values())


def _more_samples(agency: Agency, staff_user: Any) -> None:
    """Rows ``make_samples`` leaves out: an instruction, a disclosure (and its notice), a subject request,
    a confidentiality acceptance."""
    contact = contact_person_add(
        agency=agency, name="Contact Opgroeien", email="contact@opgroeien.example", role="Diensthoofd", actor=TEST_ACTOR
    )
    instruction_register(
        agency=agency,
        contact_id=contact.pk,
        subject="Bewaartermijn meldingen",
        text="De volledige tekst van de instructie.",
        channel=Instruction.Channel.API,
        actor=TEST_ACTOR,
    )
    legal_disclosure_register(
        agency=agency,
        legal_basis="Art. 46 Sv.",
        recipient="Parket Gent",
        description="Adres van een burger",
        planned_for=timezone.now() + dt.timedelta(days=2),
        actor=TEST_ACTOR,
    )
    subject_requests_file(
        citizen=citizen_with_contact(),
        kind="inzage",
        agency_ids=[agency.pk],
        details="Welke gegevens hebt u over mij?",
        actor=TEST_ACTOR,
    )
    # A delivery's signed receipt: written in bulk by the dispatcher once the delivery is final.
    delivery = Delivery.objects.filter(notification__agency=agency).order_by("created_at").first()
    assert delivery is not None
    Delivery.objects.filter(pk=delivery.pk).update(status="delivered", final_at=timezone.now())
    receipt_for(delivery)
    statement = confidentiality_statement_publish(version="2026-1", text="Ik houd alles geheim.", actor=TEST_ACTOR)
    confidentiality_statement_accept(user=staff_user, statement_id=statement.pk, actor=TEST_ACTOR)


def _new_events(since: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(pk__gt=since).order_by("pk"))


def _last() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def test_opening_the_list_and_a_page_of_every_model_with_personal_data_is_audited() -> None:
    onboarded = make_samples()
    staff = make_staff("operator", "olivia.operator")
    _more_samples(Agency.objects.get(pk=onboarded.agency_id), staff.user)
    operator = logged_in(staff)

    checked, unaudited, no_sample, refused = [], [], [], []
    for model in list(site._registry):
        label = model._meta.label
        if label in NOT_PERSONAL:
            continue
        base = f"/backoffice/{model._meta.app_label}/{model._meta.model_name}/"
        sample = model._default_manager.order_by("pk").first()
        if sample is None:
            no_sample.append(label)
            continue
        for url in (base, f"{base}{sample.pk}/change/"):
            since = _last()
            response = operator.get(url)
            if response.status_code != 200:
                refused.append(f"{url}: {response.status_code}")
                continue
            events = _new_events(since)
            if not events or any(e.actor_type != "staff" or e.actor_id != str(staff.user.pk) for e in events):
                unaudited.append(url)
            details = json.dumps([e.detail for e in events])
            assert "tekst van de instructie" not in details and "Parket" not in details
            checked.append(url)

    assert not no_sample, f"give these a sample row: {no_sample}"
    assert not refused, refused
    assert not unaudited, f"these pages show personal data without an audit event: {unaudited}"
    assert len(checked) >= 2 * 10
