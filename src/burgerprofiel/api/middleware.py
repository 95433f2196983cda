"""Guards in front of the agency API: rate limit, size, content type; and the wiring of idempotency.

They run before any view so that bad input is refused before it is read, and they answer in
problem+json like the API itself. Whatever else leaves the API as an error (Django's own 404,
405 or 500) is turned into problem+json on the way out.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
import math
import time
from collections.abc import Callable
from http import HTTPStatus
from urllib.parse import unquote

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase

from burgerprofiel.api.auth import bearer_client_id, bearer_principal, notes_of
from burgerprofiel.api.idempotency import (
    IdempotencyInProgress,
    KeptAnswer,
    idempotency_claim,
    idempotency_complete,
    idempotency_key_check,
    idempotency_release,
    idempotency_replay,
    request_digest,
)
from burgerprofiel.api.models import IdempotencyRecord
from burgerprofiel.common.errors import ApplicationError
from burgerprofiel.common.problem import PROBLEM_CONTENT_TYPE, problem_from_error, problem_response
from burgerprofiel.common.text import UnstorableText, check_storable
from burgerprofiel.oauth.services import AgencyPrincipal

API_PREFIX = "/api/"
JSON_TYPES = {"application/json", "application/x-ndjson"}
WRITE_METHODS = {"POST", "PUT", "PATCH"}
# POSTs that only read (the citizen is named in the body to keep the INSZ out of URLs): safe to repeat,
# so an Idempotency-Key is ignored and no copy of the answer (personal data) is kept.
# The data-subject export reads only, and its answer (everything on a citizen) must not be kept for replay.
READ_ONLY_POSTS = {"/api/v1/preferences/lookup", "/api/v1/data-subjects/export"}
# POSTs whose act commits in chunks of its own, also under an Idempotency-Key (IdempotencyMiddleware).
CHUNKED_POSTS = {"/api/v1/notifications/bulk"}

# What an error answered by Django itself (no route, wrong method, a crash outside the API's own
# handlers) becomes when it leaves the API: the API speaks problem+json only (RFC 9457).
_PROBLEMS: dict[int, tuple[str, str, str]] = {
    400: ("malformed-request", "Onleesbare aanvraag", "De aanvraag kon niet gelezen worden."),
    401: ("authentication-failed", "Authenticatie mislukt", "Geen geldig toegangstoken."),
    403: ("forbidden", "Geen toegang", "Deze aanvraag is niet toegelaten."),
    404: ("not-found", "Niet gevonden", "Deze bron bestaat niet."),
    405: ("method-not-allowed", "Methode niet toegelaten", "Deze methode wordt hier niet ondersteund."),
    500: ("internal-error", "Interne fout", "Er liep iets mis; probeer later opnieuw."),
}
_NOT_COPIED = {"content-type", "content-length"}


def clock() -> float:
    """Seconds since the epoch; the rate limiter's clock (tests replace it)."""
    return time.time()


def _client_ip(request: HttpRequest) -> str:
    """The caller's address: behind TRUSTED_PROXIES, ``common.client_ip`` already put the client's here."""
    return str(request.META.get("REMOTE_ADDR", "unknown"))


# Paths whose bodies may be larger than API_MAX_BODY_BYTES, with the setting that bounds them.
LARGE_BODY_PATHS = {"/api/v2/dosis/dossiers/bulk": "DOSIS_BULK_MAX_BODY_BYTES"}


def body_limit(path: str) -> int:
    setting = LARGE_BODY_PATHS.get(path.rstrip("/"))
    return int(getattr(settings, setting, settings.API_MAX_BODY_BYTES)) if setting else settings.API_MAX_BODY_BYTES


def request_body(request: HttpRequest) -> bytes:
    """The body, also when it is larger than Django's in-memory limit (the guard already bounded it).

    The body is then read from the stream once and put back, so the view can still read it.
    """
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if hasattr(request, "_body") or length <= (settings.DATA_UPLOAD_MAX_MEMORY_SIZE or length):
        return request.body
    data = request.read()
    request._body = data  # type: ignore[attr-defined]
    request._stream = io.BytesIO(data)  # type: ignore[attr-defined]
    return data


def _as_problem(response: HttpResponseBase) -> HttpResponseBase:
    """An error response that is not yet problem+json, as problem+json with the same status and headers."""
    content_type = response.get("Content-Type", "").split(";")[0].strip().lower()
    if response.status_code < 400 or content_type == PROBLEM_CONTENT_TYPE or getattr(response, "streaming", False):
        return response
    status = response.status_code
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Fout"
    code, title, detail = _PROBLEMS.get(status, (f"http-{status}", phrase, phrase))
    if status == 405 and response.has_header("Allow"):
        detail = f"Deze methode wordt hier niet ondersteund; wel: {response['Allow']}."
    problem = problem_response(status=status, code=code, title=title, detail=detail)
    for name, value in response.items():
        if name.lower() not in _NOT_COPIED:
            problem[name] = value
    return problem


def _unreadable(exception: Exception) -> HttpResponse | None:
    """Django's refusals of a request it will not read, as problem+json (Django itself answers HTML)."""
    if isinstance(exception, TooManyFieldsSent | TooManyFilesSent):
        limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
        return problem_response(
            status=400,
            code="too-many-parameters",
            title="Te veel parameters",
            detail=f"De aanvraag heeft meer dan {limit} parameters (querystring of formulier).",
            max_parameters=limit,
        )
    if isinstance(exception, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return problem_response(
            status=413,
            code="payload-too-large",
            title="Aanvraag te groot",
            detail=f"De body is groter dan {limit} bytes.",
            max_bytes=limit,
        )
    return None


class ApiGuardMiddleware:
    """Refuses before any view runs: too many requests (429), a body too large (413) or not JSON (415).

    It also makes sure that whatever leaves the API (and the token endpoint) as an error is
    problem+json, including the answers Django gives itself (an unknown path, a method the
    operation does not have, more than DATA_UPLOAD_MAX_NUMBER_FIELDS parameters).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not request.path.startswith((API_PREFIX, "/oauth/")):
            return self.get_response(request)
        if settings.SECURE_SSL_REDIRECT and not request.is_secure():
            # Not redirected (ASVS 5.0 4.1.2): a redirect would hide that the token or secret went in clear.
            return problem_response(
                status=403,
                code="https-required",
                title="HTTPS vereist",
                detail="De API en het tokeneindpunt antwoorden alleen over HTTPS.",
            )
        refused = (
            self._rate_limit(request)
            or self._query_guard(request)
            or self._body_guard(request)
            or self._token_client_limit(request)
        )
        if refused is not None:
            return refused
        return _as_problem(self.get_response(request))

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """What Django refuses while a view reads the request (a form with too many fields, say)."""
        if request.path.startswith((API_PREFIX, "/oauth/")):
            return _unreadable(exception)
        return None

    def _query_guard(self, request: HttpRequest) -> HttpResponse | None:
        """Query parameters reach database lookups: text no database can store is refused here."""
        if not request.META.get("QUERY_STRING"):
            return None  # nothing to check: most writes have no query, and parsing none still cost a QueryDict
        try:
            check_storable(dict(request.GET.lists()))
        except (TooManyFieldsSent, RequestDataTooBig) as exception:
            return _unreadable(exception)
        except UnstorableText:
            return problem_response(
                status=400,
                code="unstorable-text",
                title="Onleesbare aanvraag",
                detail="De querystring bevat een NUL-teken of een losse surrogaat.",
            )
        return None

    def _body_guard(self, request: HttpRequest) -> HttpResponse | None:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = body_limit(request.path)
        if length > limit:
            return problem_response(
                status=413,
                code="payload-too-large",
                title="Aanvraag te groot",
                detail=f"De body is {length} bytes; het maximum is {limit}.",
                max_bytes=limit,
            )
        if request.path.startswith(API_PREFIX) and request.method in WRITE_METHODS and length > 0:
            content_type = (request.content_type or "").lower()
            if content_type not in JSON_TYPES:
                return problem_response(
                    status=415,
                    code="unsupported-media-type",
                    title="Niet ondersteund inhoudstype",
                    detail=f"Inhoudstype {content_type or '(geen)'} wordt niet aanvaard; stuur application/json.",
                )
        return None

    def _rate_limit(self, request: HttpRequest) -> HttpResponse | None:
        if request.path.startswith("/oauth/token"):
            # Per address (the client's, behind TRUSTED_PROXIES): where client secrets could be guessed.
            return _limited(f"token-ip:{_client_ip(request)}", settings.OAUTH_RATE_LIMIT_PER_MINUTE)
        if request.path.startswith(API_PREFIX) and not request.path.startswith("/api/v1/openapi"):
            # The token's client, from the token alone (no read): authentication decides whether it is active.
            client_id = bearer_client_id(request)
            subject = f"client:{client_id}" if client_id else f"ip:{_client_ip(request)}"
            return _limited(subject, settings.API_RATE_LIMIT_PER_MINUTE)
        return None

    def _token_client_limit(self, request: HttpRequest) -> HttpResponse | None:
        """Token requests per client_id as well, from whatever address: many addresses guessing one
        client's secret, or one proxy's worth of callers, still meet a bound per client."""
        if not request.path.startswith("/oauth/token") or request.method != "POST":
            return None
        try:
            client_id = token_request_client_id(request)
        except (TooManyFieldsSent, RequestDataTooBig) as exception:
            return _unreadable(exception)
        if not client_id:
            return None
        digest = hashlib.sha256(client_id.encode()).hexdigest()[:32]  # any length, any bytes: a fixed key
        return _limited(f"token-client:{digest}", settings.OAUTH_CLIENT_RATE_LIMIT_PER_MINUTE)


def token_request_client_id(request: HttpRequest) -> str:
    """The client_id a token request claims (not yet verified): HTTP Basic's user, the form's
    ``client_id``, or the client assertion's ``iss``."""
    scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "basic" and encoded:
        try:
            user = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")[0]
        except (binascii.Error, UnicodeDecodeError):
            user = ""
        if user:
            return unquote(user)
    if request.content_type != "application/x-www-form-urlencoded":
        return ""
    form = request.POST
    if form.get("client_id"):
        return str(form["client_id"])
    assertion = str(form.get("client_assertion", ""))
    try:
        part = assertion.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (IndexError, ValueError, TypeError):
        return ""
    return str(claims.get("iss", "")) if isinstance(claims, dict) else ""


def _limited(subject: str, limit: int) -> HttpResponse | None:
    """Count one request for ``subject`` in this minute's window; 429 once it passes ``limit``."""
    if limit <= 0:
        return None
    now = clock()
    window = int(now // 60)
    key = f"bp:ratelimit:{subject}:{window}"
    cache.add(key, 0, timeout=120)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=120)
        count = 1
    if count > limit:
        retry_after = max(1, math.ceil((window + 1) * 60 - now))
        return problem_response(
            status=429,
            code="rate-limited",
            title="Te veel aanvragen",
            detail=f"Meer dan {limit} aanvragen per minuut; probeer opnieuw over {retry_after} seconden.",
            headers={"Retry-After": str(retry_after)},
        )
    return None


class IdempotencyMiddleware:
    """``Idempotency-Key`` on POST (the service is ``api.idempotency``): this only wires it around the view.

    The act and its kept answer commit together in one transaction. Responses of 5xx are not
    kept, so the caller may retry them.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        key = request.headers.get("Idempotency-Key")
        if (
            request.method != "POST"
            or key is None
            or not request.path.startswith(API_PREFIX)
            or request.path.rstrip("/") in READ_ONLY_POSTS
        ):
            return self.get_response(request)
        try:
            idempotency_key_check(key)
        except ApplicationError as error:
            return problem_from_error(error)
        principal = bearer_principal(request)
        if principal is None:
            return self.get_response(request)  # authentication will refuse it
        digest = request_digest(method=request.method, full_path=request.get_full_path(), body=request_body(request))
        try:
            record = idempotency_claim(
                client_id=principal.client.client_id, key=key, method=request.method, path=request.path, digest=digest
            )
            if record.status_code is not None:
                return self._replay(record, principal)
        except IdempotencyInProgress as error:
            return problem_from_error(error, headers={"Retry-After": "1"})
        except ApplicationError as error:
            return problem_from_error(error)
        try:
            return self._act(request, record, principal)
        except BaseException:
            idempotency_release(record=record)  # the act rolled back: free the key
            raise

    def _act(self, request: HttpRequest, record: IdempotencyRecord, principal: AgencyPrincipal) -> HttpResponseBase:
        if request.path.rstrip("/") in CHUNKED_POSTS:
            return self._act_in_chunks(request, record, principal)
        with transaction.atomic():
            response = self.get_response(request)
            if response.status_code >= 500 or not isinstance(response, HttpResponse):
                idempotency_release(record=record)
                return response
            notes = notes_of(request)
            idempotency_complete(
                record=record,
                client=principal.client,
                answer=KeptAnswer(response.status_code, response.get("Content-Type", ""), response.content),
                component=notes.component,
                categories=notes.categories,
            )
        return response

    def _act_in_chunks(
        self, request: HttpRequest, record: IdempotencyRecord, principal: AgencyPrincipal
    ) -> HttpResponseBase:
        """An act that commits chunk by chunk (a bulk of meldingen: one transaction would hold the
        write lock for tens of seconds): not wrapped in one transaction. It keeps its progress in
        the record with each chunk (``RecordProgress``); the answer is kept once it is complete. On a
        5xx (or an exception: ``__call__``) ``idempotency_release`` keeps a claim that stored some,
        so a retry with the key resumes it and gets the answer of the whole."""
        notes_of(request).idempotency_record = record
        response = self.get_response(request)
        if response.status_code >= 500 or not isinstance(response, HttpResponse):
            idempotency_release(record=record)
            return response
        notes = notes_of(request)
        with transaction.atomic():
            idempotency_complete(
                record=record,
                client=principal.client,
                answer=KeptAnswer(response.status_code, response.get("Content-Type", ""), response.content),
                component=notes.component,
                categories=notes.categories,
            )
        return response

    def _replay(self, record: IdempotencyRecord, principal: AgencyPrincipal) -> HttpResponseBase:
        answer = idempotency_replay(record=record, principal=principal)
        replay = HttpResponse(answer.body, status=answer.status_code, content_type=answer.content_type)
        replay["Idempotent-Replayed"] = "true"
        return replay
