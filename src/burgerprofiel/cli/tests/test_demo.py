"""``burgerprofiel demo seed``: the demo agency and citizens for ``make run``."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from burgerprofiel.agencies.models import Agency

pytestmark = pytest.mark.django_db


def test_demo_seed_is_repeatable_and_gives_the_first_demo_citizen_two_dossiers():
    from burgerprofiel.citizens.selectors import citizen_by_insz
    from burgerprofiel.cli.management.commands.demo import DEMO_CITIZENS
    from burgerprofiel.dossiers.selectors import dossiers_for_citizen

    call_command("demo", "seed", stdout=io.StringIO())
    call_command("demo", "seed", stdout=io.StringIO())
    assert Agency.objects.count() == 1
    citizen = citizen_by_insz(insz=DEMO_CITIZENS[0])
    dossiers = list(dossiers_for_citizen(citizen=citizen))
    assert len(dossiers) == 2
    assert dossiers[0].action_needed  # the dossier waiting for the citizen comes first


def test_demo_seed_without_dossiers_leaves_them_and_the_payment_to_the_demo_agency():
    from burgerprofiel.dossiers.models import Dossier
    from burgerprofiel.payments.models import Payment

    call_command("demo", "seed", "--without-dossiers", stdout=io.StringIO())
    assert Agency.objects.count() == 1
    assert not Dossier.objects.exists()  # make run: examples/demo_agency pushes them through the API
    assert not Payment.objects.exists()  # ... and asks for its payment through the client library
    call_command("demo", "seed", stdout=io.StringIO())
    assert Payment.objects.count() == 1  # without the demo agency process: seeded inside the platform


def test_demo_seed_with_a_second_agency_gives_it_other_components_and_a_client_of_its_own(settings, tmp_path):
    from burgerprofiel.agencies.selectors import current_order_version
    from burgerprofiel.cli.management.commands.demo import SECOND_KBO

    settings.VAR_DIR = tmp_path
    call_command("demo", "seed", "--second-agency", stdout=io.StringIO())
    call_command("demo", "seed", "--second-agency", stdout=io.StringIO())
    second = Agency.objects.get(kbo=SECOND_KBO)
    assert Agency.objects.count() == 2
    assert sorted(current_order_version(agency_id=second.pk).components) == ["notificaties", "uw_gegevens"]
    first, other = (json.loads((tmp_path / name).read_text()) for name in ("demo-agency.json", "demo-agency-2.json"))
    assert other["agency_id"] == second.pk and other["client_id"] != first["client_id"]


def test_demo_seed_lets_a_demo_citizen_report_an_error_and_request_a_service():
    from burgerprofiel.agencies.selectors import current_order_version
    from burgerprofiel.citizens.selectors import citizen_by_insz
    from burgerprofiel.cli.management.commands.demo import DEMO_CITIZENS
    from burgerprofiel.corrections.selectors import error_reports_accepted_by
    from burgerprofiel.service_requests.selectors import requestable_services_offered
    from burgerprofiel.service_requests.services import service_request_submit

    call_command("demo", "seed", stdout=io.StringIO())
    call_command("demo", "seed", stdout=io.StringIO())
    agency = Agency.objects.get()
    assert error_reports_accepted_by(agency_ids={agency.pk}) == {agency.pk}
    (form,) = requestable_services_offered()
    request = service_request_submit(
        citizen=citizen_by_insz(insz=DEMO_CITIZENS[0]),
        service=form,
        answers={
            "nummerplaat": "1-ABC-123",
            "startdatum": "2026-12-01",
            "voertuig": "Personenwagen",
            "aantal_bewoners": 2,
            "akkoord": True,
        },
        applicant_name="An Peeters",
    )
    assert request.service == form
    assert current_order_version(agency_id=agency.pk).number == 1  # a fresh seed needs no second version


def test_demo_seed_adds_the_new_components_to_an_agency_seeded_before_them():
    from burgerprofiel.agencies.selectors import current_order_version
    from burgerprofiel.agencies.services import processing_order_change
    from burgerprofiel.conftest import TEST_ACTOR

    call_command("demo", "seed", stdout=io.StringIO())
    agency = Agency.objects.get()
    version = current_order_version(agency_id=agency.pk)
    before = ["uw_gegevens", "attesten", "dosis", "notificaties", "contactvoorkeuren"]
    processing_order_change(
        order=version.order,
        actor=TEST_ACTOR,
        note="as before issue 12",
        components=before,
        data_categories={c: v for c, v in version.data_categories.items() if c in before},
        retention_days={c: v for c, v in version.retention_days.items() if c in before},
    )
    call_command("demo", "seed", stdout=io.StringIO())
    components = current_order_version(agency_id=agency.pk).components
    assert "foutmeldingen" in components and "aanvragen" in components


def test_demo_seed_registers_the_demo_receiver_once_and_keeps_its_secret(settings, tmp_path):
    from burgerprofiel.webhooks.models import Endpoint

    settings.VAR_DIR = tmp_path
    url = "http://127.0.0.1:8003/webhooks"
    call_command("demo", "seed", "--webhook-url", url, stdout=io.StringIO())
    kept = json.loads((tmp_path / "demo-webhook.json").read_text())
    call_command("demo", "seed", "--webhook-url", url, stdout=io.StringIO())
    assert json.loads((tmp_path / "demo-webhook.json").read_text()) == kept
    endpoint = Endpoint.objects.get()
    assert (str(endpoint.pk), endpoint.url, kept["secret"][:6]) == (kept["endpoint_id"], url, "whsec_")
    assert {"foutmelding.ingediend", "aanvraag.ingediend"} <= set(endpoint.event_types)
    call_command("demo", "seed", "--webhook-url", "http://127.0.0.1:9003/webhooks", stdout=io.StringIO())
    assert Endpoint.objects.get(state=Endpoint.State.ACTIVE).url == "http://127.0.0.1:9003/webhooks"


def test_demo_seed_gives_the_first_demo_citizen_a_verified_email_and_consent_marked_as_seeded():
    from burgerprofiel.audit.models import AuditEvent
    from burgerprofiel.citizens.selectors import citizen_by_insz
    from burgerprofiel.cli.management.commands.demo import DEMO_CITIZENS, DEMO_EMAIL, DEMO_MELDING_PRODUCT
    from burgerprofiel.preferences.models import ConsentEvent
    from burgerprofiel.preferences.selectors import consented_channels, verified_address

    call_command("demo", "seed", stdout=io.StringIO())
    call_command("demo", "seed", stdout=io.StringIO())  # the second run changes nothing
    agency = Agency.objects.get()
    citizen = citizen_by_insz(insz=DEMO_CITIZENS[0])
    assert verified_address(citizen=citizen, channel="email") == DEMO_EMAIL
    assert consented_channels(citizen=citizen, agency_id=agency.pk, ipdc_product=DEMO_MELDING_PRODUCT) == {"email"}
    (entry,) = ConsentEvent.objects.filter(citizen=citizen)
    assert entry.method == ConsentEvent.Method.DEMO_SEED
    assert "niet door de burger" in entry.get_method_display()
    verified = AuditEvent.objects.filter(action="preferences.email_verified")
    assert [e.actor_type for e in verified] == ["staff"] and verified[0].actor_id.startswith("demo:")
    assert not verified_address(citizen=citizen_by_insz(insz=DEMO_CITIZENS[1]), channel="email")


def test_what_the_user_changed_in_the_demo_contact_preferences_stays_on_the_next_seed():
    from burgerprofiel.audit.actors import citizen_actor
    from burgerprofiel.citizens.selectors import citizen_by_insz
    from burgerprofiel.cli.management.commands.demo import DEMO_CITIZENS, DEMO_MELDING_PRODUCT
    from burgerprofiel.preferences.models import ConsentEvent
    from burgerprofiel.preferences.selectors import consented_channels, verified_address
    from burgerprofiel.preferences.services import consent_set, contact_remove

    call_command("demo", "seed", stdout=io.StringIO())
    agency = Agency.objects.get()
    citizen = citizen_by_insz(insz=DEMO_CITIZENS[0])
    consent_set(
        citizen=citizen,
        agency=agency,
        ipdc_product=DEMO_MELDING_PRODUCT,
        channel="email",
        granted=False,
        text_version="2026-11-v1",
        method=ConsentEvent.Method.PORTAL,
        actor=citizen_actor(citizen),
    )
    contact_remove(citizen=citizen, channel="email", actor=citizen_actor(citizen))
    call_command("demo", "seed", stdout=io.StringIO())
    assert consented_channels(citizen=citizen, agency_id=agency.pk, ipdc_product=DEMO_MELDING_PRODUCT) == set()
    assert verified_address(citizen=citizen, channel="email") is None


def test_the_demo_agencys_melding_to_the_first_demo_citizen_is_queued_by_email():
    from burgerprofiel.audit.actors import cli_actor
    from burgerprofiel.cli.management.commands.demo import DEMO_CITIZENS, DEMO_MELDING_PRODUCT
    from burgerprofiel.notifications.models import Delivery
    from burgerprofiel.notifications.services import notification_create

    call_command("demo", "seed", "--without-dossiers", stdout=io.StringIO())
    agency = Agency.objects.get()
    notification_create(
        agency=agency,
        insz=DEMO_CITIZENS[0],
        message="De demo-instantie heeft uw aanvraag ontvangen.",
        ipdc_product=DEMO_MELDING_PRODUCT,
        actor=cli_actor("test"),
    )
    assert list(Delivery.objects.values_list("channel", flat=True)) == ["email"]


def test_demo_seed_registers_the_sources_the_demo_agencies_list_once(settings, tmp_path):
    from burgerprofiel.cli.management.commands.demo import SECOND_KBO
    from burgerprofiel.personal_data.models import PullSource

    settings.VAR_DIR = tmp_path
    first, second = tmp_path / "sources.jsonl", tmp_path / "sources-2.jsonl"
    first.write_text(
        '{"component": "uw_gegevens", "url": "http://127.0.0.1:8003/bron/gezin", "theme": "U en uw gezin", '
        '"loket": "https://www.vlaanderen.be"}\n'
        '{"component": "attesten", "url": "http://127.0.0.1:8003/bron/gezin", "theme": "U en uw gezin", '
        '"loket": "https://www.vlaanderen.be"}\n'
    )
    woonst = {"component": "uw_gegevens", "url": "http://127.0.0.1:8005/bron", "theme": "Woonst en vastgoed"}
    second.write_text(json.dumps(woonst) + "\n")
    arguments = ["--second-agency", "--sources", str(first), "--second-agency-sources", str(second)]
    call_command("demo", "seed", *arguments, stdout=io.StringIO())
    call_command("demo", "seed", *arguments, stdout=io.StringIO())  # registered once
    rows = sorted(PullSource.objects.values_list("agency__kbo", "component", "url", "theme"))
    assert rows == [
        (SECOND_KBO, "uw_gegevens", "http://127.0.0.1:8005/bron", "Woonst en vastgoed"),
        ("0316380841", "attesten", "http://127.0.0.1:8003/bron/gezin", "U en uw gezin"),
        ("0316380841", "uw_gegevens", "http://127.0.0.1:8003/bron/gezin", "U en uw gezin"),
    ]
