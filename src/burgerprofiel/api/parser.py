"""The JSON body parser of the agency APIs: text a database cannot store is malformed input.

PostgreSQL refuses NUL characters in text, and lone UTF-16 surrogates cannot be encoded at all;
either would surface as a 500 deep in a write. Refusing them while parsing answers 400 and stores
nothing (DESIGN rule 5).
"""

from __future__ import annotations

import re
from typing import Any

from django.http import HttpRequest
from ninja.parser import Parser

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class UnstorableText(ValueError):
    pass


def check_storable(value: Any) -> Any:
    if isinstance(value, str):
        if _UNSTORABLE.search(value):
            raise UnstorableText("text holds a NUL character or a lone surrogate")
    elif isinstance(value, dict):
        for key, item in value.items():
            check_storable(key)
            check_storable(item)
    elif isinstance(value, list):
        for item in value:
            check_storable(item)
    return value


class StorableJsonParser(Parser):
    def parse_body(self, request: HttpRequest) -> Any:
        return check_storable(super().parse_body(request))
