"""Cutting a stream of records into NDJSON request bodies that each fit the platform's limits.

The records come from any iterable and are read lazily, so a bulk upload of a million dossiers
holds one body in memory at a time, never the whole stream.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any


class RecordTooLarge(ValueError):
    """One record alone is larger than a request body may be."""


@dataclass(frozen=True)
class Chunk:
    body: bytes
    lines: int
    first_line: int  # 1-based number of the chunk's first line in the whole stream


def ndjson_line(record: Any) -> bytes:
    """One record as a line of NDJSON (compact, UTF-8, ending in a newline)."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def ndjson_chunks(records: Iterable[Any], *, max_bytes: int, max_lines: int) -> Iterator[Chunk]:
    """Bodies of at most ``max_bytes`` bytes and ``max_lines`` lines, in order."""
    if max_bytes < 2 or max_lines < 1:
        raise ValueError("max_bytes and max_lines must leave room for at least one record")
    parts: list[bytes] = []
    size = 0
    first = 1
    for number, record in enumerate(records, start=1):
        line = ndjson_line(record)
        if len(line) > max_bytes:
            raise RecordTooLarge(f"record {number} is {len(line)} bytes; a request body may hold {max_bytes}")
        if parts and (size + len(line) > max_bytes or len(parts) >= max_lines):
            yield Chunk(b"".join(parts), len(parts), first)
            first += len(parts)
            parts, size = [], 0
        parts.append(line)
        size += len(line)
    if parts:
        yield Chunk(b"".join(parts), len(parts), first)
