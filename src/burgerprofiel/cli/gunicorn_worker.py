"""gunicorn as ``burgerprofiel serve`` runs it: its own refusals are problem+json too.

gunicorn answers some requests itself, before Django sees them: a request line longer than
``limit_request_line`` (414), too many or too large header fields (431), a request it cannot parse
(400). It writes those as a small HTML page; every other error of the platform is problem+json
(RFC 9457, DESIGN rule 5), so this worker turns that page into problem+json as it is written. Its
limits cannot simply be raised above what Django refuses itself: gunicorn caps a request line at
8190 bytes whatever it is configured to.

The message gunicorn puts in its page is left out: it quotes the request line or a header, which
may carry personal data.
"""

from __future__ import annotations

import json
import socket
from http import HTTPStatus
from typing import Any

from gunicorn.workers.gthread import ThreadWorker

from burgerprofiel.common.errors import PROBLEM_BASE
from burgerprofiel.common.problem import PROBLEM_CONTENT_TYPE

# Per status gunicorn answers itself: the problem's code, title and detail (Dutch, as the API's).
GUNICORN_PROBLEMS: dict[int, tuple[str, str, str]] = {
    400: ("malformed-request", "Onleesbare aanvraag", "De aanvraag kon niet gelezen worden."),
    403: ("forbidden", "Geen toegang", "Deze aanvraag is niet toegelaten."),
    414: ("uri-too-long", "Adres te lang", "Het adres van de aanvraag (pad en querystring) is te lang."),
    417: ("expectation-failed", "Verwachting niet ondersteund", "De Expect-header wordt niet ondersteund."),
    431: ("request-header-fields-too-large", "Headers te groot", "De aanvraag heeft te veel of te grote headers."),
    500: ("internal-error", "Interne fout", "Er liep iets mis; probeer later opnieuw."),
    501: ("not-implemented", "Niet ondersteund", "Deze transfer-codering wordt niet ondersteund."),
}


def problem_answer(status: int) -> bytes:
    """A complete HTTP/1.1 problem+json answer for a status gunicorn answers itself; the connection closes."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    code, title, detail = GUNICORN_PROBLEMS.get(status, (f"http-{status}", phrase, phrase))
    body = json.dumps(
        {"type": PROBLEM_BASE + code, "title": title, "status": status, "detail": detail}, ensure_ascii=False
    ).encode()
    head = (
        f"HTTP/1.1 {status} {phrase}\r\nConnection: close\r\nContent-Type: {PROBLEM_CONTENT_TYPE}\r\n"
        f"Content-Length: {len(body)}\r\nCache-Control: no-store\r\n\r\n"
    )
    return head.encode("latin-1") + body


class _ProblemJsonErrors:
    """The client socket as gunicorn's ``handle_error`` sees it: the error page it writes (its one
    write) goes out as problem+json with the same status; everything else is the socket's own."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)

    def sendall(self, data: bytes) -> None:
        status_line = data.split(b"\r\n", 1)[0].split()
        if len(status_line) >= 2 and status_line[0].startswith(b"HTTP/") and status_line[1].isdigit():
            data = problem_answer(int(status_line[1]))
        self._sock.sendall(data)


class ProblemJsonThreadWorker(ThreadWorker):
    """gunicorn's gthread worker, answering what it refuses itself in problem+json."""

    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        super().handle_error(req, _ProblemJsonErrors(client), addr, exc)
