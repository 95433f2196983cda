"""What a processing order version says and what it changed, in Dutch words (not JSON).

One wording for every surface that shows an order's history: the back-office (order page,
Geschiedenis) and the CLI (``burgerprofiel order show``).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model

from burgerprofiel.agencies.catalogue import CATEGORIES, Component
from burgerprofiel.agencies.models import ProcessingOrderVersion


def component_label(value: str) -> str:
    return str(Component(value).label) if value in Component.values else value


def category_label(component: str, category: str) -> str:
    return CATEGORIES.get(component, {}).get(category, category)


def validity_text(version: ProcessingOrderVersion) -> str:
    start = version.valid_from.strftime("%d-%m-%Y") if version.valid_from else "ondertekening"
    end = f"tot en met {version.valid_until.strftime('%d-%m-%Y')}" if version.valid_until else "voor onbepaalde duur"
    return f"Vanaf {start}, {end}"


def version_change_lines(version: ProcessingOrderVersion, previous: ProcessingOrderVersion | None) -> list[str]:
    """What ``version`` changed against ``previous`` (the first version: what it started with)."""
    lines: list[str] = []
    if previous is None:
        lines.append(f"Aangemaakt ({version.get_state_display().lower()})")
        if version.components:
            lines.append("Componenten: " + ", ".join(component_label(c) for c in version.components))
        return lines
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
    return lines


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
