"""The tenant's mutable state: photos, SharePoint's copy, the lazy-sync rule, sessions."""

from __future__ import annotations

import math
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import NamedTuple

from .options import SimOptions, SimUser
from .photos import placeholder_png, square_jpeg


class TriggerRecord(NamedTuple):
    """One size=L request to SharePoint's userphoto.aspx."""

    time: float
    requester_upn: str
    photo_upn: str
    size: str
    triggered: bool
    """True when the request counted as a sync trigger (own photo, from a SharePoint page)."""


class IssuedSecret(NamedTuple):
    """A secret the tenant handed out: a session cookie, a code, a token, a CDN signature."""

    kind: str
    """The cookie or parameter name: ESTSAUTH, OhpSession, FedAuth, code, id_token, P4…"""
    value: str


@dataclass
class SpCopy:
    """SharePoint's copy of one user's photo (the User Photos library thumbnails)."""

    data: bytes
    version: int
    modified: float
    thumbs: dict[int, bytes] = field(default_factory=dict)


@dataclass
class CodeGrant:
    """A one-time authorization code issued by the sign-in service."""

    upn: str
    client_id: str
    redirect_uri: str
    nonce: str
    expires: float


def new_token(nbytes: int = 24) -> str:
    return secrets.token_urlsafe(nbytes)


class TenantState:
    """Everything the simulated services know. Thread-safe."""

    def __init__(self, options: SimOptions, users: list[SimUser]) -> None:
        self.options = options
        self._lock = threading.RLock()
        self._users: dict[str, SimUser] = {u.upn.lower(): u for u in users}
        self._sp: dict[str, SpCopy] = {}
        self._pending: dict[str, float] = {}
        self._log: list[TriggerRecord] = []
        self._version = 0
        self.login_sessions: dict[str, str] = {}
        self.rp_sessions: dict[tuple[str, str], str] = {}
        self.codes: dict[str, CodeGrant] = {}
        self.push_approved: set[str] = set()
        self._issued: list[IssuedSecret] = []
        self._issued_values: set[str] = set()
        for user in users:
            if user.sharepoint_photo is not None:
                self._store_copy(user.upn.lower(), user.sharepoint_photo)

    # ---- users ---------------------------------------------------------------------------
    def user(self, upn: str | None) -> SimUser | None:
        """The user with this UPN (case-insensitive), or None."""
        if not upn:
            return None
        return self._users.get(upn.strip().lower())

    @property
    def users(self) -> list[SimUser]:
        return list(self._users.values())

    # ---- photos --------------------------------------------------------------------------
    def photo_of_record(self, upn: str) -> bytes | None:
        user = self.user(upn)
        return user.photo_of_record if user else None

    def set_photo_of_record(self, upn: str, data: bytes | None) -> None:
        with self._lock:
            user = self._require(upn)
            user.photo_of_record = data

    def sharepoint_photo(self, upn: str) -> bytes | None:
        """SharePoint's copy of the user's photo; None means the placeholder is served."""
        with self._lock:
            self._apply_due()
            copy = self._sp.get(upn.lower())
            return copy.data if copy else None

    def set_sharepoint_photo(self, upn: str, data: bytes | None) -> None:
        with self._lock:
            self._require(upn)
            if data is None:
                self._sp.pop(upn.lower(), None)
            else:
                self._store_copy(upn.lower(), data)

    def sharepoint_copy(self, upn: str) -> SpCopy | None:
        with self._lock:
            self._apply_due()
            return self._sp.get(upn.lower())

    def thumbnail(self, copy: SpCopy, px: int) -> bytes:
        with self._lock:
            if px not in copy.thumbs:
                copy.thumbs[px] = square_jpeg(copy.data, px)
            return copy.thumbs[px]

    @staticmethod
    def placeholder(px: int) -> bytes:
        return placeholder_png(px)

    # ---- the lazy-sync rule ----------------------------------------------------------------
    @property
    def trigger_log(self) -> list[TriggerRecord]:
        with self._lock:
            return list(self._log)

    def record_large_request(
        self, requester: str | None, photo_upn: str, size: str, from_page: bool
    ) -> bool:
        """Log a size=L request and start a sync when it is the user's own, from a page."""
        with self._lock:
            own = requester is not None and requester.lower() == photo_upn.lower()
            triggered = own and (from_page or self.options.refresh_on_direct_request)
            self._log.append(
                TriggerRecord(time.time(), requester or "", photo_upn, size, triggered)
            )
            if triggered:
                self._schedule(photo_upn.lower())
            return triggered

    def refresh_pending(self, upn: str) -> float | None:
        """When SharePoint's pending refresh of ``upn`` is due (epoch seconds), or None."""
        with self._lock:
            self._apply_due()
            return self._pending.get(upn.lower())

    def run_due_refresh_now(self, upn: str) -> bool:
        """SharePoint's background job runs now for a pending refresh of ``upn`` (for tests
        that must not depend on how long a run takes). False when none was pending."""
        with self._lock:
            key = upn.lower()
            if key not in self._pending:
                return False
            self._pending[key] = time.time()
            self._apply_due()
            return True

    def _schedule(self, key: str) -> None:
        if key in self._pending:
            return  # idempotent: re-triggering never pushes the refresh later
        user = self._users.get(key)
        if user is None:
            return
        delay = user.sync_delay if user.sync_delay is not None else self.options.sync_delay
        if self.options.faults.never_syncs:
            delay = math.inf
        self._pending[key] = time.time() + max(0.0, delay)

    def _apply_due(self) -> None:
        now = time.time()
        for key, due in list(self._pending.items()):
            if due > now:
                continue
            del self._pending[key]
            user = self._users.get(key)
            if user is None or not (user.has_mailbox and user.picture_editable):
                continue
            if user.photo_of_record is None:
                continue
            current = self._sp.get(key)
            if current is None or current.data != user.photo_of_record:
                self._store_copy(key, user.photo_of_record)

    def tick(self) -> None:
        """Apply refreshes that are due (the server also calls this on every request)."""
        with self._lock:
            self._apply_due()

    def _store_copy(self, key: str, data: bytes) -> None:
        self._version += 1
        self._sp[key] = SpCopy(data=data, version=self._version, modified=time.time())

    # ---- secrets handed out ----------------------------------------------------------------
    def record_secret(self, kind: str, value: str) -> str:
        """Remember a secret given to a browser (for tests that prove it never leaks)."""
        with self._lock:
            if value and value not in self._issued_values:
                self._issued_values.add(value)
                self._issued.append(IssuedSecret(kind, value))
        return value

    @property
    def issued_secrets(self) -> list[IssuedSecret]:
        """Every secret issued so far, oldest first; redeemed codes and ended sessions too."""
        with self._lock:
            return list(self._issued)

    # ---- sessions ------------------------------------------------------------------------
    def issue_code(self, upn: str, client_id: str, redirect_uri: str, nonce: str) -> str:
        code = self.record_secret("code", "0." + new_token(48))
        with self._lock:
            self.codes[code] = CodeGrant(upn, client_id, redirect_uri, nonce, time.time() + 300)
        return code

    def start_login_session(self, kind: str, upn: str) -> str:
        """A new sign-in service session token (the ESTSAUTH or ESTSAUTHPERSISTENT cookie)."""
        token = self.record_secret(kind, new_token(48))
        with self._lock:
            self.login_sessions[token] = upn
        return token

    def start_rp_session(self, kind: str, cookie: str, upn: str | None) -> str:
        """A relying party's session cookie value; ``upn`` set for the cookie keying it."""
        token = self.record_secret(cookie, new_token(32))
        if upn is not None:
            with self._lock:
                self.rp_sessions[(kind, token)] = upn
        return token

    def redeem_code(self, code: str, redirect_uri: str) -> CodeGrant | None:
        """Exchange a code once; None when unknown, used, expired or for another client."""
        with self._lock:
            grant = self.codes.pop(code, None)
        if grant is None or grant.expires < time.time() or grant.redirect_uri != redirect_uri:
            return None
        return grant

    def end_sessions(self, upn: str) -> None:
        """Sign the user out everywhere (what front-channel logout achieves)."""
        with self._lock:
            for token, owner in list(self.login_sessions.items()):
                if owner == upn:
                    del self.login_sessions[token]
            for key, owner in list(self.rp_sessions.items()):
                if owner == upn:
                    del self.rp_sessions[key]

    def approve_push(self, upn: str) -> None:
        with self._lock:
            self._require(upn)
            self.push_approved.add(upn.lower())

    def _require(self, upn: str) -> SimUser:
        user = self.user(upn)
        if user is None:
            raise KeyError(f"no such user: {upn}")
        return user
