"""The middleware only browsers need, skipped for the agency API (``/api/``).

The agency API (``/api/v1/``, ``/api/v2/`` and the index at ``/api/``) is called by servers with a
bearer token only: no cookie carries a credential, nothing is rendered for a browser. Each class here
is the middleware of the same name, unchanged for every other path, that passes an API request
straight on (its ``__call__`` and its view/exception hooks do nothing for it). What each did there:

- ``SessionMiddleware``: the API never reads or writes ``request.session`` (the token is the
  caller's identity); skipping it also means no session cookie and no ``Vary: Cookie``.
- ``PortalMiddleware``: the portal's language from its language cookie. API answers are written in
  Dutch (problem+json texts are literals), and without the cookie Django's language is
  ``LANGUAGE_CODE`` (Dutch) anyway; only the portal's ``Content-Language`` header is no longer added.
- ``CsrfViewMiddleware``: CSRF protects ambient credentials (cookies); the API has none, and every
  django-ninja operation is ``csrf_exempt`` already. It set no CSRF cookie on API answers.
- ``AuthenticationMiddleware`` and ``OTPMiddleware``: ``request.user`` (a staff member from the
  session) and its second factor. The API's caller is ``request.auth``, from the bearer token
  (``api.auth``); no API code reads ``request.user``.
- ``MessageMiddleware``: the flash messages of the portal and the back-office pages.
- ``StaffSessionMiddleware``, ``StaffRefusalMiddleware``, ``ConfidentialityMiddleware``: the
  back-office's idle timeout, refusal audit and confidentiality statement; they act on
  ``/backoffice/`` only.
- ``XFrameOptionsMiddleware``: ``common.middleware.SecurityHeadersMiddleware`` sets the same
  ``X-Frame-Options`` (``settings.X_FRAME_OPTIONS``, respecting ``xframe_options_exempt``) on every answer.

Everything else runs for the API as before (settings ``MIDDLEWARE``): the trusted proxies, the
request id and access log, metrics, the replica guard, Django's ``SecurityMiddleware`` (HSTS,
nosniff, referrer policy, HTTPS redirect), WhiteNoise, the security headers (CSP, frame options,
Cache-Control, ...), ``ApiGuardMiddleware`` (HTTPS only, rate limits, size and type guards,
problem+json for every error), ``CommonMiddleware`` (``ALLOWED_HOSTS``, ``Content-Length``),
and idempotency. django-axes' middleware stays in ``MIDDLEWARE`` by its own name (its system check
wants it there) but is left out of the API's own chain (below): it only answers a lockout that
Django's ``authenticate`` flagged, which the API never calls.

The token endpoint (``/oauth/token``, ``/oauth/jwks``), the payment provider's webhook and the
health and metrics endpoints keep the whole stack: they are not browser pages either, but they are
called rarely, so nothing there is worth a second path through the stack. There is no
``/.well-known/`` route.

Each class is a subclass of the one it wraps, so Django's and the admin's checks (which look for
sessions, authentication and messages in ``MIDDLEWARE`` by subclass) still find them. They are
synchronous only: the platform is served over WSGI.

Passing a request on still costs a call per class, and Django wraps every middleware in an exception
converter of its own: eleven layers (with django-axes') that an API request only walks through. So the
WSGI application (``conf.wsgi``, ``ApiChainsMixin``) builds a second chain for ``/api/`` from the same
``MIDDLEWARE`` without them (``api_middleware``) and picks the chain by path; the wrappers stay in the
full chain, so any handler built from ``MIDDLEWARE`` alone (Django's test client) answers the API the
same way, only slower.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import middleware as auth_middleware
from django.contrib.messages import middleware as messages_middleware
from django.contrib.sessions import middleware as sessions_middleware
from django.core.handlers.base import BaseHandler
from django.http import HttpRequest, HttpResponseForbidden
from django.http.response import HttpResponseBase
from django.middleware import clickjacking, csrf
from django.utils.module_loading import import_string
from django_otp import middleware as otp_middleware

from burgerprofiel.api.middleware import API_PREFIX
from burgerprofiel.backoffice import confidentiality
from burgerprofiel.backoffice import middleware as backoffice_middleware
from burgerprofiel.portal import middleware as portal_middleware


def is_api(request: HttpRequest) -> bool:
    """An agency API request (the same prefix ``api.middleware.ApiGuardMiddleware`` guards)."""
    return request.path.startswith(API_PREFIX)


class _BrowserOnly:
    """Mixin in front of a middleware class: the middleware runs for every request but an API one."""

    sync_capable = True
    async_capable = False

    def __call__(self, request: HttpRequest) -> Any:
        if is_api(request):
            return self.get_response(request)  # type: ignore[attr-defined]
        return super().__call__(request)  # type: ignore[misc]


class SessionMiddleware(_BrowserOnly, sessions_middleware.SessionMiddleware):
    pass


class PortalMiddleware(_BrowserOnly, portal_middleware.PortalMiddleware):
    pass


class CsrfViewMiddleware(_BrowserOnly, csrf.CsrfViewMiddleware):
    def process_view(
        self, request: HttpRequest, callback: Any, callback_args: Any, callback_kwargs: Any
    ) -> HttpResponseForbidden | None:
        if is_api(request):
            return None
        return super().process_view(request, callback, callback_args, callback_kwargs)


class AuthenticationMiddleware(_BrowserOnly, auth_middleware.AuthenticationMiddleware):
    pass


class OTPMiddleware(_BrowserOnly, otp_middleware.OTPMiddleware):
    pass


class MessageMiddleware(_BrowserOnly, messages_middleware.MessageMiddleware):
    pass


class StaffSessionMiddleware(_BrowserOnly, backoffice_middleware.StaffSessionMiddleware):
    pass


class StaffRefusalMiddleware(_BrowserOnly, backoffice_middleware.StaffRefusalMiddleware):
    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        if is_api(request):
            return None
        return super().process_exception(request, exception)


class ConfidentialityMiddleware(_BrowserOnly, confidentiality.ConfidentialityMiddleware):
    pass


class XFrameOptionsMiddleware(_BrowserOnly, clickjacking.XFrameOptionsMiddleware):
    pass


# django-axes' middleware answers a lockout that Django's ``authenticate`` flagged; the API never calls it.
_NOT_FOR_THE_API = {"axes.middleware.AxesMiddleware"}


def api_middleware(middleware: list[str]) -> list[str]:
    """``middleware`` without what an API request only passes through: the classes above, and axes'."""
    return [
        path
        for path in middleware
        if path not in _NOT_FOR_THE_API and not issubclass(import_string(path), _BrowserOnly)
    ]


class _ApiChain(BaseHandler):
    """Django's own handler machinery (exception conversion, view hooks, URL resolution), over ``api_middleware``."""

    def load_middleware(self, is_async: bool = False) -> None:
        # BaseHandler reads the list from settings.MIDDLEWARE only. This runs once, when the application
        # is built (before it serves anything), so the list is swapped for the duration of the call.
        full = settings.MIDDLEWARE
        settings.MIDDLEWARE = api_middleware(full)
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = full


class ApiChainsMixin:
    """In front of a Django handler class: ``/api/`` requests go through the API's chain (module note)."""

    _api_chain: _ApiChain

    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async)  # type: ignore[misc]
        self._api_chain = _ApiChain()
        self._api_chain.load_middleware(is_async)

    def get_response(self, request: HttpRequest) -> HttpResponseBase:
        if is_api(request):
            return self._api_chain.get_response(request)
        return super().get_response(request)  # type: ignore[misc,no-any-return]
