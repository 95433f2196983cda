"""The agency client: one object per API client, sharing one connection pool and one access token.

``AgencyClient.request`` is the single path every call takes: it adds the bearer token (renewed
before expiry, and once more on a 401), an ``Idempotency-Key`` on every POST (the same on each
retry), and an ``X-Request-ID`` (the same on each retry, so the platform's logs tie the attempts
together); it retries what :class:`~burgerprofiel_client.retry.RetryPolicy` allows and turns every
error answer into a typed :class:`~burgerprofiel_client.errors.ApiError`. The parts of the API are
attributes: ``client.dosis``, ``client.notifications``, ``client.preferences``,
``client.service_requests``, ``client.payments``, ``client.agency``, ``client.audit``.
"""

from __future__ import annotations

import json as jsonlib
import re
import uuid
from collections.abc import Mapping
from types import TracebackType
from typing import Any, TypeVar

import httpx

from burgerprofiel_client.auth import Credentials, TokenManager
from burgerprofiel_client.errors import TransportError, UnexpectedResponse, error_for
from burgerprofiel_client.parsing import parse
from burgerprofiel_client.resources import Agency, Audit, Dosis, Notifications, Payments, Preferences, ServiceRequests
from burgerprofiel_client.retry import RETRYABLE_EXCEPTIONS, RetryPolicy

__all__ = ["AgencyClient"]

USER_AGENT = "burgerprofiel-client-python/0.1"
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
T = TypeVar("T")
# The platform replaces a caller's request id that could be personal data (a run of digits like an INSZ).
_DIGIT_RUN = re.compile(r"\d{9,}")


def new_request_id() -> str:
    while _DIGIT_RUN.search(value := uuid.uuid4().hex):
        pass
    return f"bpc-{value}"


def new_idempotency_key() -> str:
    return str(uuid.uuid4())


class AgencyClient:
    """A client of the platform's agency API.

    ``base_url`` is the platform (``https://burgerprofiel.example``); ``credentials`` a
    :class:`~burgerprofiel_client.auth.ClientSecret` or :class:`~burgerprofiel_client.auth.PrivateKeyJwt`.
    Use it as a context manager, or call :meth:`close`, to release its connections. Thread-safe.
    """

    def __init__(
        self,
        base_url: str,
        credentials: Credentials,
        *,
        token_url: str | None = None,
        scope: str = "",
        retry: RetryPolicy | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        http: httpx.Client | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.retry = retry or RetryPolicy()
        self._owns_http = http is None
        self.http = http or httpx.Client(timeout=timeout, headers={"User-Agent": USER_AGENT})
        self.tokens = TokenManager(
            credentials,
            token_url=token_url or f"{self.base_url}/oauth/token",
            http=self.http,
            retry=self.retry,
            scope=scope,
        )
        self.dosis = Dosis(self)
        self.notifications = Notifications(self)
        self.preferences = Preferences(self)
        self.service_requests = ServiceRequests(self)
        self.payments = Payments(self)
        self.agency = Agency(self)
        self.audit = Audit(self)

    def __enter__(self) -> AgencyClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._owns_http:
            self.http.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        content: bytes | None = None,
        content_type: str | None = None,
        idempotency_key: str | None = None,
        authenticated: bool = True,
    ) -> httpx.Response:
        """Send one logical request (retrying as the policy allows); a 2xx response or a typed error."""
        method = method.upper()
        headers = {"Accept": "application/json", "X-Request-ID": new_request_id()}
        if method == "POST":
            headers["Idempotency-Key"] = idempotency_key or new_idempotency_key()
        if json is not None:
            content = _json_bytes(json)
            content_type = content_type or "application/json"
        if content_type:
            headers["Content-Type"] = content_type
        url = f"{self.base_url}{path}"  # never another host: the bearer token goes along
        attempt = 0
        renewed = False
        while True:
            attempt += 1
            token = self.tokens.token().value if authenticated else None
            if token is not None:
                headers["Authorization"] = f"Bearer {token}"
            try:
                response = self.http.request(method, url, params=params, content=content, headers=headers)
            except RETRYABLE_EXCEPTIONS as exc:
                if attempt >= self.retry.max_attempts:
                    raise TransportError(f"{method} {path} failed: {exc!r}", attempts=attempt) from exc
                self.retry.sleep(self.retry.delay(attempt))
                continue
            if response.status_code == 401 and token is not None and not renewed:
                # The token was refused before it was due (a retired signing key, a clock apart): once more
                # with a new one. Not counted as an attempt: nothing failed on the platform's side.
                self.tokens.invalidate(token)
                renewed = True
                attempt -= 1
                continue
            if response.is_success:
                return response
            wait = self.retry.wait_for(response, attempt)
            if wait is None or attempt >= self.retry.max_attempts:
                raise error_for(response)
            self.retry.sleep(wait)

    def get(self, path: str, model: type[T], *, params: Mapping[str, Any] | None = None) -> T:
        """GET ``path`` and read the JSON answer as ``model`` (a pydantic model or a type like ``list[X]``)."""
        return parse(model, self.request("GET", path, params=params))

    def post(self, path: str, model: type[T], *, json: Any, idempotency_key: str | None = None) -> T:
        """POST ``json`` to ``path`` (with an ``Idempotency-Key``) and read the answer as ``model``."""
        return parse(model, self.request("POST", path, json=json, idempotency_key=idempotency_key))

    def public_json(self, path: str) -> Any:
        """A public document of the platform (``/oauth/jwks``, ``/audit/jwks``), without a token."""
        response = self.request("GET", path, authenticated=False)
        try:
            return response.json()
        except ValueError as exc:
            raise UnexpectedResponse(f"{path} did not answer JSON") from exc


def _json_bytes(value: Any) -> bytes:
    return jsonlib.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
