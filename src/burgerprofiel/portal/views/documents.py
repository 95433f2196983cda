from __future__ import annotations

from collections.abc import Iterator

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from burgerprofiel.common.errors import NotFound
from burgerprofiel.documents.services import DownloadFailed, certificate_download, certificates_list
from burgerprofiel.personal_data.services import THEMES
from burgerprofiel.portal.auth import citizen_of, citizen_required

DOWNLOAD_LEVEL = 3  # an official document: at least a "substantial" login (app, eID, itsme)


@require_GET
@citizen_required
def certificates(request: HttpRequest) -> HttpResponse:
    theme = request.GET.get("thema", "")
    query = request.GET.get("zoek", "").strip()[:100]
    found, statuses = certificates_list(
        citizen=citizen_of(request),
        theme=theme if theme in THEMES else "",
        query=query,
    )
    return render(
        request,
        "documents/certificates.html",
        {"certificates": found, "statuses": statuses, "themes": THEMES, "theme": theme, "query": query},
    )


def _chunks(content: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    for start in range(0, len(content), size):
        yield content[start : start + size]


@require_GET
@citizen_required(min_level=DOWNLOAD_LEVEL)
def certificate_file(
    request: HttpRequest, source_id: int, year: int, language: str
) -> HttpResponse | StreamingHttpResponse:
    try:
        download = certificate_download(
            citizen=citizen_of(request),
            source_id=source_id,
            year=year,
            language=language,
        )
    except NotFound as exc:
        return render(request, "documents/download_failed.html", {"message": exc.detail}, status=404)
    except DownloadFailed as exc:
        return render(request, "documents/download_failed.html", {"message": exc.detail}, status=502)
    response = StreamingHttpResponse(_chunks(download.content), content_type=download.content_type)
    response["Content-Disposition"] = f'attachment; filename="{download.filename}"'
    response["Content-Length"] = str(len(download.content))
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
