"""Error reports: submit, the state machine, messages both ways, retention, each guard clause."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.utils import timezone

from burgerprofiel.agencies.order_check import OrderRefused
from burgerprofiel.audit.actors import Actor
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.citizens.services import citizen_get_or_create
from burgerprofiel.common.errors import Conflict, NotFound
from burgerprofiel.conftest import OnboardedAgency, make_agency
from burgerprofiel.corrections.attachments import AttachmentIn
from burgerprofiel.corrections.models import Attachment, ErrorReport, ReportEntry, ReportStatus
from burgerprofiel.corrections.selectors import error_report_attachment_for_agency, error_report_for_agency
from burgerprofiel.corrections.services import (
    FieldErrors,
    error_report_message_from_agency,
    error_report_message_from_citizen,
    error_report_status_set,
    error_report_submit,
    error_reports_purge_expired,
)
from burgerprofiel.corrections.tests.conftest import AN, PDF
from burgerprofiel.corrections.tests.factories import item_subject, make_report
from burgerprofiel.notifications.models import Notification
from burgerprofiel.webhooks.models import Event

pytestmark = pytest.mark.django_db


def agency_actor(agency: OnboardedAgency) -> Actor:
    return Actor(kind="agency_client", id=agency.client_id, agency_id=agency.agency_id)


def test_a_report_is_stored_encrypted_audited_and_published_to_the_agency(fm_agency: OnboardedAgency) -> None:
    report = make_report(fm_agency.agency_id)
    event = Event.objects.get()
    body = json.loads(event.body)
    assert (event.type, body["object"], body["sequence"]) == (
        "foutmelding.ingediend",
        {"type": "foutmelding", "id": str(report.pk)},
        1,
    )
    data = body["data"]
    assert data["insz"] == AN and data["status"] == "ingediend"
    assert data["subject"]["label"] == "Domicilieadres" and data["should_be"] == "Veldstraat 1, 9000 Gent"
    assert data["attachment"] == {"filename": "huurcontract.pdf", "content_type": "application/pdf", "size": len(PDF)}
    audit = AuditEvent.objects.get(action="error_report.submitted")
    assert (audit.agency_id, audit.object_id) == (fm_agency.agency_id, str(report.pk))
    with connection.cursor() as cursor:
        cursor.execute("SELECT what_is_wrong, should_be FROM corrections_errorreport")
        stored = cursor.fetchone()
        cursor.execute("SELECT content FROM corrections_attachment")
        (content,) = cursor.fetchone()
    assert all(s.startswith("bp3:") and "Gent" not in s for s in stored)
    assert content.startswith("bp2:") and "PDF" not in content


@pytest.mark.parametrize(
    ("filename", "content"),
    [("foto.pdf", b"GIF89a not a pdf"), ("script.png", b"<script>alert(1)</script>"), ("leeg.exe", b"MZ\x90\x00")],
)
def test_an_attachment_that_is_no_pdf_jpeg_or_png_by_its_content_is_refused_and_nothing_is_stored(
    fm_agency: OnboardedAgency, filename: str, content: bytes
) -> None:
    with pytest.raises(FieldErrors) as caught:
        error_report_submit(
            citizen=citizen_get_or_create(insz=AN),
            subject=item_subject(fm_agency.agency_id),
            what_is_wrong="fout",
            should_be="juist",
            attachment=AttachmentIn(filename, content),
        )
    assert "bijlage" in caught.value.fields
    assert not ErrorReport.objects.exists() and not Event.objects.exists()


def test_an_attachment_over_10_mb_is_refused(fm_agency: OnboardedAgency) -> None:
    with pytest.raises(FieldErrors) as caught:
        error_report_submit(
            citizen=citizen_get_or_create(insz=AN),
            subject=item_subject(fm_agency.agency_id),
            what_is_wrong="fout",
            should_be="juist",
            attachment=AttachmentIn("groot.pdf", PDF + b"0" * (10 * 1024 * 1024)),
        )
    assert caught.value.fields == {"bijlage": "De bijlage is te groot: hoogstens 10 MB."}


def test_a_jpeg_and_a_png_are_accepted_and_named_for_what_they_are(fm_agency: OnboardedAgency) -> None:
    citizen = citizen_get_or_create(insz=AN)
    for name, content, kind in [
        ("scan.pdf", b"\xff\xd8\xff\xe0JFIF", "image/jpeg"),
        ("scan", b"\x89PNG\r\n\x1a\nrest", "image/png"),
    ]:
        report = error_report_submit(
            citizen=citizen,
            subject=item_subject(fm_agency.agency_id),
            what_is_wrong="fout",
            should_be="juist",
            attachment=AttachmentIn(name, content),
        )
        attachment = Attachment.objects.get(report=report)
        assert attachment.content_type == kind
        assert attachment.filename == "scan." + ("jpg" if kind == "image/jpeg" else "png")


def test_both_texts_are_required_and_bounded(fm_agency: OnboardedAgency) -> None:
    with pytest.raises(FieldErrors) as caught:
        error_report_submit(
            citizen=citizen_get_or_create(insz=AN),
            subject=item_subject(fm_agency.agency_id),
            what_is_wrong="  ",
            should_be="x" * 2001,
        )
    assert set(caught.value.fields) == {"wat_is_fout", "wat_moet_het_zijn"}
    assert not ErrorReport.objects.exists()


def test_a_report_is_refused_when_the_agency_did_not_order_foutmeldingen(db: None) -> None:
    agency = make_agency(components="uw_gegevens")
    with pytest.raises(OrderRefused) as caught:
        make_report(agency.agency_id)
    assert caught.value.reason == "component-not-ordered"
    assert not ErrorReport.objects.exists()


def test_the_agency_moves_the_report_on_and_the_citizen_gets_a_melding_each_time(fm_agency: OnboardedAgency) -> None:
    report = make_report(fm_agency.agency_id)
    actor = agency_actor(fm_agency)
    error_report_status_set(agency_id=fm_agency.agency_id, report_id=report.pk, status="in_behandeling", actor=actor)
    error_report_status_set(agency_id=fm_agency.agency_id, report_id=report.pk, status="gecorrigeerd", actor=actor)
    report.refresh_from_db()
    assert report.status == ReportStatus.GECORRIGEERD
    meldingen = [n.message for n in Notification.objects.order_by("created_at")]
    assert meldingen == [
        "Uw foutmelding over 'Domicilieadres' heeft een nieuwe status: In behandeling.",
        "Uw foutmelding over 'Domicilieadres' heeft een nieuwe status: Gecorrigeerd.",
    ]
    assert AuditEvent.objects.filter(action="error_report.status_changed").count() == 2


def test_a_final_status_cannot_change_again(fm_agency: OnboardedAgency) -> None:
    report = make_report(fm_agency.agency_id)
    actor = agency_actor(fm_agency)
    error_report_status_set(agency_id=fm_agency.agency_id, report_id=report.pk, status="doorgestuurd", actor=actor)
    with pytest.raises(Conflict):
        error_report_status_set(agency_id=fm_agency.agency_id, report_id=report.pk, status="gecorrigeerd", actor=actor)


def test_a_refusal_needs_a_reason(fm_agency: OnboardedAgency) -> None:
    report = make_report(fm_agency.agency_id)
    with pytest.raises(FieldErrors) as caught:
        error_report_status_set(
            agency_id=fm_agency.agency_id, report_id=report.pk, status="afgewezen", actor=agency_actor(fm_agency)
        )
    assert "reason" in caught.value.fields
    report.refresh_from_db()
    assert report.status == ReportStatus.INGEDIEND and not Notification.objects.exists()


def test_another_agency_cannot_see_or_change_the_report(
    fm_agency: OnboardedAgency, other_fm_agency: OnboardedAgency
) -> None:
    report = make_report(fm_agency.agency_id)
    other = agency_actor(other_fm_agency)
    with pytest.raises(NotFound):
        error_report_for_agency(agency_id=other_fm_agency.agency_id, report_id=report.pk, actor=other)
    with pytest.raises(NotFound):
        error_report_attachment_for_agency(agency_id=other_fm_agency.agency_id, report_id=report.pk, actor=other)
    with pytest.raises(NotFound):
        error_report_status_set(
            agency_id=other_fm_agency.agency_id, report_id=report.pk, status="gecorrigeerd", actor=other
        )
    with pytest.raises(NotFound):
        error_report_message_from_agency(
            agency_id=other_fm_agency.agency_id, report_id=report.pk, text="hallo", actor=other
        )


def test_reading_a_report_and_its_attachment_is_audited_on_the_citizen(fm_agency: OnboardedAgency) -> None:
    report = make_report(fm_agency.agency_id)
    actor = agency_actor(fm_agency)
    error_report_for_agency(agency_id=fm_agency.agency_id, report_id=report.pk, actor=actor)
    attachment, content = error_report_attachment_for_agency(
        agency_id=fm_agency.agency_id, report_id=report.pk, actor=actor
    )
    assert content == PDF and attachment.content_type == "application/pdf"
    events = AuditEvent.objects.filter(action__in=["error_report.viewed", "error_report.attachment_downloaded"])
    assert {(e.object_type, e.object_id) for e in events} == {("citizens.Citizen", str(report.citizen_id))}
    assert events.count() == 3  # the attachment read looks the report up (viewed) and downloads it


def test_messages_go_both_ways(fm_agency: OnboardedAgency) -> None:
    report = make_report(fm_agency.agency_id)
    error_report_message_from_agency(
        agency_id=fm_agency.agency_id,
        report_id=report.pk,
        text="Hebt u een huurcontract?",
        actor=agency_actor(fm_agency),
    )
    assert Notification.objects.get().message == "U hebt een nieuw bericht over uw foutmelding 'Domicilieadres'."
    error_report_message_from_citizen(citizen=report.citizen, report_id=report.pk, text="Ja, in bijlage.")
    event = Event.objects.get(type="foutmelding.bericht")
    assert (event.sequence, json.loads(event.body)["data"]["text"]) == (2, "Ja, in bijlage.")
    assert [e.author for e in ReportEntry.objects.filter(report=report, kind="bericht")] == ["instantie", "burger"]


def test_a_citizen_cannot_write_on_another_citizens_report(fm_agency: OnboardedAgency) -> None:
    report = make_report(fm_agency.agency_id)
    stranger = citizen_get_or_create(insz="90022742191")
    with pytest.raises(NotFound):
        error_report_message_from_citizen(citizen=stranger, report_id=report.pk, text="hallo")


def test_reports_past_retention_are_purged_with_their_attachment(fm_agency: OnboardedAgency) -> None:
    report = make_report(fm_agency.agency_id)
    assert error_reports_purge_expired(now=timezone.now()) == 0
    assert error_reports_purge_expired(now=report.purge_after + dt.timedelta(seconds=1)) == 1
    assert not ErrorReport.objects.exists() and not Attachment.objects.exists()
    purged = AuditEvent.objects.get(action="error_report.purged")
    assert (purged.agency_id, purged.detail["count"]) == (fm_agency.agency_id, 1)
