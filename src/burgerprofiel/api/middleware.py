"""Guards in front of the agency API: size, content type, rate limit, idempotency.

They run before any view so that bad input is refused before it is read, and they answer in
problem+json like the API itself.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from burgerprofiel.api.models import IdempotencyRecord
from burgerprofiel.common.problem import problem_response
from burgerprofiel.oauth.services import AgencyPrincipal, access_token_decode

API_PREFIX = "/api/"
JSON_TYPES = {"application/json", "application/x-ndjson"}
WRITE_METHODS = {"POST", "PUT", "PATCH"}


def _principal(request: HttpRequest) -> AgencyPrincipal | None:
    if hasattr(request, "_bp_principal"):
        return request._bp_principal  # type: ignore[no-any-return]
    header = request.headers.get("Authorization", "")
    principal = access_token_decode(header[7:].strip()) if header.lower().startswith("bearer ") else None
    if principal is not None:
        request._bp_principal = principal  # type: ignore[attr-defined]
    return principal


def _client_ip(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", "unknown"))


class ApiGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith((API_PREFIX, "/oauth/")):
            return self.get_response(request)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.API_MAX_BODY_BYTES:
            return problem_response(
                status=413,
                code="payload-too-large",
                title="Aanvraag te groot",
                detail=f"De body is {length} bytes; het maximum is {settings.API_MAX_BODY_BYTES}.",
                max_bytes=settings.API_MAX_BODY_BYTES,
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
        limited = self._rate_limit(request)
        if limited is not None:
            return limited
        return self.get_response(request)

    def _rate_limit(self, request: HttpRequest) -> HttpResponse | None:
        limit = settings.API_RATE_LIMIT_PER_MINUTE
        if limit <= 0 or not request.path.startswith(API_PREFIX) or request.path.startswith("/api/v1/openapi"):
            return None
        principal = _principal(request)
        subject = f"client:{principal.client.client_id}" if principal else f"ip:{_client_ip(request)}"
        now = time.time()
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
    """``Idempotency-Key`` on POST: a retry within the TTL replays the first response and does nothing.

    The same key with another body is refused (422); a retry while the first is still running
    gets 409. Responses of 5xx are not kept, so the caller may retry them.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get("Idempotency-Key")
        if request.method != "POST" or key is None or not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        if not 1 <= len(key) <= 200 or not key.isprintable():
            return problem_response(
                status=400,
                code="invalid-idempotency-key",
                title="Ongeldige Idempotency-Key",
                detail="Een Idempotency-Key telt 1 tot 200 afdrukbare tekens.",
            )
        principal = _principal(request)
        if principal is None:
            return self.get_response(request)  # authentication will refuse it
        digest = hashlib.sha256(
            b"\n".join([request.method.encode(), request.get_full_path().encode(), request.body])
        ).hexdigest()
        client_id = principal.client.client_id
        record = self._claim(client_id=client_id, key=key, request=request, digest=digest)
        if isinstance(record, HttpResponse):
            return record
        response = self.get_response(request)
        if response.status_code >= 500 or getattr(response, "streaming", False):
            IdempotencyRecord.objects.filter(pk=record.pk).delete()
            return response
        IdempotencyRecord.objects.filter(pk=record.pk).update(
            status_code=response.status_code,
            content_type=response.get("Content-Type", ""),
            body=response.content,
            completed_at=timezone.now(),
        )
        return response

    def _claim(
        self, *, client_id: str, key: str, request: HttpRequest, digest: str
    ) -> IdempotencyRecord | HttpResponse:
        cutoff = timezone.now() - timedelta(hours=settings.IDEMPOTENCY_TTL_HOURS)
        IdempotencyRecord.objects.filter(client_id=client_id, key=key, created_at__lt=cutoff).delete()
        try:
            with transaction.atomic():
                return IdempotencyRecord.objects.create(
                    client_id=client_id,
                    key=key,
                    method=request.method or "",
                    path=request.path[:500],
                    request_hash=digest,
                )
        except IntegrityError:
            existing = IdempotencyRecord.objects.filter(client_id=client_id, key=key).first()
        if existing is None:
            return self._claim(client_id=client_id, key=key, request=request, digest=digest)
        if existing.request_hash != digest:
            return problem_response(
                status=422,
                code="idempotency-key-reused",
                title="Idempotency-Key hergebruikt",
                detail="Deze Idempotency-Key werd al gebruikt voor een andere aanvraag.",
            )
        if existing.status_code is None:
            return problem_response(
                status=409,
                code="idempotency-in-progress",
                title="Aanvraag nog bezig",
                detail="Een aanvraag met deze Idempotency-Key wordt nog verwerkt; probeer zo meteen opnieuw.",
                headers={"Retry-After": "1"},
            )
        replay = HttpResponse(
            bytes(existing.body or b""), status=existing.status_code, content_type=existing.content_type
        )
        replay["Idempotent-Replayed"] = "true"
        return replay
