"""Text a database cannot store is malformed input.

PostgreSQL refuses NUL characters in text, and lone UTF-16 surrogates cannot be encoded at all;
either would surface as a 500 deep in a write. Refusing them where input is read (a JSON body, a
query string, an NDJSON line) answers 400 and stores nothing (DESIGN rule 5).
"""

from __future__ import annotations

import re
from typing import Any

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# In UTF-8 JSON text that parses, NUL and surrogates can only arrive escaped (raw control characters
# and raw surrogates are invalid JSON or invalid UTF-8): without such an escape there is nothing to
# walk. Text in UTF-16 or UTF-32 (which json.loads also reads) always holds NUL bytes, and is walked.
_SUSPECT_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")


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


def may_hold_unstorable(raw: bytes) -> bool:
    """False when JSON text ``raw`` cannot hold a NUL or a lone surrogate (no escape that could be one)."""
    return b"\x00" in raw or _SUSPECT_ESCAPE.search(raw) is not None
