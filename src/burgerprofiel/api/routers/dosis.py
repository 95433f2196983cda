"""DOSIS v1 results and deletion, on the agency API at /api/v1/dosis (DESIGN "Wire contracts").

The query parameter names are DOSIS's own (``dossierNummer``, ``uploadId``).
"""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from burgerprofiel.api.auth import AgencyAuth, order_version_of, principal_of
from burgerprofiel.dossiers import services
from burgerprofiel.dossiers.schemas import UploadResultOut

router = Router(auth=AgencyAuth(component="dosis"), tags=["dosis"])

Text = Annotated[str, Query(min_length=1, max_length=500)]


def caller_of(request: HttpRequest) -> services.Caller:
    return services.Caller.of(principal_of(request), order_version_of(request))


@router.get("/resultaten", response=list[UploadResultOut], summary="Verwerkingsresultaten van één dossier")
def results_for_dossier(request: HttpRequest, bron: Text, dossierNummer: Text) -> list[dict[str, Any]]:
    return services.upload_results_read(caller=caller_of(request), bron=bron, number=dossierNummer)


@router.get("/resultaten/perUploadId", response=list[UploadResultOut], summary="Verwerkingsresultaat van één upload")
def results_for_upload(request: HttpRequest, uploadId: Text) -> list[dict[str, Any]]:
    return services.upload_results_read(caller=caller_of(request), upload_id=uploadId)


@router.get("/resultaten/fouten", response=list[UploadResultOut], summary="Mislukte uploads van een bron")
def failures_for_source(request: HttpRequest, bron: Text) -> list[dict[str, Any]]:
    return services.upload_results_read(caller=caller_of(request), bron=bron, failures=True)


@router.delete("/dossiers", response={204: None}, summary="Een dossier meteen verwijderen")
def dossier_delete(request: HttpRequest, bron: Text, dossierNummer: Text) -> Status[None]:
    services.dossier_delete(caller=caller_of(request), bron=bron, number=dossierNummer)
    return Status(204, None)
