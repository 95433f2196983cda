"""The JSON body parser of the agency APIs: text a database cannot store is malformed input (``common.text``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.parser import Parser

from burgerprofiel.common.text import check_storable, may_hold_unstorable


class StorableJsonParser(Parser):
    def parse_body(self, request: HttpRequest) -> Any:
        parsed = super().parse_body(request)
        return check_storable(parsed) if may_hold_unstorable(request.body) else parsed
