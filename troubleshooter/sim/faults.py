"""Faults the simulated tenant can be asked to show: slow, throttled, broken photo answers.

A :class:`Faults` spec lives in ``SimOptions.faults``; ``sim serve --fault NAME[=VALUE]`` builds
one with :func:`apply_fault`. :class:`FaultLayer` wraps the routers: latency applies to every
request, the rest only to SharePoint's photo endpoints (``userphoto.aspx`` and the CDN's
``afdcache.ashx``) on the SharePoint and My Site hosts. ``never_syncs`` is read by the lazy-sync
rule itself (``TenantState``): the trigger is logged, the refresh never comes due.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, fields
from typing import Literal

from .throttle import PHOTO_PATHS, retry_response
from .web import Request, Response, Router, text

PhotoBody = Literal["image", "corrupt-jpeg", "html"]
OutageHost = Literal["login", "home", "sharepoint", "my", "outlook"]
OutageMode = Literal["refuse", "reset"]
OUTAGE_HOSTS: tuple[OutageHost, ...] = ("login", "home", "sharepoint", "my", "outlook")
FAULT_STATUSES = (429, 500, 503)

# An error page served with 200 (assumed: what a proxy, a captive portal or SharePoint's own
# "Sorry, something went wrong" page would answer instead of the image).
ERROR_PAGE = (
    "<!DOCTYPE html><html><head><title>Error</title></head><body>"
    "<h1>Sorry, something went wrong</h1><p>An unexpected error has occurred.</p>"
    "</body></html>"
)


@dataclass
class Faults:
    """Which faults the tenant shows; the defaults show none."""

    latency_s: float = 0.0
    """Seconds added to every request, on every host."""
    photo_status: int = 0
    """Answer photo requests with this status (429, 503 or 500) instead of the photo; 0: never.
    429 and 503 carry ``Retry-After: retry_after_s``."""
    photo_status_count: int = 0
    """Only the first N photo requests get ``photo_status`` (a burst that clears); 0: all."""
    retry_after_s: int = 1
    photo_body: PhotoBody = "image"
    """``corrupt-jpeg``: the JPEG cut to a third; ``html``: an error page with 200 text/html."""
    photo_trickle_s: float = 0.0
    """Seconds between 256-byte chunks of a photo answer (a trickle); 0: all at once."""
    never_syncs: bool = False
    """The trigger is accepted and logged, but SharePoint's copy never refreshes."""
    signin_changed: bool = False
    """The sign-in page's first view in a new layout with renamed ids, names and labels, which
    no target of the tool's page map knows (a person can still sign in on it)."""
    people_changed: bool = False
    """The People web part's entries in Fluent UI v9 markup (``fui-Persona``) instead of v8's
    ``ms-Persona``, so the tool does not find the user's entry."""
    outage_host: OutageHost | None = None
    """The host whose requests count towards an outage; None: the tenant never stops."""
    outage_after: int = 0
    """Requests to ``outage_host`` answered before the whole tenant stops answering."""
    outage_mode: OutageMode = "refuse"
    """How it stops: ``refuse`` closes the listener (connection refused) and resets open
    connections; ``reset`` keeps listening but resets every connection."""

    @property
    def any(self) -> bool:
        return self != Faults()


# name → (what it does, the field it sets, the value without "=VALUE" or None if required)
FAULTS: dict[str, tuple[str, str, object]] = {
    "latency": ("add SECONDS (default 0.3) to every request", "latency_s", 0.3),
    "photo-429": ("answer every photo request 429 with Retry-After", "photo_status", 429),
    "photo-429-burst": (
        "answer the first N (default 3) photo requests 429, then the photos",
        "photo_status_count",
        3,
    ),
    "photo-503": ("answer every photo request 503 with Retry-After", "photo_status", 503),
    "photo-500": ("answer every photo request 500", "photo_status", 500),
    "retry-after": ("SECONDS in Retry-After of those answers (default 1)", "retry_after_s", 1),
    "photo-corrupt-jpeg": ("serve a truncated JPEG for each photo", "photo_body", "corrupt-jpeg"),
    "photo-html": (
        "serve an HTML error page (200, text/html) for each photo",
        "photo_body",
        "html",
    ),
    "photo-trickle": (
        "send photos in 256-byte chunks every SECONDS (default 1)",
        "photo_trickle_s",
        1.0,
    ),
    "never-syncs": ("accept the trigger but never refresh SharePoint's copy", "never_syncs", True),
    "signin-changed": (
        "show the sign-in page's first view in a layout no target knows",
        "signin_changed",
        True,
    ),
    "people-changed": (
        "show People web part entries in Fluent v9 markup (the user's entry is not found)",
        "people_changed",
        True,
    ),
    "outage": (
        "stop answering after outage-after requests to HOST (login, home, sharepoint, my, "
        "outlook; default login)",
        "outage_host",
        "login",
    ),
    "outage-after": ("requests to the outage's host answered first (default 0)", "outage_after", 0),
    "outage-reset": (
        "the outage resets connections instead of closing the port",
        "outage_mode",
        "reset",
    ),
}

VALUED = ("latency", "photo-429-burst", "retry-after", "photo-trickle", "outage", "outage-after")


def apply_fault(faults: Faults, spec: str) -> None:
    """Set the fault ``NAME`` or ``NAME=VALUE`` on ``faults``; ValueError names what is wrong."""
    name, has_value, raw = spec.strip().partition("=")
    if name not in FAULTS:
        raise ValueError(f"unknown fault {name!r}; known: {', '.join(FAULTS)}")
    _, field_name, default = FAULTS[name]
    value: object = default
    if has_value:
        if name not in VALUED:
            raise ValueError(f"fault {name} takes no value")
        if name == "outage":
            if raw not in OUTAGE_HOSTS:
                raise ValueError(f"fault outage: {raw!r} is not one of {', '.join(OUTAGE_HOSTS)}")
            setattr(faults, field_name, raw)
            return
        try:
            number = float(raw) if isinstance(default, float) else int(raw)
        except ValueError:
            raise ValueError(f"fault {name}: {raw!r} is not a number") from None
        if not 0 <= number <= 3600:
            raise ValueError(f"fault {name}: {raw} is out of range (0 to 3600)")
        value = number
    if name == "photo-429-burst":
        faults.photo_status = 429
    setattr(faults, field_name, value)


class FaultLayer:
    """Applies one :class:`Faults` spec to the tenant's routers; counts what it broke."""

    def __init__(self, faults: Faults) -> None:
        self.faults = faults
        self._lock = threading.Lock()
        self._status_left = faults.photo_status_count
        self.faulted = 0
        """Photo requests answered with a fault so far."""

    def wrap(self, router: Router, photos: bool) -> Router:
        """``router`` with latency, and with the photo faults when ``photos``."""
        return _FaultyRouter(router, self, photos)

    def _status_due(self) -> bool:
        if not self.faults.photo_status:
            return False
        with self._lock:
            if self.faults.photo_status_count:
                if self._status_left <= 0:
                    return False
                self._status_left -= 1
            self.faulted += 1
            return True

    def photo(self, router: Router, req: Request) -> Response:
        faults = self.faults
        if self._status_due():
            if faults.photo_status in (429, 503):
                return retry_response(faults.photo_status, faults.retry_after_s)
            return text("Internal Server Error", faults.photo_status)
        resp = router.dispatch(req)
        ctype = next((v for k, v in resp.headers if k.lower() == "content-type"), "")
        if resp.status != 200 or not ctype.startswith("image/"):
            return resp
        if faults.photo_body == "corrupt-jpeg":
            resp.body = resp.body[: max(64, len(resp.body) // 3)]
        elif faults.photo_body == "html":
            kept = [(k, v) for k, v in resp.headers if k.lower() != "content-type"]
            resp.headers = [*kept, ("Content-Type", "text/html; charset=utf-8")]
            resp.body = ERROR_PAGE.encode()
        resp.pace_s = faults.photo_trickle_s
        if faults.photo_body != "image" or faults.photo_trickle_s:
            with self._lock:
                self.faulted += 1
        return resp


class _FaultyRouter(Router):
    def __init__(self, router: Router, layer: FaultLayer, photos: bool) -> None:
        super().__init__()
        self.router, self.layer, self.photos = router, layer, photos

    def dispatch(self, req: Request) -> Response:
        if self.layer.faults.latency_s > 0:
            time.sleep(self.layer.faults.latency_s)
        if self.photos and PHOTO_PATHS.fullmatch(req.path):
            return self.layer.photo(self.router, req)
        return self.router.dispatch(req)


def fault_names(faults: Faults) -> list[str]:
    """The fields that differ from no fault (for the banner of ``sim serve``)."""
    none = Faults()
    return [
        f"{f.name}={getattr(faults, f.name)}"
        for f in fields(faults)
        if getattr(faults, f.name) != getattr(none, f.name)
    ]
