"""Typed state a surface keeps about one request (as Zulip's ``RequestNotes``).

Instead of attributes stuck on ``HttpRequest`` (untyped, found by grep at best), each surface
declares a dataclass of what it learns about a request and reads it back through this helper. The
notes live as long as the request object does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar
from weakref import WeakKeyDictionary

from django.http import HttpRequest

T = TypeVar("T")


class RequestNotes(Generic[T]):
    def __init__(self, factory: Callable[[], T]) -> None:
        self._factory = factory
        self._notes: WeakKeyDictionary[HttpRequest, T] = WeakKeyDictionary()

    def of(self, request: HttpRequest) -> T:
        """This request's notes, made empty the first time they are asked for."""
        notes = self._notes.get(request)
        if notes is None:
            notes = self._notes[request] = self._factory()
        return notes
