"""A TCP proxy in front of the platform that can lose an answer: it forwards a request, lets the
platform act and answer, then cuts the connection instead of passing the answer on. That is the
failure an ``Idempotency-Key`` exists for: the client cannot tell whether its request acted."""

from __future__ import annotations

import contextlib
import socket
import threading
from dataclasses import dataclass, field


@dataclass
class DroppingProxy:
    upstream_port: int
    drop_marker: bytes = b""
    drops_left: int = 0
    dropped: list[bytes] = field(default_factory=list)  # the answers the client never saw
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self._stopping = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def drop_next_answer_to(self, marker: bytes, times: int = 1) -> None:
        """The next ``times`` requests whose bytes contain ``marker`` act, but their answer is lost."""
        with self._lock:
            self.drop_marker, self.drops_left = marker, times

    def close(self) -> None:
        self._stopping = True
        with contextlib.suppress(OSError):
            self.listener.close()

    def _accept(self) -> None:
        while not self._stopping:
            try:
                downstream, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            armed = threading.Event()
            threading.Thread(target=self._requests, args=(downstream, upstream, armed), daemon=True).start()
            threading.Thread(target=self._answers, args=(upstream, downstream, armed), daemon=True).start()

    def _requests(self, downstream: socket.socket, upstream: socket.socket, armed: threading.Event) -> None:
        with contextlib.suppress(OSError):
            while data := downstream.recv(65536):
                with self._lock:
                    if self.drops_left and self.drop_marker and self.drop_marker in data:
                        self.drops_left -= 1
                        armed.set()
                upstream.sendall(data)
        with contextlib.suppress(OSError):
            upstream.shutdown(socket.SHUT_WR)

    def _answers(self, upstream: socket.socket, downstream: socket.socket, armed: threading.Event) -> None:
        with contextlib.suppress(OSError):
            while data := upstream.recv(65536):
                if armed.is_set():
                    self.dropped.append(data)
                    break  # the platform answered: cut both sides without passing the answer on
                downstream.sendall(data)
        for sock in (downstream, upstream):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
