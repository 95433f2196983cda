"""A processing order version as staff read it: readable lists instead of JSON, and what changed.

Used by the read-only summary of the version in force (auditors, terminated orders), by the
history inline on the order page and by the order's "Geschiedenis" page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from burgerprofiel.agencies.models import ProcessingOrderVersion
from burgerprofiel.agencies.order_diff import (
    author_name,
    category_label,
    component_label,
    usernames_for,
    version_change_lines,
)

__all__ = ["author_name", "usernames_for"]


def _empty(text: str) -> SafeString:
    return format_html("<span class='quiet'>{}</span>", text)


def components_html(version: ProcessingOrderVersion) -> SafeString:
    if not version.components:
        return _empty("geen componenten besteld")
    return format_html(
        "<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((component_label(c),) for c in version.components))
    )


def categories_html(version: ProcessingOrderVersion) -> SafeString:
    if not version.components:
        return _empty("geen")
    items = []
    for component in version.components:
        categories = version.categories_for(component)
        inner = (
            format_html(
                "<ul>{}</ul>",
                format_html_join("", "<li>{}</li>", ((category_label(component, c),) for c in categories)),
            )
            if categories
            else _empty("geen categorieën")
        )
        items.append((component_label(component), inner))
    return format_html("<ul>{}</ul>", format_html_join("", "<li>{}: {}</li>", items))


def retention_html(version: ProcessingOrderVersion) -> SafeString:
    if not version.components:
        return _empty("geen")
    items = ((component_label(c), version.retention_for(c)) for c in version.components)
    return format_html("<ul>{}</ul>", format_html_join("", "<li>{}: {} dagen</li>", items))


def text_or_empty(value: str, empty: str = "niet ingevuld") -> str | SafeString:
    return value if value else _empty(empty)


@dataclass
class VersionChanges:
    """What one version changed against the one before (the first version: what it started with)."""

    lines: list[str] = field(default_factory=list)

    def html(self) -> SafeString:
        if not self.lines:
            return _empty("geen inhoudelijke wijziging")
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((line,) for line in self.lines)))


def version_changes(version: ProcessingOrderVersion, previous: ProcessingOrderVersion | None) -> VersionChanges:
    return VersionChanges(version_change_lines(version, previous))


HISTORY_PAGE_PARAM = "versies"
HISTORY_PER_PAGE = 10


def history_page(versions: list[ProcessingOrderVersion], number: str | None) -> Page:
    """One page of ``history_rows``: the newest ``HISTORY_PER_PAGE`` versions first."""
    return Paginator(history_rows(versions), HISTORY_PER_PAGE).get_page(number)


def history_rows(versions: list[ProcessingOrderVersion]) -> list[dict[str, Any]]:
    """Newest first: number, state, what changed, why, who, when."""
    ordered = sorted(versions, key=lambda v: v.number)
    names = usernames_for(ordered)
    rows = []
    previous = None
    for version in ordered:
        rows.append(
            {
                "version": version,
                "changes": version_changes(version, previous).html(),
                "author": author_name(version.created_by, names),
            }
        )
        previous = version
    return list(reversed(rows))
