"""Test data: citizens with verified addresses and consents, made through the services."""

from __future__ import annotations

from django.utils import timezone

from burgerprofiel.agencies.models import Agency
from burgerprofiel.citizens.models import Citizen
from burgerprofiel.citizens.services import citizen_get_or_create
from burgerprofiel.conftest import TEST_ACTOR
from burgerprofiel.preferences import consent_texts
from burgerprofiel.preferences.models import ConsentEvent, ContactPreference
from burgerprofiel.preferences.services import consent_set

INSZ = "85073003328"
OTHER_INSZ = "90010112395"
THIRD_INSZ = "75021545604"
PRODUCT = "Groeipakket"


def citizen_with_contact(
    *, insz: str = INSZ, email: str | None = "burger@example.org", mobile: str | None = None, verified: bool = True
) -> Citizen:
    citizen = citizen_get_or_create(insz=insz)
    now = timezone.now() if verified else None
    preference, _ = ContactPreference.objects.get_or_create(citizen=citizen)
    preference.email, preference.email_verified_at = email, (now if email else None)
    preference.mobile, preference.mobile_verified_at = mobile, (now if mobile else None)
    preference.save()
    return citizen


def consent(citizen: Citizen, agency_id: int, channel: str, *, product: str = PRODUCT, granted: bool = True) -> None:
    consent_set(
        citizen=citizen,
        agency=Agency.objects.get(pk=agency_id),
        ipdc_product=product,
        channel=channel,
        granted=granted,
        text_version=consent_texts.CURRENT_VERSION,
        method=ConsentEvent.Method.PORTAL,
        actor=TEST_ACTOR,
    )
