"""A notice as PDF (weasyprint): the same subject and text the e-mail and the API carry, with the
agency, the date and the notice's id, so a printed copy can be matched to the record."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from burgerprofiel.compliance.notices.models import AgencyNotice


def notice_pdf(notice: AgencyNotice) -> bytes:
    from weasyprint import HTML  # heavy import, only when a PDF is made

    html = render_to_string(
        "agency_notices/notice.html",
        {
            "notice": notice,
            "agency": notice.agency,
            "sent_at": timezone.localtime(notice.created_at),
            "made_at": timezone.localtime(),
        },
    )
    # No base_url: the PDF loads nothing from anywhere (no network, no files).
    return bytes(HTML(string=html).write_pdf())
