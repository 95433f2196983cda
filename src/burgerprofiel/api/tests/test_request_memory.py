"""A served API request is freed once answered: nothing the API keeps per process holds on to it."""

from __future__ import annotations

import gc
import json
import weakref

import pytest
from django.db import connection

from burgerprofiel.api.auth import order_guard_of
from burgerprofiel.notifications.tests.factories import INSZ, PRODUCT

pytestmark = pytest.mark.django_db

NOTIFICATION = {"insz": INSZ, "message": "Uw dossier is afgerond.", "ipdc_product": PRODUCT}


def test_a_push_answered_on_the_kept_order_read_leaves_no_request_behind(client, auth_headers):
    if connection.vendor != "postgresql":
        pytest.skip("the push keeps its order guard for its write on PostgreSQL; elsewhere it checks at once")
    answers = [
        client.post("/api/v1/notifications", json.dumps(NOTIFICATION), content_type="application/json", **auth_headers)
        for _ in range(2)
    ]
    assert [a.status_code for a in answers] == [202, 202], answers[-1].content
    # The second push ran on the kept client and orders: its notes hold the order guard, whose
    # re-check (``explain``) is a closure. That guard used to keep the request alive for good.
    request = answers[-1].wsgi_request
    assert order_guard_of(request) is not None
    freed = weakref.ref(request)
    del request, answers
    gc.collect()
    assert freed() is None
