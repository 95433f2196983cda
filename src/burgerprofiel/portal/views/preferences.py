"""Portal pages "Contactvoorkeuren": addresses with verification, IBAN, consent per agency × product × channel."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from burgerprofiel.agencies import selectors as agency_selectors
from burgerprofiel.agencies.catalogue import Component
from burgerprofiel.agencies.models import Agency
from burgerprofiel.audit.actors import citizen_actor
from burgerprofiel.citizens.models import Citizen
from burgerprofiel.common.errors import ValidationError
from burgerprofiel.notifications.models import Notification
from burgerprofiel.notifications.services import email_verification_start, mobile_verification_start
from burgerprofiel.portal.auth import citizen_of, citizen_request_actor, citizen_required
from burgerprofiel.preferences import consent_texts, selectors, services
from burgerprofiel.preferences.models import Channel, ConsentEvent


def _back() -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("preferences:index"))


def _consent_rows(citizen: Citizen) -> list[dict[str, Any]]:
    """Every agency × product the citizen hears from or has answered, with the answer per channel."""
    consents = selectors.consents_for_citizen(citizen=citizen)
    pairs: dict[tuple[int, str], dict[str, Any]] = {}
    for n in Notification.objects.filter(citizen=citizen).select_related("agency").order_by("agency__name"):
        pairs.setdefault((n.agency_id, n.ipdc_product), {"agency": n.agency, "product": n.ipdc_product, "channels": {}})
    for c in consents:
        row = pairs.setdefault(
            (c.agency_id, c.ipdc_product), {"agency": c.agency, "product": c.ipdc_product, "channels": {}}
        )
        row["channels"][c.channel] = c.granted
    rows = []
    for row in pairs.values():
        row["options"] = [
            {
                "channel": channel.value,
                "label": channel.label,
                "granted": row["channels"].get(channel.value, False),
                "text": consent_texts.consent_text(
                    version=consent_texts.CURRENT_VERSION,
                    agency=row["agency"].name,
                    product=row["product"],
                    channel=channel.label.lower(),
                ),
            }
            for channel in Channel
        ]
        rows.append(row)
    return rows


def _iban_rows(citizen: Citizen) -> list[dict[str, Any]]:
    """Every agency that may ask for the IBAN (its order has the category), and every agency the
    citizen answered before, with the current answer: the IBAN goes to an agency only with consent."""
    answers = selectors.iban_consents_for_citizen(citizen=citizen)
    agencies = {
        a.pk: a
        for a in agency_selectors.agencies_ordering(component=Component.CONTACTVOORKEUREN, category="rekeningnummer")
    }
    for agency in Agency.objects.filter(pk__in=[pk for pk in answers if pk not in agencies]):
        agencies[agency.pk] = agency
    return [
        {
            "agency": agency,
            "granted": answers.get(agency.pk, False),
            "text": consent_texts.consent_text(version=consent_texts.IBAN_CURRENT_VERSION, agency=agency.name),
        }
        for agency in sorted(agencies.values(), key=lambda a: a.name)
    ]


@require_http_methods(["GET"])
@citizen_required
def index(request: HttpRequest) -> HttpResponse:
    citizen = citizen_of(request)
    preference = services.preference_read(citizen=citizen, actor=citizen_request_actor(request))
    return render(
        request,
        "preferences/index.html",
        {
            "preference": preference,
            "rows": _consent_rows(citizen),
            "iban_rows": _iban_rows(citizen),
            "iban_text_version": consent_texts.IBAN_CURRENT_VERSION,
            "ledger": selectors.consent_ledger_for_citizen(citizen=citizen),
            "text_version": consent_texts.CURRENT_VERSION,
        },
    )


def _run(request: HttpRequest, action: Any, success: str) -> HttpResponse:
    try:
        action()
    except ValidationError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, success)
    return _back()


@require_POST
@citizen_required
def email(request: HttpRequest) -> HttpResponse:
    citizen = citizen_of(request)
    return _run(
        request,
        lambda: email_verification_start(
            citizen=citizen, email=request.POST.get("email", ""), actor=citizen_request_actor(request)
        ),
        "We stuurden een bevestigingslink naar dat e-mailadres. Het wordt gebruikt zodra u op de link klikt.",
    )


@require_http_methods(["GET", "POST"])
@citizen_required
def email_confirm(request: HttpRequest, token: str) -> HttpResponse:
    # GET only shows a button: mail scanners that follow links must not confirm on their own.
    if request.method == "GET":
        return render(request, "preferences/email_confirm.html", {"token": token})
    citizen = citizen_of(request)
    return _run(
        request,
        lambda: services.email_verification_confirm(citizen=citizen, token=token, actor=citizen_request_actor(request)),
        "Uw e-mailadres is bevestigd.",
    )


@require_POST
@citizen_required
def mobile(request: HttpRequest) -> HttpResponse:
    citizen = citizen_of(request)
    return _run(
        request,
        lambda: mobile_verification_start(
            citizen=citizen, mobile=request.POST.get("mobile", ""), actor=citizen_request_actor(request)
        ),
        "We stuurden een code per sms. Vul ze hieronder in.",
    )


@require_POST
@citizen_required
def mobile_confirm(request: HttpRequest) -> HttpResponse:
    citizen = citizen_of(request)
    return _run(
        request,
        lambda: services.mobile_verification_confirm(
            citizen=citizen, code=request.POST.get("code", ""), actor=citizen_request_actor(request)
        ),
        "Uw gsm-nummer is bevestigd.",
    )


@require_POST
@citizen_required
def contact_remove(request: HttpRequest, channel: str) -> HttpResponse:
    citizen = citizen_of(request)
    return _run(
        request,
        lambda: services.contact_remove(citizen=citizen, channel=channel, actor=citizen_request_actor(request)),
        "Het adres is verwijderd.",
    )


@require_POST
@citizen_required
def iban(request: HttpRequest) -> HttpResponse:
    citizen = citizen_of(request)
    return _run(
        request,
        lambda: services.iban_set(
            citizen=citizen, iban=request.POST.get("iban", ""), actor=citizen_request_actor(request)
        ),
        "Uw rekeningnummer is bewaard.",
    )


@require_POST
@citizen_required
def consent(request: HttpRequest) -> HttpResponse:
    citizen = citizen_of(request)
    agency_id = request.POST.get("agency", "")
    agency = Agency.objects.filter(pk=int(agency_id)).first() if agency_id.isdigit() and len(agency_id) < 18 else None
    if agency is None:
        messages.error(request, "Onbekende instantie.")
        return _back()
    granted = request.POST.get("granted") == "1"
    return _run(
        request,
        lambda: services.consent_set(
            citizen=citizen,
            agency=agency,
            ipdc_product=request.POST.get("ipdc_product", ""),
            channel=request.POST.get("channel", ""),
            granted=granted,
            text_version=request.POST.get("text_version", ""),
            method=ConsentEvent.Method.PORTAL,
            actor=citizen_request_actor(request),
        ),
        "Uw toestemming is geregistreerd." if granted else "Uw toestemming is ingetrokken.",
    )


@require_POST
@citizen_required
def iban_consent(request: HttpRequest) -> HttpResponse:
    citizen = citizen_of(request)
    agency_id = request.POST.get("agency", "")
    agency = Agency.objects.filter(pk=int(agency_id)).first() if agency_id.isdigit() and len(agency_id) < 18 else None
    if agency is None:
        messages.error(request, "Onbekende instantie.")
        return _back()
    granted = request.POST.get("granted") == "1"
    return _run(
        request,
        lambda: services.iban_consent_set(
            citizen=citizen,
            agency=agency,
            granted=granted,
            text_version=request.POST.get("text_version", ""),
            method=ConsentEvent.Method.PORTAL,
            actor=citizen_request_actor(request),
        ),
        f"{agency.name} mag uw rekeningnummer nu opvragen."
        if granted
        else f"{agency.name} mag uw rekeningnummer niet langer opvragen.",
    )


@csrf_exempt  # RFC 8058: the mail client POSTs without a session; the signed token is the authority
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        scope = services.unsubscribe_token_read(token)
    except ValidationError:
        return render(request, "preferences/unsubscribe.html", {"invalid": True}, status=400)
    if request.method == "GET":
        return render(request, "preferences/unsubscribe.html", {"token": token})
    citizen = Citizen.objects.filter(pk=scope["citizen_id"]).first()
    agency = Agency.objects.filter(pk=scope["agency_id"]).first()
    if citizen is None or agency is None:
        return render(request, "preferences/unsubscribe.html", {"invalid": True}, status=400)
    services.consent_set(
        citizen=citizen,
        agency=agency,
        ipdc_product=scope["ipdc_product"],
        channel=scope["channel"],
        granted=False,
        text_version=consent_texts.CURRENT_VERSION,
        method=ConsentEvent.Method.ONE_CLICK,
        actor=citizen_actor(citizen),
    )
    return render(request, "preferences/unsubscribe.html", {"done": True})
