"""Reading the platform's JSON answers into typed models."""

from __future__ import annotations

from typing import Any, TypeVar

import httpx
from pydantic import TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from burgerprofiel_client.errors import UnexpectedResponse

T = TypeVar("T")


_ADAPTERS: dict[Any, TypeAdapter[Any]] = {}


def _adapter(model: Any) -> TypeAdapter[Any]:
    # Building an adapter costs more than validating a small answer: one per type, kept.
    adapter = _ADAPTERS.get(model)
    if adapter is None:
        adapter = _ADAPTERS[model] = TypeAdapter(model)
    return adapter


def parse(model: type[T], response: httpx.Response) -> T:
    """The response's JSON as ``model``; :class:`UnexpectedResponse` when it does not fit."""
    try:
        return _adapter(model).validate_json(response.content)  # type: ignore[no-any-return]
    except PydanticValidationError as exc:
        raise UnexpectedResponse(
            f"{response.request.method} {response.request.url.path} answered an unexpected body: {exc}"
        ) from exc
