"""The citizen login: OIDC authorization code flow with PKCE, nonce and state (relying party).

Design note: the provider is ACM/IDM in production and ``devpeers/oidc`` in development and
tests; both are found through discovery at ``OIDC_ISSUER``. The portal keeps no user table for
citizens, so the relying party is this small module rather than an auth backend: ``state``,
``nonce`` and the PKCE verifier live in the session for one round trip; the ID token is verified
(RS256 against the provider's JWKS, issuer, audience and authorized party, expiry, nonce) before
its ``rrn`` claim is trusted. A demanded ``acr`` level (step-up) travels as ``acr_values`` with ``prompt=login`` and
is checked again on return. Nothing of the token is kept but the ``acr``, the display name and
the ID token itself (the hint for RP-initiated logout).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from typing import Any
from urllib.parse import urlencode

import httpx
from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from burgerprofiel.common.errors import ApplicationError

SESSION_PENDING = "bp_oidc_pending"
SESSION_ID_TOKEN = "bp_id_token"  # noqa: S105 - a session key name, not a token
DISCOVERY_CACHE_SECONDS = 300


class LoginFailed(ApplicationError):
    status = 400
    code = "login-failed"
    title = "Aanmelden mislukt"


def acr_level(acr: str) -> int:
    return int(settings.PORTAL_ACR_LEVELS.get(acr, 0))


def acr_values_for(minimum: int) -> list[str]:
    """The login methods that reach ``minimum``, strongest first."""
    levels = settings.PORTAL_ACR_LEVELS
    return sorted((a for a, lvl in levels.items() if lvl >= minimum), key=lambda a: -levels[a])


def _get_json(url: str) -> dict[str, Any]:
    try:
        response = httpx.get(url, timeout=settings.OIDC_HTTP_TIMEOUT_SECONDS)
        response.raise_for_status()
        data = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise LoginFailed(_("De aanmelddienst is niet bereikbaar. Probeer het later opnieuw.")) from exc
    if not isinstance(data, dict):
        raise LoginFailed(_("De aanmelddienst gaf een onverwacht antwoord."))
    return data


def discovery() -> dict[str, Any]:
    key = f"oidc:discovery:{settings.OIDC_ISSUER}"
    config = cache.get(key)
    if config is None:
        config = _get_json(f"{settings.OIDC_ISSUER}/.well-known/openid-configuration")
        if config.get("issuer") != settings.OIDC_ISSUER:
            raise LoginFailed(_("De aanmelddienst meldt een andere uitgever dan verwacht."))
        cache.set(key, config, DISCOVERY_CACHE_SECONDS)
    return config  # type: ignore[no-any-return]


def _keyset(*, refresh: bool = False) -> KeySet:
    key = f"oidc:jwks:{settings.OIDC_ISSUER}"
    data = None if refresh else cache.get(key)
    if data is None:
        data = _get_json(discovery()["jwks_uri"])
        cache.set(key, data, DISCOVERY_CACHE_SECONDS)
    return KeySet.import_key_set(data)  # type: ignore[arg-type]


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def authorization_url(*, session: Any, redirect_uri: str, next_url: str, min_level: int = 0) -> str:
    """Start a login: remember state, nonce and the PKCE verifier; return where to send the browser."""
    state, nonce, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(64)
    session[SESSION_PENDING] = {
        "state": state,
        "nonce": nonce,
        "verifier": verifier,
        "next": next_url,
        "min_level": min_level,
        "redirect_uri": redirect_uri,
        "started_at": int(time.time()),
    }
    params = {
        "response_type": "code",
        "client_id": settings.OIDC_CLIENT_ID,
        "redirect_uri": redirect_uri,
        "scope": settings.OIDC_SCOPES,
        "state": state,
        "nonce": nonce,
        "code_challenge": _b64(hashlib.sha256(verifier.encode()).digest()),
        "code_challenge_method": "S256",
    }
    if min_level:
        params["acr_values"] = " ".join(acr_values_for(min_level))
        params["prompt"] = "login"
    return f"{discovery()['authorization_endpoint']}?{urlencode(params)}"


def complete_login(*, session: Any, params: dict[str, str]) -> tuple[dict[str, Any], str, str]:
    """Finish a login from the callback's query: (verified ID-token claims, ID token, next URL)."""
    pending = session.pop(SESSION_PENDING, None)
    if not pending or time.time() - pending["started_at"] > 600:
        raise LoginFailed(_("Deze aanmelding is verlopen. Begin opnieuw."))
    if not secrets.compare_digest(params.get("state", ""), pending["state"]):
        raise LoginFailed(_("De aanmelding kon niet worden gecontroleerd (state)."))
    if params.get("error"):
        raise LoginFailed(_("De aanmelding werd afgebroken of geweigerd."))
    code = params.get("code", "")
    if not code:
        raise LoginFailed(_("De aanmelddienst gaf geen code terug."))
    config = discovery()
    try:
        response = httpx.post(
            config["token_endpoint"],
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": pending["redirect_uri"],
                "code_verifier": pending["verifier"],
            },
            auth=(settings.OIDC_CLIENT_ID, settings.OIDC_CLIENT_SECRET),
            timeout=settings.OIDC_HTTP_TIMEOUT_SECONDS,
        )
        tokens = response.json() if response.status_code == 200 else None
    except (httpx.HTTPError, ValueError) as exc:
        raise LoginFailed(_("De aanmelddienst is niet bereikbaar. Probeer het later opnieuw.")) from exc
    if not isinstance(tokens, dict) or not isinstance(tokens.get("id_token"), str):
        raise LoginFailed(_("De aanmelddienst weigerde de code."))
    id_token = tokens["id_token"]
    claims = verify_id_token(id_token, nonce=pending["nonce"])
    if acr_level(str(claims.get("acr", ""))) < int(pending["min_level"]):
        raise LoginFailed(_("U meldde zich aan met een te zwakke methode voor deze pagina."))
    return claims, id_token, str(pending["next"])


def verify_id_token(id_token: str, *, nonce: str) -> dict[str, Any]:
    try:
        try:
            token = jwt.decode(id_token, _keyset(), algorithms=["RS256"])
        except JoseError:  # the provider may have rotated its keys
            token = jwt.decode(id_token, _keyset(refresh=True), algorithms=["RS256"])
        jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": settings.OIDC_ISSUER},
            aud={"essential": True, "value": settings.OIDC_CLIENT_ID},
            exp={"essential": True},
            nonce={"essential": True, "value": nonce},
            rrn={"essential": True},
        ).validate(token.claims)
        _check_authorized_party(token.claims)
    except (JoseError, ValueError) as exc:
        raise LoginFailed(_("Het identiteitsbewijs van de aanmelddienst is ongeldig.")) from exc
    return dict(token.claims)


def _check_authorized_party(claims: dict[str, Any]) -> None:
    """OpenID Connect Core 1.0, 3.1.3.7 (4, 5): a token for several audiences was issued to its
    ``azp``, which must then be present; whenever ``azp`` is present it must be us. Otherwise a
    token issued to another client that also lists us would log its subject in here."""
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    azp = claims.get("azp")
    if len(audiences) > 1 and azp is None:
        raise ValueError("several audiences without azp")
    if azp is not None and azp != settings.OIDC_CLIENT_ID:
        raise ValueError("azp is another client")


def logout_url(*, id_token: str | None, post_logout_redirect_uri: str) -> str | None:
    """Where to send the browser to end the provider's session too (RP-initiated logout)."""
    try:
        endpoint = discovery().get("end_session_endpoint")
    except LoginFailed:
        return None
    if not endpoint:
        return None
    params = {"client_id": settings.OIDC_CLIENT_ID, "post_logout_redirect_uri": post_logout_redirect_uri}
    if id_token:
        params["id_token_hint"] = id_token
    return f"{endpoint}?{urlencode(params)}"
