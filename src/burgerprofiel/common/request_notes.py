"""Typed state a surface keeps about one request (as Zulip's ``RequestNotes``).

Instead of attributes stuck on ``HttpRequest`` (untyped, found by grep at best), each surface
declares a dataclass of what it learns about a request and reads it back through this helper. The
notes live as long as the request object does.

Design note. The notes are kept on the request itself (one private attribute, a dict by kind of
notes), not in a ``WeakKeyDictionary`` keyed by the request: there, notes that referred back to
their request (the API's order guard keeps a closure that re-checks the request) kept their own
weak key alive, so every API request a process ever served stayed in memory, and each full garbage
collection walked all of them. On the request, such a reference is an ordinary cycle that the
collector frees with the request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.http import HttpRequest

T = TypeVar("T")

_ATTRIBUTE = "_burgerprofiel_notes"


class RequestNotes(Generic[T]):
    def __init__(self, factory: Callable[[], T]) -> None:
        self._factory = factory

    def of(self, request: HttpRequest) -> T:
        """This request's notes, made empty the first time they are asked for."""
        kept: dict[RequestNotes[Any], Any] | None = request.__dict__.get(_ATTRIBUTE)
        if kept is None:
            kept = request.__dict__[_ATTRIBUTE] = {}
        notes = kept.get(self)
        if notes is None:
            notes = kept[self] = self._factory()
        return notes
