"""A portal page, once answered, leaves no request behind."""

from __future__ import annotations

import gc
import weakref

import pytest

from burgerprofiel.conftest import login_citizen
from burgerprofiel.notifications.tests.factories import INSZ

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path", ["/overzicht", "/mijn-dossiers/", "/meldingen", "/contactvoorkeuren", "/wie-bekeek-mijn-gegevens"]
)
def test_a_portal_page_leaves_no_request_behind(client, path):
    login_citizen(client, INSZ)
    answers = [client.get(path) for _ in range(2)]
    assert [a.status_code for a in answers] == [200, 200]
    freed = weakref.ref(answers[-1].wsgi_request)
    del answers
    gc.collect()
    assert freed() is None
