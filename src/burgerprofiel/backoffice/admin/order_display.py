"""A processing order version as staff read it: readable lists instead of JSON, and what changed.

Used by the read-only summary of the version in force (auditors, terminated orders), by the
history inline on the order page and by the order's "Geschiedenis" page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.paginator import Page, Paginator
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from burgerprofiel.agencies.catalogue import CATEGORIES, Component
from burgerprofiel.agencies.models import ProcessingOrderVersion


def component_label(value: str) -> str:
    return str(Component(value).label) if value in Component.values else value


def category_label(component: str, category: str) -> str:
    return CATEGORIES.get(component, {}).get(category, category)


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


def validity_text(version: ProcessingOrderVersion) -> str:
    start = version.valid_from.strftime("%d-%m-%Y") if version.valid_from else "ondertekening"
    end = f"tot en met {version.valid_until.strftime('%d-%m-%Y')}" if version.valid_until else "voor onbepaalde duur"
    return f"Vanaf {start}, {end}"


def text_or_empty(value: str, empty: str = "niet ingevuld") -> str | SafeString:
    return value if value else _empty(empty)


def author_name(created_by: str, usernames: dict[int, str] | None = None) -> str:
    """``staff:1`` → the username; the CLI and other actors by what they are."""
    kind, _, ident = created_by.partition(":")
    if kind == "staff" and ident.isdigit():
        pk = int(ident)
        if usernames is not None and pk in usernames:
            return usernames[pk]
        user = get_user_model().objects.filter(pk=pk).first()
        return user.get_username() if user is not None else f"medewerker {pk} (verwijderd)"
    if kind == "staff" and ident:
        return f"opdrachtregel ({ident})"  # cli_actor: staff:<command>:<OS user>
    return created_by or "onbekend"


def usernames_for(versions: list[ProcessingOrderVersion]) -> dict[int, str]:
    ids = {
        int(ident)
        for kind, _, ident in (v.created_by.partition(":") for v in versions)
        if kind == "staff" and ident.isdigit()
    }
    User = get_user_model()
    return {user.pk: user.get_username() for user in User.objects.filter(pk__in=ids)}


@dataclass
class VersionChanges:
    """What one version changed against the one before (the first version: what it started with)."""

    lines: list[str] = field(default_factory=list)

    def html(self) -> SafeString:
        if not self.lines:
            return _empty("geen inhoudelijke wijziging")
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((line,) for line in self.lines)))


def version_changes(version: ProcessingOrderVersion, previous: ProcessingOrderVersion | None) -> VersionChanges:
    changes = VersionChanges()
    lines = changes.lines
    if previous is None:
        lines.append(f"Aangemaakt ({version.get_state_display().lower()})")
        if version.components:
            lines.append("Componenten: " + ", ".join(component_label(c) for c in version.components))
        return changes
    if previous.state != version.state:
        line = f"Status: {previous.get_state_display().lower()} → {version.get_state_display().lower()}"
        lines.append(f"{line} (reden: {version.state_reason})" if version.state_reason else line)
    before, after = set(previous.components), set(version.components)
    lines += [f"Component toegevoegd: {component_label(c)}" for c in version.components if c not in before]
    lines += [f"Component verwijderd: {component_label(c)}" for c in previous.components if c not in after]
    for component in version.components:
        if component not in before:
            continue
        old, new = set(previous.categories_for(component)), set(version.categories_for(component))
        label = component_label(component)
        lines += [f"{label}: categorie toegevoegd: {category_label(component, c)}" for c in sorted(new - old)]
        lines += [f"{label}: categorie verwijderd: {category_label(component, c)}" for c in sorted(old - new)]
        if previous.retention_for(component) != version.retention_for(component):
            lines.append(
                f"{label}: bewaartermijn {previous.retention_for(component)} → {version.retention_for(component)} dagen"
            )
    if (previous.valid_from, previous.valid_until) != (version.valid_from, version.valid_until):
        lines.append(f"Geldigheid: {validity_text(version)}")
    if previous.legal_basis != version.legal_basis:
        lines.append("Rechtsgrond gewijzigd")
    if previous.dpia_reference != version.dpia_reference:
        lines.append(f"GEB/DPIA-referentie: {version.dpia_reference or 'leeg'}")
    return changes


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
