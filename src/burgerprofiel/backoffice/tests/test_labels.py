"""Issue 16, item 1: the back-office speaks Dutch on every page, to operators and to auditors.

Every page (lists, a sample object's page and history, add pages where the role may add) is
read as a browser shows it; it fails on an English field label (Django's label made up from the
field name, "Created at", "Is active", ...) and on "None" shown for a value.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client
from django.utils.text import capfirst

from burgerprofiel.backoffice.site import site
from burgerprofiel.backoffice.tests.conftest import logged_in, make_staff
from burgerprofiel.backoffice.tests.samples import backoffice_pages, make_samples

pytestmark = pytest.mark.django_db

ISSUE_EXAMPLES = ["Created at", "Agency", "Is active", "Occurred at", "Actor id", "Tree size", "Kek id"]
DUTCH_TOO = {"Id", "Details", "Model"}  # made-up English labels that are Dutch words as well
# Apps whose models still carry English labels, owned by another change (their own migration is due):
# their pages are left out of the walk until then. Remove an app here once its labels are Dutch.
PENDING_APPS: set[str] = set()


def english_labels() -> set[str]:
    """Django's made-up label of every field of every model the back-office shows, unless that is Dutch too."""
    found = set(ISSUE_EXAMPLES)
    for model in site._registry:
        if model._meta.app_label in PENDING_APPS:
            continue
        for field in model._meta.concrete_fields:
            english = capfirst(field.name.replace("_", " "))
            if english != capfirst(str(field.verbose_name)):
                found.add(english)
    return found - DUTCH_TOO


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "template"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> list[str]:
    reader = _Text()
    reader.feed(html)
    return reader.parts


def english_on(html: str, labels: set[str]) -> list[str]:
    found = []
    for part in visible_text(html):
        for label in labels:
            if re.search(rf"(?<![\w-]){re.escape(label)}(?![\w-])", part):
                found.append(f"{label!r} in {part[:80]!r}")
        if re.search(r"(?<![\w-])None(?![\w-])", part):
            found.append(f"None in {part[:80]!r}")
    return found


def test_the_label_list_holds_the_english_labels_of_the_issue() -> None:
    labels = english_labels()
    assert {"Created at", "Kek id", "Tree size", "Occurred at"} <= labels
    assert english_on("<th>Created at</th><td>None</td>", labels) == [
        "'Created at' in 'Created at'",
        "None in 'None'",
    ]
    assert english_on("<th>Aangemaakt op</th><td>-</td>", labels) == []


@pytest.mark.parametrize("role", ["operator", "auditor"])
def test_every_backoffice_page_is_dutch_and_shows_no_none(role: str) -> None:
    make_samples()
    client = logged_in(make_staff(role, f"{role}.test"))
    labels = english_labels()
    problems: dict[str, Any] = {}
    walked = 0
    for url in backoffice_pages(client):
        if url.split("/")[2] in PENDING_APPS:
            continue
        response = client.get(url, follow=True)  # "Geschiedenis" leads to the audit list
        if url.endswith("/add/") and response.status_code == 403:
            continue  # this role may not add here; the 403 page itself is walked below
        assert response.status_code == 200, (url, response.status_code)
        walked += 1
        found = english_on(response.content.decode(), labels)
        if found:
            problems[url] = found
    for url in ("/backoffice/bestaat-niet/", "/backoffice/auth/group/"):
        response = client.get(url)
        assert response.status_code == 404, url
        found = english_on(response.content.decode(), labels | {"Not Found", "Forbidden"})
        if found:
            problems[url] = found
    assert walked > 25
    assert not problems, "\n".join(f"{u}: {sorted(set(p))}" for u, p in problems.items())


def test_a_missing_backoffice_page_is_branded_and_dutch(operator_client: Client) -> None:
    response = operator_client.get("/backoffice/bestaat-niet/")

    assert response.status_code == 404
    page = response.content.decode()
    assert "Pagina niet gevonden" in page
    assert "Burgerprofiel" in page
    assert 'id="user-tools"' in page  # the back-office's own frame, with the way back


def test_a_page_the_role_may_not_open_is_a_branded_403(auditor_client: Client) -> None:
    response = auditor_client.get("/backoffice/agencies/agency/add/")

    assert response.status_code == 403
    assert "Geen toegang" in response.content.decode()


def test_filters_are_titled_without_django_s_op(auditor_client: Client, agency: Any) -> None:
    page = auditor_client.get("/backoffice/audit/auditevent/").content.decode()

    assert "Op " not in " ".join(visible_text(page))
    assert "<summary>Uitkomst</summary>" in page


def test_titles_start_with_a_capital(operator_client: Client, agency: Any) -> None:
    page = operator_client.get(f"/backoffice/agencies/agency/{agency.agency_id}/change/").content.decode()

    assert "<h1>Instantie wijzigen</h1>" in page


def test_english_is_the_second_language(operator_client: Client, agency: Any) -> None:
    operator_client.cookies["bp_taal"] = "en"
    page = operator_client.get("/backoffice/agencies/apiclient/").content.decode()

    assert "Created at" in page
    assert "Aangemaakt op" not in page


def test_date_and_time_inputs_each_have_a_label() -> None:
    from django.contrib.admin.widgets import AdminSplitDateTime

    html = AdminSplitDateTime().render("detected_at", None, attrs={"id": "id_detected_at"})

    assert '<label for="id_detected_at_0">Datum:</label>' in html
    assert '<label for="id_detected_at_1">Tijd:</label>' in html
