"""The back-office's own 403 and 404 pages (``handler403``/``handler404`` in ``conf/urls.py``).

A staff member who follows a stale link (``/backoffice/auth/user/``) or lacks the right for a page
gets a page in the back-office's frame, in Dutch, with the way back; every other path keeps
Django's default answer (the API answers problem+json in its own views).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import defaults


def _in_backoffice(request: HttpRequest) -> bool:
    return request.path.startswith(reverse("backoffice:index"))


def _page(request: HttpRequest, *, status: int, title: str, explanation: str) -> HttpResponse:
    from burgerprofiel.backoffice.site import site  # the site imports the admin modules; not at import time

    request.current_app = site.name
    context = {**site.each_context(request), "title": title, "explanation": explanation}
    response = TemplateResponse(request, "backoffice/error.html", context, status=status)
    return response.render()


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if not _in_backoffice(request):
        return defaults.page_not_found(request, exception)
    return _page(
        request,
        status=404,
        title=_("Pagina niet gevonden"),
        explanation=_("Deze pagina bestaat niet in de backoffice, of niet meer. Kies hieronder waar u verder wilt."),
    )


def forbidden(request: HttpRequest, exception: Exception) -> HttpResponse:
    if not _in_backoffice(request):
        return defaults.permission_denied(request, exception)
    return _page(
        request,
        status=403,
        title=_("Geen toegang"),
        explanation=_(
            "Uw rol geeft geen toegang tot deze pagina of deze handeling. Vraag een beheerder als u denkt "
            "dat dat niet klopt."
        ),
    )
