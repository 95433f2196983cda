"""Agency authentication: OAuth2 client credentials the way the Flemish ACM does it.

Design note: two client authentication methods, ``client_secret_basic`` and ``private_key_jwt``
(RFC 7523 with RS256 or ES256; ``iss`` = ``sub`` = client_id; ``aud`` = the token URL, or the
issuer identifier as RFC 7523bis and openid-client have it; ``exp`` at most
``CLIENT_ASSERTION_MAX_TTL_SECONDS`` ahead, an hour as large identity providers allow; a ``jti`` is
accepted once, and remembered until its ``exp`` so a replay is refused for the assertion's whole
life). An assertion without ``kid`` (Authlib's default) is checked against each key the client
registered. The access token is a short-lived JWT
(RFC 9068, ``typ: at+jwt``) whose scopes are the components asked for (all of the active order's
when none are asked). The API refuses a component outside the token's scope (``api.auth.scope_check``)
and re-runs the order check against the database on every request, so a suspension is not undone
by a token that is still valid. Every success and every failure is
audited; failures never say more than the caller needs to fix its own request.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import math
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from burgerprofiel.agencies.models import ApiClient, ProcessingOrderVersion
from burgerprofiel.agencies.order_check import OrderRefused, order_check
from burgerprofiel.agencies.selectors import api_client_by_client_id, api_client_for_call
from burgerprofiel.agencies.services import api_client_secret_matches
from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.actors import ANONYMOUS, Actor
from burgerprofiel.audit.failures import audit_failure_record
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.audit.services import audit_record
from burgerprofiel.common.errors import AuthenticationFailed
from burgerprofiel.common.metrics import AUTH_FAILURES, TOKENS_ISSUED
from burgerprofiel.crypto import signing
from burgerprofiel.oauth.models import UsedAssertion

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_ALGORITHMS = ["RS256", "ES256"]
CLOCK_SKEW_SECONDS = 30


class OAuthError(AuthenticationFailed):
    """An RFC 6749 §5.2 error, carried in a problem+json body (``error`` member included)."""

    def __init__(self, error: str, detail: str, *, status: int = 401, reason: str = "") -> None:
        super().__init__(detail, extra={"error": error, "error_description": detail})
        self.status = status
        self.code = f"oauth-{error.replace('_', '-')}"
        self.error = error
        self.reason = reason or error
        # Set by ``_fail`` on a failed client authentication, which ``token_issue`` records.
        self.failed_client: tuple[ApiClient | None, str] | None = None


def token_url() -> str:
    return f"{settings.PUBLIC_URL}/oauth/token"


def issuer() -> str:
    return settings.PUBLIC_URL


def api_audience() -> str:
    return f"{settings.PUBLIC_URL}/api"


def _client_actor(client: ApiClient | None, client_id: str = "") -> Actor:
    if client is None:
        return Actor(kind="agency_client", id=client_id[:128]) if client_id else ANONYMOUS
    return Actor(kind="agency_client", id=client.client_id, agency_id=client.agency_id)


def _fail(
    *, error: str, detail: str, reason: str, client: ApiClient | None, client_id: str, status: int = 401
) -> OAuthError:
    AUTH_FAILURES.labels(reason).inc()
    failure = OAuthError(error, detail, status=status, reason=reason)
    failure.failed_client = (client, client_id)
    return failure


def _failure_record(failure: OAuthError, *, address: str) -> None:
    """Record a failed client authentication, aggregated per client (or address) and window."""
    if failure.failed_client is None:  # not a failure of client authentication: nothing to aggregate
        return
    client, client_id = failure.failed_client
    audit_failure_record(
        actor=_client_actor(client, client_id),
        action=AuditAction.OAUTH_AUTHENTICATION_FAILED,
        reason=failure.reason,
        address=address,
        caller=client.client_id if client is not None else "",  # an unknown client_id is the caller's choice
        target=ApiClient,
        object_id=client_id[:128],
    )


def _basic_credentials(header: str) -> tuple[str, str] | None:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        return None
    # RFC 6749 §2.3.1: both parts are form-urlencoded before base64.
    return unquote(client_id), unquote(secret)


def _unverified_part(assertion: str, index: int) -> dict[str, Any]:
    """The JWT's header (0) or claims (1) as sent, unverified; {} when unreadable."""
    try:
        part = assertion.split(".")[index]
        return dict(json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))))
    except (IndexError, ValueError, TypeError):
        return {}


def _unverified_claims(assertion: str) -> dict[str, Any]:
    return _unverified_part(assertion, 1)


def _assertion_decode(assertion: str, keys: KeySet) -> jwt.Token:
    """The verified assertion. Without a ``kid``, each registered key is tried (rotation leaves several)."""
    if _unverified_part(assertion, 0).get("kid"):
        return jwt.decode(assertion, keys, algorithms=ASSERTION_ALGORITHMS)
    for key in keys.keys:
        try:
            return jwt.decode(assertion, key, algorithms=ASSERTION_ALGORITHMS)
        except (JoseError, ValueError, TypeError):
            continue
    raise ValueError("no registered key verifies the assertion")


def _authenticate_assertion(assertion: str, form_client_id: str) -> ApiClient:
    claims_unverified = _unverified_claims(assertion)
    client_id = str(claims_unverified.get("iss") or form_client_id or "")
    client = api_client_by_client_id(client_id=client_id) if client_id else None

    def fail(reason: str, detail: str) -> OAuthError:
        return _fail(error="invalid_client", detail=detail, reason=reason, client=client, client_id=client_id)

    if client is None:
        raise fail("unknown_client", "Onbekende of inactieve client.")
    if form_client_id and form_client_id != client.client_id:
        raise fail("client_id_mismatch", "client_id verschilt van de issuer van de assertion.")
    if not client.jwks:
        raise fail("no_jwks", "Voor deze client is geen publieke sleutel geregistreerd.")
    try:
        token = _assertion_decode(assertion, KeySet.import_key_set(client.jwks))
    except (JoseError, ValueError, TypeError):
        raise fail("bad_signature", "De handtekening van de client assertion klopt niet.") from None
    claims = token.claims
    now = int(time.time())
    if claims.get("iss") != client.client_id or claims.get("sub") != client.client_id:
        raise fail("bad_subject", "iss en sub van de client assertion moeten de client_id zijn.")
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if token_url() not in audiences and issuer() not in audiences:
        raise fail("bad_audience", f"De aud van de client assertion moet {token_url()} (of {issuer()}) zijn.")
    exp = claims.get("exp")
    if not isinstance(exp, int | float) or not math.isfinite(exp):
        raise fail("no_exp", "De client assertion heeft geen (eindige) exp.")
    if exp < now - CLOCK_SKEW_SECONDS:
        raise fail("expired", "De client assertion is verlopen.")
    if exp > now + settings.CLIENT_ASSERTION_MAX_TTL_SECONDS + CLOCK_SKEW_SECONDS:
        minutes = settings.CLIENT_ASSERTION_MAX_TTL_SECONDS // 60
        raise fail("exp_too_far", f"De exp van de client assertion ligt meer dan {minutes} minuten in de toekomst.")
    nbf = claims.get("nbf")
    if isinstance(nbf, int | float) and nbf > now + CLOCK_SKEW_SECONDS:
        raise fail("not_yet_valid", "De client assertion is nog niet geldig (nbf).")
    jti = claims.get("jti")
    if not isinstance(jti, str) or not jti or len(jti) > 200:
        raise fail("no_jti", "De client assertion heeft geen geldige jti.")
    try:
        with transaction.atomic():
            UsedAssertion.objects.create(
                client_id=client.client_id, jti=jti, expires_at=dt.datetime.fromtimestamp(exp, dt.UTC)
            )
    except IntegrityError:
        raise fail("replayed_jti", "Deze client assertion (jti) werd al gebruikt.") from None
    return client


def _authenticate_secret(client_id: str, secret: str) -> ApiClient:
    client = api_client_by_client_id(client_id=client_id)
    # Asked also without a client: an unknown client_id costs the same argon2 work as a wrong secret.
    if not api_client_secret_matches(client=client, secret=secret) or client is None:
        raise _fail(
            error="invalid_client",
            detail="Ongeldige client-gegevens.",
            reason="bad_secret" if client else "unknown_client",
            client=client,
            client_id=client_id,
        )
    return client


@dataclass
class IssuedToken:
    access_token: str
    expires_in: int
    scope: str

    def as_json(self) -> dict[str, Any]:
        return {
            "access_token": self.access_token,
            "token_type": "Bearer",
            "expires_in": self.expires_in,
            "scope": self.scope,
        }


def token_issue(*, form: dict[str, str], authorization: str, address: str = "") -> IssuedToken:
    """Authenticate the client (secret or assertion) and issue an access token. ``address`` is the
    caller's (after trusted proxies): failures are recorded per client, or address, and window."""
    try:
        return _token_issue(form=form, authorization=authorization)
    except OAuthError as error:
        if error.failed_client is not None:
            _failure_record(error, address=address)
        raise


def _token_issue(*, form: dict[str, str], authorization: str) -> IssuedToken:
    form_client_id = form.get("client_id", "")
    if form.get("grant_type") != "client_credentials":
        raise OAuthError(
            "unsupported_grant_type", "Alleen grant_type=client_credentials wordt ondersteund.", status=400
        )
    if form.get("client_assertion_type") or form.get("client_assertion"):
        if form.get("client_assertion_type") != ASSERTION_TYPE or not form.get("client_assertion"):
            raise _fail(
                error="invalid_client",
                detail=f"client_assertion_type moet {ASSERTION_TYPE} zijn, met een client_assertion.",
                reason="bad_assertion_type",
                client=None,
                client_id=form_client_id,
            )
        client = _authenticate_assertion(form["client_assertion"], form_client_id)
        method = "private_key_jwt"
    elif credentials := _basic_credentials(authorization):
        client = _authenticate_secret(*credentials)
        method = "client_secret_basic"
    else:
        raise _fail(
            error="invalid_client",
            detail="Geen clientauthenticatie: gebruik HTTP Basic of een client_assertion (private_key_jwt).",
            reason="no_client_authentication",
            client=None,
            client_id=form_client_id,
        )

    actor = _client_actor(client)
    requested = form.get("scope", "").split()
    try:
        version = order_check(actor=actor, agency_id=client.agency_id)
    except OrderRefused as refused:
        if refused.reason == "order-terminated" and requested == [OFFBOARDING_SCOPE]:
            # After the order ended the client may still fetch its return bundle (charter 12.2), and
            # nothing else: every other operation's order check refuses a terminated order.
            return _offboarding_token(client=client, method=method, actor=actor)
        raise OAuthError("unauthorized_client", refused.detail, status=400, reason=refused.reason) from None
    unknown = [s for s in requested if s not in version.components]
    if unknown:
        audit_record(
            actor=actor,
            action=AuditAction.OAUTH_SCOPE_REFUSED,
            outcome=AuditEvent.Outcome.REFUSED,
            order_version_id=version.pk,
            detail={"scopes": unknown},
        )
        raise OAuthError("invalid_scope", f"Niet besteld in de verwerkingsopdracht: {', '.join(unknown)}.", status=400)
    scopes = requested or list(version.components)
    now = int(time.time())
    ttl = settings.ACCESS_TOKEN_TTL_SECONDS
    jti = secrets.token_urlsafe(16)
    claims = {
        "iss": issuer(),
        "sub": client.client_id,
        "aud": api_audience(),
        "client_id": client.client_id,
        "iat": now,
        "nbf": now,
        "exp": now + ttl,
        "jti": jti,
        "scope": " ".join(scopes),
        "agency": client.agency_id,
        "order_version": version.number,
    }
    token = signing.sign_jwt(claims, typ="at+jwt")
    audit_record(
        actor=actor,
        action=AuditAction.OAUTH_TOKEN_ISSUED,
        order_version_id=version.pk,
        # A token is not stored: the event names the client it was issued to, and the token's id.
        target=client,
        object_id=client.client_id,
        detail={"method": method, "scope": claims["scope"], "jti": jti},
    )
    TOKENS_ISSUED.labels(method).inc()
    return IssuedToken(access_token=token, expires_in=ttl, scope=" ".join(scopes))


OFFBOARDING_SCOPE = "offboarding"


def _offboarding_token(*, client: ApiClient, method: str, actor: Actor) -> IssuedToken:
    """A token with only the ``offboarding`` scope, for a client whose order was terminated."""
    now = int(time.time())
    ttl = settings.ACCESS_TOKEN_TTL_SECONDS
    jti = secrets.token_urlsafe(16)
    claims = {
        "iss": issuer(),
        "sub": client.client_id,
        "aud": api_audience(),
        "client_id": client.client_id,
        "iat": now,
        "nbf": now,
        "exp": now + ttl,
        "jti": jti,
        "scope": OFFBOARDING_SCOPE,
        "agency": client.agency_id,
    }
    token = signing.sign_jwt(claims, typ="at+jwt")
    audit_record(
        actor=actor,
        action=AuditAction.OAUTH_TOKEN_ISSUED,
        target=client,
        object_id=client.client_id,
        detail={"method": method, "scope": OFFBOARDING_SCOPE, "jti": jti},
    )
    TOKENS_ISSUED.labels(method).inc()
    return IssuedToken(access_token=token, expires_in=ttl, scope=OFFBOARDING_SCOPE)


@dataclass(frozen=True)
class AgencyPrincipal:
    client: ApiClient
    scopes: tuple[str, ...]
    token_id: str
    # True when the client and its orders are this process's last read of them (``snapshot=True`` of
    # ``access_token_verify``), not read for this request: the caller must confirm them in its write.
    from_snapshot: bool = False

    @property
    def agency_id(self) -> int:
        return self.client.agency_id

    @property
    def latest_order_versions(self) -> list[ProcessingOrderVersion] | None:
        """The agency's latest order versions, read with the client in this request (see ``api_client_for_call``)."""
        return getattr(self.client, "latest_order_versions", None)

    @property
    def actor(self) -> Actor:
        return self.actor_under(None)

    def actor_under(self, version: ProcessingOrderVersion | None) -> Actor:
        """The client as an audit actor, naming the order version its check found (if any)."""
        return Actor(
            kind="agency_client",
            id=self.client.client_id,
            agency_id=self.client.agency_id,
            order_version_id=version.pk if version else None,
        )


# Access tokens whose signature verified, with the key set that verified them. Every API request
# verifies its token; an agency sends thousands with the same one. The signature of a given token
# cannot change, so it is checked once per token and key set: a key set is replaced every
# KEYSET_CACHE_SECONDS and at once when a signing key is retired (``forget_public_keys``), and every
# entry verified with the old one is then checked again. Only the signature is kept: the type,
# issuer, audience and lifetime are checked on every request, and the client and its order are read
# from the database on every request (a deactivated client or a suspended order refuses the next
# call whatever was verified before). Bounded: emptied when full (a verification costs ~0.2 ms).
_VERIFIED_MAX = 2048
_verified: dict[str, tuple[KeySet, jwt.Token]] = {}


def _token_decode(token: str) -> jwt.Token:
    """``jwt.decode`` of an access token with the platform's keys (ES256), once per token and key set."""
    keyset = signing.public_keyset()
    hit = _verified.get(token)
    if hit is not None and hit[0] is keyset:
        return hit[1]
    decoded = jwt.decode(token, keyset, algorithms=["ES256"])
    if len(_verified) >= _VERIFIED_MAX:
        _verified.clear()
    _verified[token] = (keyset, decoded)
    return decoded


def _valid_claims(token: str) -> dict[str, Any] | None:
    """The claims of a valid access token (signature, type, issuer, audience, lifetime), or None."""
    try:
        decoded = _token_decode(token)
    except (JoseError, ValueError, TypeError):
        return None
    claims = decoded.claims
    if (
        decoded.header.get("typ") != "at+jwt"
        or claims.get("iss") != issuer()
        or claims.get("aud") != api_audience()
        or not isinstance(claims.get("exp"), int)
        or claims["exp"] < int(time.time()) - CLOCK_SKEW_SECONDS
    ):
        return None
    return claims


def access_token_client_id(token: str) -> str | None:
    """The client_id of a valid access token, or None; reads nothing, records nothing (for rate
    limiting: whether the client is still active is for authentication to decide)."""
    claims = _valid_claims(token)
    return str(claims.get("client_id", "")) if claims is not None else None


# Each client's last read (``api_client_for_call``: the client with its agency's latest order
# versions) in this process, for operations that confirm it in their own write statement instead of
# reading it first (``access_token_verify(snapshot=True)``, ``api.auth.order_guard``). Never used
# for anything else: every other operation reads the client and its orders for its own request.
_snapshots: dict[str, ApiClient] = {}
_SNAPSHOTS_MAX = 1024


def _client_read(client_id: str) -> ApiClient | None:
    client = api_client_for_call(client_id=client_id)
    if client is None:
        _snapshots.pop(client_id, None)
    else:
        if len(_snapshots) >= _SNAPSHOTS_MAX:
            _snapshots.clear()
        _snapshots[client_id] = client
    return client


def access_token_decode(token: str) -> AgencyPrincipal | None:
    """The principal of a valid token, or None; records nothing (for rate limiting)."""
    claims = _valid_claims(token)
    if claims is None:
        return None
    client = _client_read(str(claims.get("client_id", "")))
    if client is None:
        return None
    return AgencyPrincipal(
        client=client, scopes=tuple(str(claims.get("scope", "")).split()), token_id=str(claims.get("jti"))
    )


def access_token_verify(token: str, *, address: str = "", snapshot: bool = False) -> AgencyPrincipal:
    """Check an access token's signature, type, issuer, audience and lifetime, and its client.
    A failure is recorded per client named by a genuine token, or per ``address``, and window.

    ``snapshot``: the client and its orders may be this process's last read of them
    (``AgencyPrincipal.from_snapshot``), for a caller that confirms them in its write; without one,
    or for a client not seen yet, they are read now."""

    def fail(reason: str, detail: str, client_id: str = "") -> AuthenticationFailed:
        audit_failure_record(
            actor=Actor(kind="agency_client", id=client_id) if client_id else ANONYMOUS,
            action=AuditAction.API_AUTHENTICATION_FAILED,
            reason=reason,
            address=address,
            caller=client_id,  # only read from a token whose signature verified
        )
        AUTH_FAILURES.labels(reason).inc()
        return AuthenticationFailed(detail, extra={"reason": reason})

    try:
        decoded = _token_decode(token)
    except (JoseError, ValueError, TypeError):
        raise fail("bad_token", "Ongeldig toegangstoken.") from None
    if decoded.header.get("typ") != "at+jwt":
        raise fail("bad_token_type", "Dit is geen toegangstoken (typ at+jwt).")
    claims = decoded.claims
    now = int(time.time())
    client_id = str(claims.get("client_id", ""))
    if claims.get("iss") != issuer() or claims.get("aud") != api_audience():
        raise fail("bad_token_audience", "Het toegangstoken is niet voor deze API uitgegeven.", client_id)
    if not isinstance(claims.get("exp"), int) or claims["exp"] < now - CLOCK_SKEW_SECONDS:
        raise fail("token_expired", "Het toegangstoken is verlopen.", client_id)
    client = _snapshots.get(client_id) if snapshot else None
    from_snapshot = client is not None
    if client is None:
        client = _client_read(client_id)
    if client is None:
        raise fail("client_inactive", "De client van dit toegangstoken is niet (meer) actief.", client_id)
    return AgencyPrincipal(
        client=client,
        scopes=tuple(str(claims.get("scope", "")).split()),
        token_id=str(claims.get("jti")),
        from_snapshot=from_snapshot,
    )


def used_assertions_purge() -> int:
    """Forget jtis whose assertions expired: they can no longer be replayed anyway.

    A row is kept until its assertion's own ``exp`` (plus more than the clock skew that the expiry
    check allows), however far ahead that is: forgetting a jti earlier would let it be replayed.
    """
    deleted, _ = UsedAssertion.objects.filter(expires_at__lt=timezone.now() - dt.timedelta(minutes=5)).delete()
    return deleted
