"""Request notes live exactly as long as their request, also when they refer back to it."""

from __future__ import annotations

import gc
import weakref
from dataclasses import dataclass
from typing import Any

from django.test import RequestFactory

from burgerprofiel.common.request_notes import RequestNotes


@dataclass
class _Notes:
    seen: int = 0
    back: Any = None  # e.g. a closure that checks the request again


def test_notes_are_kept_per_request_and_per_kind():
    first, second = RequestNotes(_Notes), RequestNotes(_Notes)
    one, other = RequestFactory().get("/"), RequestFactory().get("/")
    first.of(one).seen = 1
    second.of(one).seen = 2
    assert (first.of(one).seen, second.of(one).seen, first.of(other).seen) == (1, 2, 0)
    assert first.of(one) is first.of(one)


def test_notes_that_refer_back_to_their_request_do_not_keep_it_alive():
    notes_of = RequestNotes(_Notes)
    request = RequestFactory().post("/api/v1/notifications")
    notes_of.of(request).back = lambda kept=request: kept.path  # as the API's order guard keeps its re-check
    gone = weakref.ref(request)
    del request
    gc.collect()
    assert gone() is None
