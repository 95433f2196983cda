"""The end of an order, seen by the agency (charter 12.2): its return bundle, fetched once.

After termination every operation refuses the agency's clients (the order check). One thing is left
to them: a token with only the ``offboarding`` scope (``POST /oauth/token`` with
``scope=offboarding``, granted only to a client whose order was terminated) fetches the signed
bundle with the agency's data, once; the platform deletes it as it hands it out. A second fetch is
410 Gone. Check the bundle with ``scripts/verify_bundle.py`` against ``/oauth/jwks``.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Router

from burgerprofiel.api.auth import AgencyAuth, notes_of
from burgerprofiel.common.errors import NotFound, PermissionDenied
from burgerprofiel.compliance.offboarding.services import bundle_download, bundle_exists
from burgerprofiel.oauth.services import OFFBOARDING_SCOPE

router = Router(tags=["einde opdracht"])


@router.get(
    "/bundle",
    auth=AgencyAuth(order_checked=False),  # the order has ended: the scope decides
    response={200: None},
    summary="De ondertekende teruggavebundel na het einde van de verwerkingsopdracht (één keer af te halen)",
    description=(
        "Alleen met een token met scope `offboarding` (te krijgen zodra de verwerkingsopdracht beëindigd is). "
        "Een zip met per component een NDJSON-bestand, de bijlagen, manifest.json (SHA-256 van elk bestand) en "
        "manifest.jws (ES256, sleutels op /oauth/jwks). Het platform wist de bundel zodra hij is afgehaald: een "
        "tweede keer is 410. Controle: `python3 verify_bundle.py bundel.zip --jwks https://…/oauth/jwks`."
    ),
    openapi_extra={
        "responses": {
            "200": {
                "description": "De bundel (zip).",
                "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
            },
            "410": {
                "description": "De bundel werd al afgehaald (en gewist).",
                "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
            },
        }
    },
)
def offboarding_bundle(request: HttpRequest) -> HttpResponse:
    principal = notes_of(request).principal
    if principal is None:  # behind OffboardingAuth: never
        raise PermissionDenied("Niet geauthenticeerd.")
    if not bundle_exists(agency_id=principal.agency_id):
        raise NotFound("Er staat geen teruggavebundel klaar voor uw instantie.")
    if OFFBOARDING_SCOPE not in principal.scopes:
        raise PermissionDenied(
            "Alleen met een token met scope offboarding (na de beëindiging van de verwerkingsopdracht).",
            extra={"reason": "insufficient-scope"},
        )
    filename, content = bundle_download(client=principal.client, actor=principal.actor)
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
