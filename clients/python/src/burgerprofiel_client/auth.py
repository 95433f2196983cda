"""OAuth2 client credentials against the platform's ``/oauth/token``, with automatic renewal.

Two ways to authenticate the client, as the platform accepts them: ``client_secret_basic``
(:class:`ClientSecret`) and ``private_key_jwt`` (:class:`PrivateKeyJwt`, RFC 7523, signed with the
newest key of a :class:`~burgerprofiel_client.keys.KeyRing`). The access token is kept and renewed
shortly before it expires (``expires_in`` from the token answer, counted on a monotonic clock so a
changed wall clock cannot confuse it), and once more when the API answers 401 anyway (a signing key
retired on the platform, say). Renewal is serialised: threads sharing a client wait for one token
request rather than each sending their own.
"""

from __future__ import annotations

import base64
import threading
import time
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import quote

import httpx

from burgerprofiel_client.errors import TransportError, UnexpectedResponse, error_for
from burgerprofiel_client.keys import ASSERTION_TYPE, DEFAULT_ASSERTION_LIFETIME, KeyRing
from burgerprofiel_client.retry import RETRYABLE_EXCEPTIONS, RetryPolicy


class Credentials(Protocol):
    """How the client proves who it is to the token endpoint."""

    @property
    def client_id(self) -> str: ...

    def token_request(self, *, token_url: str) -> tuple[dict[str, str], dict[str, str]]:
        """The extra headers and form fields of one token request (made anew for every attempt)."""
        ...


@dataclass(frozen=True)
class ClientSecret:
    """``client_secret_basic``: the client id and the secret the platform printed once at onboarding."""

    client_id: str
    client_secret: str

    def token_request(self, *, token_url: str) -> tuple[dict[str, str], dict[str, str]]:
        # RFC 6749 2.3.1: both parts are form-urlencoded before they are joined and base64-encoded.
        pair = f"{quote(self.client_id, safe='')}:{quote(self.client_secret, safe='')}"
        return {"Authorization": "Basic " + base64.b64encode(pair.encode()).decode()}, {}

    def __repr__(self) -> str:  # never show the secret in logs or tracebacks
        return f"ClientSecret(client_id={self.client_id!r}, client_secret='***')"


@dataclass(frozen=True)
class PrivateKeyJwt:
    """``private_key_jwt``: a fresh RFC 7523 assertion per token request, signed by ``keys``.

    ``audience`` is the token URL as the platform knows itself (its ``PUBLIC_URL`` + ``/oauth/token``);
    it defaults to the URL the request goes to, which is the same unless a proxy stands in between.
    """

    client_id: str
    keys: KeyRing
    audience: str | None = None
    assertion_lifetime: int = DEFAULT_ASSERTION_LIFETIME

    def token_request(self, *, token_url: str) -> tuple[dict[str, str], dict[str, str]]:
        assertion = self.keys.client_assertion(
            client_id=self.client_id, audience=self.audience or token_url, lifetime=self.assertion_lifetime
        )
        return {}, {
            "client_id": self.client_id,
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": assertion,
        }


@dataclass(frozen=True)
class AccessToken:
    value: str
    scopes: tuple[str, ...]
    expires_in: int
    renew_at: float  # time.monotonic() after which it is renewed before use

    def due(self) -> bool:
        return time.monotonic() >= self.renew_at


def renew_margin(expires_in: int) -> float:
    """How long before expiry a token is renewed: a fifth of its life, at most a minute."""
    return min(60.0, expires_in / 5)


class TokenManager:
    """Holds the current access token; fetches a new one when it is due or was refused."""

    def __init__(
        self, credentials: Credentials, *, token_url: str, http: httpx.Client, retry: RetryPolicy, scope: str = ""
    ) -> None:
        self.credentials = credentials
        self.token_url = token_url
        self.scope = scope
        self._http = http
        self._retry = retry
        self._lock = threading.Lock()
        self._token: AccessToken | None = None
        self.tokens_fetched = 0

    def token(self) -> AccessToken:
        """A token that is not yet due for renewal (fetching one if needed)."""
        with self._lock:
            if self._token is None or self._token.due():
                self._token = self._fetch()
            return self._token

    def invalidate(self, value: str) -> None:
        """Forget ``value`` (the API refused it); the next :meth:`token` fetches a new one.

        A token another thread already replaced is left alone, so one 401 costs one renewal."""
        with self._lock:
            if self._token is not None and self._token.value == value:
                self._token = None

    def _fetch(self) -> AccessToken:
        attempt = 0
        while True:
            attempt += 1
            headers, form = self.credentials.token_request(token_url=self.token_url)
            form = {"grant_type": "client_credentials", **form}
            if self.scope:
                form["scope"] = self.scope
            try:
                response = self._http.post(self.token_url, data=form, headers={**headers, "Accept": "application/json"})
            except RETRYABLE_EXCEPTIONS as exc:
                if attempt >= self._retry.max_attempts:
                    raise TransportError(f"token endpoint unreachable: {exc}", attempts=attempt) from exc
                self._retry.sleep(self._retry.delay(attempt))
                continue
            if response.is_success:
                break
            wait = self._retry.wait_for(response, attempt)
            if wait is None or attempt >= self._retry.max_attempts:
                raise error_for(response, token_endpoint=True)
            self._retry.sleep(wait)
        try:
            body = response.json()
            value = str(body["access_token"])
            expires_in = int(body.get("expires_in", 300))
        except (ValueError, KeyError, TypeError) as exc:
            raise UnexpectedResponse("the token endpoint answered without an access token") from exc
        self.tokens_fetched += 1
        return AccessToken(
            value=value,
            scopes=tuple(str(body.get("scope", "")).split()),
            expires_in=expires_in,
            renew_at=time.monotonic() + expires_in - renew_margin(expires_in),
        )
