"""A scripted HTTP peer for the retry rules: a real server on a free port that answers each path
with the replies queued for it (a status, or ``DROP`` to close the connection unanswered). The live
platform cannot be made to answer 503 or 409 "in progress" on cue; this peer can."""

from __future__ import annotations

import json
import threading
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

DROP = "drop"


@dataclass
class Reply:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"


def problem(status: int, code: str, **headers: str) -> Reply:
    body = {"type": f"https://burgerprofiel.example/problems/{code}", "title": code, "status": status, "detail": code}
    return Reply(status, body, headers, "application/problem+json")


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class ScriptedServer:
    def __init__(self) -> None:
        self.replies: dict[str, deque[Reply | str]] = defaultdict(deque)
        self.seen: list[Seen] = []
        self.tokens = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def script(self, path: str, *replies: Reply | str) -> None:
        self.replies[path].extend(replies)

    def to(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path.split("?")[0] == path]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def _any(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                path = self.path.split("?")[0]
                owner.seen.append(Seen(self.command, self.path, dict(self.headers), body))
                if path == "/oauth/token" and not owner.replies[path]:
                    owner.tokens += 1
                    reply: Reply | str = Reply(200, {"access_token": f"t{owner.tokens}", "expires_in": 300})
                else:
                    reply = owner.replies[path].popleft() if owner.replies[path] else Reply(200, {})
                if reply == DROP:
                    self.close_connection = True
                    self.connection.close()
                    return
                assert isinstance(reply, Reply)
                data = b"" if reply.body is None else json.dumps(reply.body).encode()
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(data)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_DELETE = _any

        return Handler
