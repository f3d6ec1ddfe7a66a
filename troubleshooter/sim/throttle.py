"""Throttling of photo requests: ``429`` with ``Retry-After`` when one account asks too fast.

SharePoint Online and Microsoft Graph answer 429 (or 503) with ``Retry-After`` in seconds
(learn.microsoft.com, "Avoid getting throttled or blocked in SharePoint Online"; Graph
"throttling.md"); RFC 9110 also allows an HTTP-date there, so the sim can send either.
Limits are per user, so the bucket is keyed by the signed-in session. Off unless
``SimOptions.throttle_rate`` is set.
"""

from __future__ import annotations

import re
import threading
import time
from email.utils import formatdate
from http import HTTPStatus

from .web import Request, Response, Router, text

# What is throttled: the photo endpoints a check hammers.
PHOTO_PATHS = re.compile(r".*(GetPersonaPhoto|userphoto\.aspx|afdcache\.ashx).*", re.IGNORECASE)
SESSION_NAMES = ("FedAuth", "OpenIdConnect.token.v1", "OhpSession")


class Throttle:
    """A token bucket per session: ``rate`` requests per second, bursts of ``burst``."""

    def __init__(
        self, rate: float, burst: int, retry_after_s: int, http_date: bool = False
    ) -> None:
        self.rate, self.burst = rate, max(1, burst)
        self.retry_after_s, self.http_date = max(1, retry_after_s), http_date
        self._buckets: dict[str, tuple[float, float]] = {}
        self._blocked_until: dict[str, float] = {}
        self._lock = threading.Lock()
        self.throttled = 0
        """How many requests were answered 429 so far."""

    def admit(self, key: str) -> bool:
        now = time.monotonic()
        with self._lock:
            if self._blocked_until.get(key, 0.0) > now:
                self.throttled += 1
                return False
            tokens, last = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            if tokens < 1.0:
                # Like SharePoint: after a 429 the account waits Retry-After, whoever asks.
                self._blocked_until[key] = now + self.retry_after_s
                self._buckets[key] = (tokens, now)
                self.throttled += 1
                return False
            self._buckets[key] = (tokens - 1.0, now)
            return True

    def response(self) -> Response:
        return retry_response(429, self.retry_after_s, self.http_date)


def retry_response(status: int, retry_after_s: int, http_date: bool = False) -> Response:
    """A ``429`` or ``503`` that asks the client to come back after ``retry_after_s``."""
    if http_date:
        after = formatdate(time.time() + retry_after_s + 1, usegmt=True)
    else:
        after = str(retry_after_s)
    resp = text(HTTPStatus(status).phrase, status)
    return resp.header("Retry-After", after).header("Cache-Control", "no-store")


class ThrottledRouter(Router):
    """A router whose photo routes answer 429 while the caller's session is over its rate."""

    def __init__(self, router: Router, throttle: Throttle) -> None:
        super().__init__()
        self.router, self.throttle = router, throttle

    def dispatch(self, req: Request) -> Response:
        if PHOTO_PATHS.fullmatch(req.path):
            session = next((req.cookies[n] for n in SESSION_NAMES if n in req.cookies), "")
            key = f"{req.host}|{session}"
            if not self.throttle.admit(key):
                return self.throttle.response()
        return self.router.dispatch(req)
