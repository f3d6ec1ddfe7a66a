"""A tenant that stops answering mid-run: after N requests to one host, or when told to.

``refuse`` closes the listening socket (new connections: connection refused) and resets the
connections already open; ``reset`` keeps listening and resets every connection (RST, no
answer). Chromium reports them as ``net::ERR_CONNECTION_REFUSED`` / ``ERR_CONNECTION_RESET``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from .faults import OutageMode


class Outage:
    """Counts the requests to ``host``; from request ``after + 1`` on, nothing is answered."""

    def __init__(self, host: str | None = None, after: int = 0, mode: OutageMode = "refuse"):
        self.host, self.after, self.mode = host, max(0, after), mode
        self.answered = 0
        self.down: OutageMode | None = None
        self.on_down: Callable[[OutageMode], None] | None = None
        self._lock = threading.Lock()

    def admit(self, host: str | None) -> bool:
        """Whether a request to ``host`` (None: a new connection) may be answered."""
        with self._lock:
            counts = self.down is None and host is not None and host == self.host
            if not counts:
                return self.down is None
            if self.answered < self.after:
                self.answered += 1
                return True
            self.down = self.mode
        self._went_down(self.mode)
        return False

    def stop_answering(self, mode: OutageMode | None = None) -> None:
        """Stop answering now (``mode`` defaults to the configured one)."""
        with self._lock:
            if self.down is not None:
                return
            self.down = mode or self.mode
        self._went_down(self.down)

    def _went_down(self, mode: OutageMode) -> None:
        if self.on_down is not None:
            self.on_down(mode)
