"""The OAuth2 endpoints agencies call: the token endpoint and the public keys (``oauth`` issues the tokens)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from burgerprofiel.common.problem import problem_from_error, problem_response
from burgerprofiel.crypto import signing
from burgerprofiel.oauth.services import OAuthError, token_issue


@csrf_exempt  # an API endpoint authenticated by client credentials, not a browser form
@require_POST
def token(request: HttpRequest) -> HttpResponse:
    if request.content_type != "application/x-www-form-urlencoded":
        return problem_response(
            status=415,
            code="unsupported-media-type",
            title="Niet ondersteund inhoudstype",
            detail="Het tokenendpoint aanvaardt alleen application/x-www-form-urlencoded.",
        )
    form = {key: request.POST.get(key, "") for key in request.POST}
    try:
        issued = token_issue(
            form=form,
            authorization=request.headers.get("Authorization", ""),
            address=str(request.META.get("REMOTE_ADDR", "")),  # the client's, behind TRUSTED_PROXIES
        )
    except OAuthError as error:
        headers = {"WWW-Authenticate": 'Basic realm="burgerprofiel"'} if error.status == 401 else None
        return problem_from_error(error, headers=headers)
    response = JsonResponse(issued.as_json())
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response


@require_GET
def jwks(request: HttpRequest) -> HttpResponse:
    signing.current_signing_key()  # make sure one exists on a fresh install
    response = JsonResponse(signing.jwks())
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_GET
def audit_jwks(request: HttpRequest) -> HttpResponse:
    """Every key that ever signed a tree head, so old signed tree heads stay verifiable."""
    response = JsonResponse(signing.audit_jwks())
    response["Cache-Control"] = "public, max-age=300"
    return response
