"""Options of the simulated tenant and the users it knows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from .faults import Faults

SigninVariant = Literal["classic", "fluent"]
MfaKind = Literal["none", "totp", "push"]
MePhoto = Literal["background", "blob", "img"]
OffscreenStyle = Literal["corner", "position"]


@dataclass
class SimOptions:
    """Behaviour switches for a simulated tenant."""

    sync_delay: float = 1.5
    """Seconds between a valid trigger and SharePoint's copy updating."""
    signin_variant: SigninVariant = "classic"
    account_picker: bool = False
    cdn_redirect: bool = True
    """userphoto.aspx answers 302 to a time-limited afdcache.ashx URL."""
    refresh_on_direct_request: bool = False
    """Count an own size=L request as a trigger even without a SharePoint Referer."""
    photo_max_age: int = 86400
    """Cache-Control max-age of SharePoint photo responses, in seconds."""
    me_photo: MePhoto = "background"
    """How the me control shows the photo: CSS background-image with an http URL, with a blob:
    URL, or an <img> (SOURCES.md, "Microsoft 365 home header")."""
    offscreen_style: OffscreenStyle = "corner"
    """How .moveOffScreen hides inputs: a 1x1 transparent box in the viewport's corner, or
    pushed far left of the page (the real CSS is not known)."""
    extra_users: int = 0
    """Generated users (user0001@…) added after the demo users, for audits and benchmarks."""
    extra_seed: int = 1
    """Seed of the generated users: the same seed gives the same users, photos and states."""
    throttle_rate: float = 0.0
    """Photo requests per second and session before ``429``; 0 means never throttle."""
    throttle_burst: int = 20
    throttle_retry_after: int = 1
    """Seconds in ``Retry-After`` of a 429."""
    throttle_http_date: bool = False
    """Send ``Retry-After`` as an HTTP-date instead of seconds."""
    faults: Faults = field(default_factory=Faults)
    """Injected faults: latency, throttled or broken photo answers, never-syncs, changed pages,
    an outage (faults.py; deliberate deviations from the real pages, SOURCES.md "Faults")."""


@dataclass
class SimUser:
    """One account of the simulated tenant."""

    upn: str
    display_name: str
    password: str
    photo_of_record: bytes | None = None
    sharepoint_photo: bytes | None = None
    has_mailbox: bool = True
    picture_editable: bool = True
    sync_delay: float | None = None
    mfa: MfaKind = "none"
    totp_secret: str | None = None
    locked: bool = False
    ca_blocked: bool = False
    mfa_nudge: bool = False
    signin_variant: SigninVariant | None = None
    job_title: str = ""
    account_picker: bool = False
    """Show "Pick an account" when this user is hinted (login_hint)."""

    @property
    def initials(self) -> str:
        parts = [p for p in self.display_name.split() if p]
        return "".join(p[0] for p in parts[:2]).upper() or self.upn[:1].upper()

    @property
    def personal_segment(self) -> str:
        """The My Site path segment: the UPN with ``@`` and ``.`` replaced by ``_``."""
        return self.upn.lower().replace("@", "_").replace(".", "_")
