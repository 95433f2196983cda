"""A small progress bar with an ETA, on stderr (no dependency for one line of output)."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """``update(done, rows=...)`` redraws at most a few times a second; on a terminal one line
    rewritten in place, elsewhere (a log file, CI) a line every few seconds."""

    def __init__(self, total: int, *, label: str, stream: TextIO | None = None, width: int = 30) -> None:
        self.total, self.label, self.width = max(total, 1), label, width
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.started = time.monotonic()
        self.drawn_at = 0.0
        self.done = 0
        self.rows = 0

    def update(self, done: int, *, rows: int = 0) -> None:
        self.done, self.rows = done, rows
        now = time.monotonic()
        if now - self.drawn_at >= (0.2 if self.tty else 5.0) or done >= self.total:
            self.drawn_at = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        elapsed = max(now - self.started, 1e-6)
        fraction = min(self.done / self.total, 1.0)
        filled = int(fraction * self.width)
        bar = "#" * filled + "-" * (self.width - filled)
        eta = (elapsed / fraction - elapsed) if fraction > 0 else 0.0
        line = (
            f"{self.label} [{bar}] {fraction:6.1%} {self.done:,}/{self.total:,}  {self.rows / elapsed:,.0f} rijen/s  "
            f"verstreken {_clock(elapsed)}  nog {_clock(eta) if fraction > 0 else '?'}"
        )
        self.stream.write(("\r" + line) if self.tty else (line + "\n"))
        self.stream.flush()

    def close(self) -> float:
        """Finish the line; returns the seconds taken."""
        now = time.monotonic()
        self._draw(now)
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
        return now - self.started


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
