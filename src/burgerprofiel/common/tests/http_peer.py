"""A real HTTP server for tests of outbound calls: records every request, answers as scripted.

Binds to any loopback address (127.0.0.2 too: the whole 127/8 is loopback on Linux), on a free
port or a given one, optionally with TLS (a ``trustme`` certificate).
"""

from __future__ import annotations

import ssl
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    delay: float = 0.0


class HttpPeer:
    """``script``: answers used in order, then ``default`` (or ``answer(recorded)`` when given)."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        default: Answer | None = None,
        answer: Callable[[Recorded], Answer] | None = None,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.requests: list[Recorded] = []
        self.script: deque[Answer] = deque()
        self.default = default or Answer()
        self.answer = answer
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer((host, port), self._handler())
        self.server.daemon_threads = True
        self.server.handle_error = lambda request, client_address: None  # type: ignore[method-assign]
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.host = host
        self.port = int(self.server.server_address[1])
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str = "/", *, host: str | None = None, scheme: str = "http") -> str:
        return f"{scheme}://{host or self.host}:{self.port}{path}"

    def start(self) -> HttpPeer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _next(self, recorded: Recorded) -> Answer:
        with self.lock:
            self.requests.append(recorded)
            if self.script:
                return self.script.popleft()
        return self.answer(recorded) if self.answer else self.default

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        peer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                recorded = Recorded(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                answer = peer._next(recorded)
                if answer.delay:
                    threading.Event().wait(answer.delay)
                self.send_response(answer.status)
                self.send_header("Content-Type", answer.content_type)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

            do_GET = do_POST = do_PUT = _serve

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


@dataclass
class Resolver:
    """A stub for ``socket.getaddrinfo``: names in ``answers`` resolve as scripted (one list of
    addresses per call, the last one repeated), everything else as the real resolver says."""

    real: Callable[..., Any]
    answers: dict[str, list[list[str]]] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)

    def __call__(self, host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name not in self.answers:
            return self.real(host, port, *args, **kwargs)
        count = self.calls.get(name, 0)
        self.calls[name] = count + 1
        script = self.answers[name]
        addresses = script[min(count, len(script) - 1)]
        results = []
        for address in addresses:
            results += self.real(address, port, *args, **kwargs)
        return results
