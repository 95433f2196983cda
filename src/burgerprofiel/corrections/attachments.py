"""The attachment of an error report: which files are accepted, decided by their content.

A file's name and the browser's Content-Type are claims; the first bytes are not. A PDF, JPEG or
PNG is recognised by its signature, anything else is refused, whatever it calls itself.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_BYTES = 10 * 1024 * 1024  # issue 12: up to 10 MB
FILENAME_MAX = 200

SIGNATURES: list[tuple[bytes, str, str]] = [
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
]


@dataclass(frozen=True)
class AttachmentIn:
    filename: str
    content: bytes


def sniffed_type(content: bytes) -> str | None:
    """The content type the bytes are, or None when they are none of the accepted kinds."""
    for signature, content_type, _ in SIGNATURES:
        if content.startswith(signature):
            return content_type
    return None


def extension_of(content_type: str) -> str:
    return next(ext for _, kind, ext in SIGNATURES if kind == content_type)


def safe_filename(name: str, content_type: str) -> str:
    """The name without any path, control characters or quotes, ending in the extension of what it is."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '"<>;').strip(" .")
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return f"{(stem or 'bijlage')[: FILENAME_MAX - 5]}.{extension_of(content_type)}"
