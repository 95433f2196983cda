from __future__ import annotations

from typing import Any

from burgerprofiel.citizens.models import Citizen
from burgerprofiel.preferences.models import (
    IBAN_SCOPE,
    Channel,
    Consent,
    ConsentEvent,
    ConsentSubject,
    ContactPreference,
)


def preference_for_citizen(*, citizen: Citizen) -> ContactPreference | None:
    return ContactPreference.objects.filter(citizen=citizen).first()


def verified_address(*, citizen: Citizen, channel: str) -> str | None:
    preference = preference_for_citizen(citizen=citizen)
    if preference is None:
        return None
    if channel == Channel.EMAIL and preference.email_verified_at and preference.email:
        return str(preference.email)
    if channel == Channel.SMS and preference.mobile_verified_at and preference.mobile:
        return str(preference.mobile)
    return None


def consented_channels(*, citizen: Citizen, agency_id: int, ipdc_product: str) -> set[str]:
    return set(
        Consent.objects.filter(
            citizen=citizen, agency_id=agency_id, ipdc_product=ipdc_product, granted=True
        ).values_list("channel", flat=True)
    )


def consents_for_citizen(*, citizen: Citizen) -> list[Consent]:
    """The citizen's answers on messages by e-mail and SMS (the IBAN consents: ``iban_consents_for_citizen``)."""
    return list(
        Consent.objects.filter(citizen=citizen, channel__in=Channel.values)
        .select_related("agency")
        .order_by("agency__name", "ipdc_product")
    )


def iban_consents_for_citizen(*, citizen: Citizen) -> dict[int, bool]:
    """Agency id -> whether the citizen currently lets that agency read their IBAN."""
    return dict(
        Consent.objects.filter(citizen=citizen, channel=ConsentSubject.IBAN, ipdc_product=IBAN_SCOPE).values_list(
            "agency_id", "granted"
        )
    )


def consent_ledger_for_citizen(*, citizen: Citizen) -> list[ConsentEvent]:
    return list(ConsentEvent.objects.filter(citizen=citizen).select_related("agency").order_by("recorded_at", "pk"))


def preferences_for_agency(*, citizen: Citizen | None, agency_id: int, categories: set[str]) -> dict[str, Any]:
    """What one agency may see: its own consents and ledger, and contact data only as its order allows.

    An address is shown only when it is verified and the citizen consented to that channel for
    this agency; the IBAN only with the ``rekeningnummer`` category and the citizen's IBAN consent for
    this agency (Bijlage 1: "met expliciete toestemming"). A citizen who gave this agency no consent
    at all is answered exactly like an unknown one: nothing, so INSZ numbers can't be walked for data.
    """
    result: dict[str, Any] = {"email": None, "mobile": None, "iban": None, "consents": [], "ledger": []}
    if citizen is None:
        return result
    consents = list(Consent.objects.filter(citizen=citizen, agency_id=agency_id).order_by("ipdc_product", "channel"))
    result["consents"] = [
        {
            "ipdc_product": c.ipdc_product,
            "channel": c.channel,
            "granted": c.granted,
            "text_version": c.text_version,
            "updated_at": c.updated_at,
        }
        for c in consents
    ]
    result["ledger"] = [
        {
            "ipdc_product": e.ipdc_product,
            "channel": e.channel,
            "action": e.action,
            "text_version": e.text_version,
            "text_sha256": e.text_sha256,
            "method": e.method,
            "recorded_at": e.recorded_at,
        }
        for e in ConsentEvent.objects.filter(citizen=citizen, agency_id=agency_id).order_by("recorded_at", "pk")
    ]
    granted = {(c.channel, c.ipdc_product) for c in consents if c.granted}
    channels = {channel for channel, _ in granted}
    if "email" in categories and Channel.EMAIL in channels:
        result["email"] = verified_address(citizen=citizen, channel=Channel.EMAIL)
    if "gsm" in categories and Channel.SMS in channels:
        result["mobile"] = verified_address(citizen=citizen, channel=Channel.SMS)
    if "rekeningnummer" in categories and (ConsentSubject.IBAN, IBAN_SCOPE) in granted:
        preference = preference_for_citizen(citizen=citizen)
        result["iban"] = str(preference.iban) if preference and preference.iban else None
    return result
