"""The platform's compliance report for the calling agency (charter 9: the information an agency's audit
reasonably needs), as JSON or PDF."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Query, Router
from ninja.responses import NinjaJSONEncoder

from burgerprofiel.api.auth import agency_request_actor, principal_of
from burgerprofiel.api.params import IsoDate
from burgerprofiel.compliance.reports.pdf import document_pdf
from burgerprofiel.compliance.reports.services import compliance_report_make, measures_make

router = Router(tags=["naleving"])


def _json_or_pdf() -> dict[str, Any]:
    """The operations document two media types (JSON or PDF), so the answer is made here, not by a
    schema. A fresh dict per operation: the schema's post-processing adds to it (headers) in place."""
    return {
        "responses": {
            "200": {
                "description": "JSON (standaard) of, met format=pdf, een PDF.",
                "content": {
                    "application/json": {"schema": {"type": "object"}},
                    "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                },
            }
        }
    }


def _answer(data: dict[str, Any], *, format: str, title: str, filename: str) -> HttpResponse:
    """The document as JSON, or with format=pdf as a PDF attachment."""
    if format != "pdf":
        return JsonResponse(data, encoder=NinjaJSONEncoder)
    response = HttpResponse(document_pdf(title=title, data=data), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@router.get(
    "/report",
    response={200: None},
    openapi_extra=_json_or_pdf(),
    summary="Het nalevingsrapport van uw instantie",
    description=(
        "Opdrachtversies, volumes per component, toegangen door medewerkers van het platform, inbreuken, "
        "wijzigingen van onderverwerkers, geweigerde oproepen, mislukte webhooks en verwijderingen na de "
        "bewaartermijn, uit het auditlog. Standaard de laatste 365 dagen; format=pdf geeft een PDF."
    ),
)
def compliance_report(
    request: HttpRequest,
    since: Annotated[IsoDate | None, Query(description="Begin (JJJJ-MM-DD).")] = None,
    until: Annotated[IsoDate | None, Query(description="Einde, niet inbegrepen (JJJJ-MM-DD); na het begin.")] = None,
    format: Annotated[Literal["json", "pdf"], Query(description="json (standaard) of pdf.")] = "json",
) -> Any:
    data = compliance_report_make(
        agency_id=principal_of(request).agency_id,
        since=dt.datetime.combine(since, dt.time.min, tzinfo=dt.UTC) if since else None,
        until=dt.datetime.combine(until, dt.time.min, tzinfo=dt.UTC) if until else None,
        actor=agency_request_actor(request),
        fmt=format,
    )
    return _answer(
        data, format=format, title=f"Nalevingsrapport {data['agency']['name']}", filename="nalevingsrapport.pdf"
    )


@router.get(
    "/measures",
    response={200: None},
    openapi_extra=_json_or_pdf(),
    summary="De technische en organisatorische maatregelen van het platform (charter 5)",
    description=(
        "Opgemaakt uit de configuratie van dit moment: versleuteling en sleutelrotatie, tweede factor, "
        "vertrouwelijkheidsverklaring, bewaartermijnen (van uw opdrachten), de laatste verificatie van het "
        "auditlog, de laatste onafhankelijke audit. format=pdf geeft een PDF."
    ),
)
def compliance_measures(
    request: HttpRequest,
    format: Annotated[Literal["json", "pdf"], Query(description="json (standaard) of pdf.")] = "json",
) -> Any:
    data = measures_make(actor=agency_request_actor(request), fmt=format, agency_id=principal_of(request).agency_id)
    return _answer(data, format=format, title="Technische en organisatorische maatregelen", filename="maatregelen.pdf")
