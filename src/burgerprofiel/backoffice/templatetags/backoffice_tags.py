"""Template tags of the back-office."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from django import template
from django.db.models import Max, Min
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

register = template.Library()


@register.inclusion_tag("admin/date_hierarchy.html")
def cheap_date_hierarchy(cl: Any) -> dict[str, Any]:
    """Django's date hierarchy without its ``SELECT DISTINCT`` over every row (the audit table is the
    largest there is): one MIN/MAX through the index, then the years, months or days in between."""
    field = cl.date_hierarchy
    params = {key: cl.params.get(f"{field}__{key}") for key in ("year", "month", "day")}

    def link(filters: dict[str, Any]) -> str:
        return str(cl.get_query_string({f"{field}__{k}": v for k, v in filters.items()}, [f"{field}__"]))

    year, month, day = (int(v) if v and str(v).isdigit() else None for v in params.values())
    if year and month and day:
        date = dt.date(year, month, day)
        return {
            "show": True,
            "back": {"link": link({"year": year, "month": month}), "title": capfirst(_month_title(date))},
            "choices": [{"title": capfirst(formats.date_format(date, "MONTH_DAY_FORMAT"))}],
        }
    bounds = cl.queryset.aggregate(first=Min(field), last=Max(field))
    if not bounds["first"]:
        return {"show": bool(year), "back": {"link": link({}), "title": _("Alle datums")}, "choices": []}
    first, last = (timezone.localtime(bounds["first"]).date(), timezone.localtime(bounds["last"]).date())
    if year and month:
        days = (
            range(first.day, last.day + 1)
            if (first.year, first.month) == (last.year, last.month)
            else range(1, calendar.monthrange(year, month)[1] + 1)
        )
        return {
            "show": True,
            "back": {"link": link({"year": year}), "title": str(year)},
            "choices": [
                {
                    "link": link({"year": year, "month": month, "day": d}),
                    "title": capfirst(formats.date_format(dt.date(year, month, d), "MONTH_DAY_FORMAT")),
                }
                for d in days
            ],
        }
    if year is None and first.year == last.year:
        year = first.year
    if year:
        months = range(first.month, last.month + 1) if first.year == last.year else range(1, 13)
        return {
            "show": True,
            "back": {"link": link({}), "title": _("Alle datums")},
            "choices": [
                {"link": link({"year": year, "month": m}), "title": capfirst(_month_title(dt.date(year, m, 1)))}
                for m in months
            ],
        }
    return {
        "show": True,
        "back": None,
        "choices": [{"link": link({"year": y}), "title": str(y)} for y in range(first.year, last.year + 1)],
    }


def _month_title(date: dt.date) -> str:
    return str(formats.date_format(date, "YEAR_MONTH_FORMAT"))
