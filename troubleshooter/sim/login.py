"""The sign-in service (login.microsoftonline.com look-alike): pages, MFA, KMSI, SSO, logout."""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit

import pyotp

from .context import SimContext
from .hosts import HOME_HOST, MY_HOST, OUTLOOK_HOST, SP_HOST, TENANT_ID
from .options import SimUser
from .state import new_token
from .web import Request, Response, Router, json_response, redirect

ERRORS = {
    "50034": "AADSTS50034: The user account does not exist in the directory.",
    "50126": "AADSTS50126: Error validating credentials due to invalid username or password.",
    "50053": "AADSTS50053: The account is locked because the user tried to sign in too many "
    "times with an incorrect user ID or password.",
    "53003": "AADSTS53003: Access has been blocked by Conditional Access policies. "
    "The access policy does not allow token issuance.",
}
TEXT_UNKNOWN = (
    "This username may be incorrect. Make sure you typed it correctly. "
    "Otherwise, contact your admin."
)
TEXT_BAD_PASSWORD = (
    "Your account or password is incorrect. If you don't remember your password, reset it now."
)
TEXT_LOCKED = "Your account is locked. Contact your support person to unlock it, then try again."
TEXT_BAD_CODE = "You didn't enter the expected verification code. Please try again."
# The form's `action` per view, and the text of the shared primary button.
VIEW_ACTIONS = {
    "email": "email",
    "password": "password",
    "picker": "pick",
    "kmsi": "kmsi",
    "totp": "otc",
    "push": "push",
    "nudge": "nudge_next",
    "nudge_setup": "nudge_skip",
}
PRIMARY_TEXT = {"email": "Next", "password": "Sign in", "kmsi": "Yes", "nudge": "Next"}
PERSISTENT_SECONDS = 90 * 24 * 3600


@dataclass
class Flow:
    """One sign-in in progress (the real service keeps this in ``ctx``/``flowToken``)."""

    token: str
    client_id: str
    redirect_uri: str
    state: str
    nonce: str
    login_hint: str
    upn: str = ""
    stage: str = "email"
    push_number: int = 0
    created: float = field(default_factory=time.time)
    # The real page carries these hidden tokens next to flowToken (saved HTML must drop them).
    ctx: str = field(default_factory=lambda: new_token(32))
    canary: str = field(default_factory=lambda: new_token(32))


class LoginService:
    """Routes of the login host."""

    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx
        self._flows: dict[str, Flow] = {}
        self._lock = threading.Lock()
        self.router = Router()
        r = self.router
        r.add("GET", r"/(?:common|organizations|[^/]+)/oauth2/v2\.0/authorize", self.authorize)
        r.add("POST", r"/common/login", self.login_post)
        r.add("POST", r"/common/GetCredentialType", self.credential_type)
        r.add("GET", r"/common/SAS/EndAuth", self.end_auth)
        r.add("GET", r"/(?:common|[^/]+)/oauth2/v2\.0/logout", self.logout)
        r.add("GET", r"/", lambda req: redirect(self.ctx.urls.home + "/"))

    # ---- helpers ---------------------------------------------------------------------------
    def _allowed_redirect(self, uri: str) -> bool:
        hosts = {self.ctx.urls.netloc(h) for h in (HOME_HOST, SP_HOST, MY_HOST, OUTLOOK_HOST)}
        return urlsplit(uri).netloc.lower() in hosts

    def _flow(self, req: Request) -> Flow | None:
        with self._lock:
            return self._flows.get(req.form.get("flowToken", "") or req.arg("flowToken"))

    def _variant(self, user: SimUser | None) -> str:
        if user is not None and user.signin_variant:
            return user.signin_variant
        return self.ctx.options.signin_variant

    def _page(self, name: str, flow: Flow, user: SimUser | None, **values: object) -> Response:
        """The one sign-in page (login/app.html), showing view ``name``."""
        values.setdefault("error", "")
        values.setdefault("code", "")
        values.setdefault("tiles", [])
        values.setdefault("email", user.upn if user else flow.upn)
        for token in (flow.token, flow.ctx, flow.canary):
            self.ctx.state.record_secret("flowToken", token)
        if name == "email" and self.ctx.options.faults.signin_changed:
            details = self._details(str(values["code"]))
            return self.ctx.render(
                "login/changed.html", flow=flow, variant="changed", details=details, **values
            )
        return self.ctx.render(
            "login/app.html",
            view=name,
            view_action=VIEW_ACTIONS.get(name, ""),
            primary_text=PRIMARY_TEXT.get(name, "Next"),
            flow=flow,
            user=user,
            variant=self._variant(user),
            details=self._details(str(values["code"])),
            **values,
        )

    def credential_type(self, req: Request) -> Response:
        """Email -> password without a navigation (the real page's GetCredentialType call)."""
        flow = self._flow(req)
        name = req.form.get("username", "").strip()
        found = self.ctx.state.user(name) if flow else None
        if flow is None or found is None:
            return json_response({"IfExistsResult": 1, "error": TEXT_UNKNOWN})
        flow.upn, flow.stage = found.upn, "password"
        return json_response(
            {"IfExistsResult": 0, "upn": found.upn, "variant": self._variant(found)}
        )

    @staticmethod
    def _details(code: str) -> dict[str, str] | None:
        if not code:
            return None
        return {
            "code": code,
            "message": ERRORS.get(code, f"AADSTS{code}"),
            "request_id": str(uuid.uuid4()),
            "correlation_id": str(uuid.uuid4()),
            "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }

    def _session_upn(self, req: Request) -> str | None:
        for name in ("ESTSAUTH", "ESTSAUTHPERSISTENT"):
            upn = self.ctx.state.login_sessions.get(req.cookies.get(name, ""))
            if upn:
                return upn
        return None

    # ---- routes ----------------------------------------------------------------------------
    def authorize(self, req: Request) -> Response:
        redirect_uri = req.arg("redirect_uri")
        if not req.arg("client_id") or not self._allowed_redirect(redirect_uri):
            return self.ctx.render(
                "login/blocked.html",
                status=400,
                heading="Sign in",
                message="The reply URL in the request does not match the application.",
                details=self._details("50011"),
            )
        flow = Flow(
            token=new_token(24),
            client_id=req.arg("client_id"),
            redirect_uri=redirect_uri,
            state=req.arg("state"),
            nonce=req.arg("nonce"),
            login_hint=req.arg("login_hint").strip(),
        )
        upn = self._session_upn(req)
        prompt = req.arg("prompt")
        user = self.ctx.state.user(upn)
        sso = user is not None and prompt not in ("login", "select_account")
        if sso and user and (not flow.login_hint or flow.login_hint.lower() == user.upn.lower()):
            return self._finish(flow, user, kmsi=None)
        with self._lock:
            self._flows[flow.token] = flow
        hinted = self.ctx.state.user(flow.login_hint)
        tiles = self._tiles(req, flow)
        if self.ctx.options.account_picker or (hinted is not None and hinted.account_picker):
            flow.stage = "picker"
            return self._page("picker", flow, None, tiles=tiles)
        return self._page("email", flow, hinted, email=flow.login_hint)

    def _tiles(self, req: Request, flow: Flow) -> list[SimUser]:
        names = [flow.login_hint] if flow.login_hint else []
        remembered = req.cookies.get("ESTSUSERLIST", "")
        names += [n for n in remembered.split("|") if n]
        tiles: list[SimUser] = []
        for name in names:
            user = self.ctx.state.user(name.replace("%40", "@"))
            if user is not None and user not in tiles:
                tiles.append(user)
        return tiles

    def login_post(self, req: Request) -> Response:
        flow = self._flow(req)
        if flow is None:
            return self.ctx.render(
                "login/blocked.html",
                status=400,
                heading="Sign in",
                message="Your session has timed out. Please close your browser and try again.",
                details=self._details("90014"),
            )
        form = req.form
        action = form.get("action", "")
        user = self.ctx.state.user(flow.upn)
        if action == "other":
            flow.stage = "email"
            return self._page("email", flow, None, email="")
        if action in ("email", "pick"):
            # ``username``: the changed layout of Faults.signin_changed
            name = (form.get("loginfmt") or form.get("username", "")).strip()
            found = self.ctx.state.user(name)
            if found is None:
                return self._page(
                    "email",
                    flow,
                    None,
                    email=name,
                    error=TEXT_UNKNOWN,
                    code="50034" if name else "",
                )
            flow.upn, flow.stage = found.upn, "password"
            return self._page("password", flow, found)
        if user is None:
            return self._page("email", flow, None, email="")
        if action == "password" and flow.stage == "password":
            return self._password(flow, user, form.get("passwd", ""))
        if action == "otc" and flow.stage == "totp":
            secret = user.totp_secret or ""
            if secret and pyotp.TOTP(secret).verify(form.get("otc", "").strip(), valid_window=1):
                return self._after_mfa(flow, user)
            return self._page("totp", flow, user, error=TEXT_BAD_CODE)
        if action == "push" and flow.stage == "push":
            if self._push_approved(user, consume=True):
                return self._after_mfa(flow, user)
            return self._page("push", flow, user)
        if action in ("nudge_skip", "nudge_next") and flow.stage == "nudge":
            if action == "nudge_next":
                return self._page("nudge_setup", flow, user)
            return self._kmsi_or_finish(flow, user)
        if action == "kmsi" and flow.stage == "kmsi":
            return self._finish(flow, user, kmsi=form.get("kmsi", "No").lower() == "yes")
        return self._page("password", flow, user)

    def _password(self, flow: Flow, user: SimUser, password: str) -> Response:
        if user.locked:
            return self._page("password", flow, user, error=TEXT_LOCKED, code="50053")
        if not secrets.compare_digest(password.encode(), user.password.encode()):
            return self._page("password", flow, user, error=TEXT_BAD_PASSWORD, code="50126")
        if user.ca_blocked:
            flow.stage = "blocked"
            return self.ctx.render(
                "login/blocked.html",
                status=200,
                heading="You can't get there from here",
                message="This application contains sensitive information and can only be "
                "accessed from devices or client applications that meet your organization's "
                "management compliance policy.",
                details=self._details("53003"),
            )
        if user.mfa == "totp":
            flow.stage = "totp"
            return self._page("totp", flow, user)
        if user.mfa == "push":
            flow.stage = "push"
            flow.push_number = secrets.randbelow(90) + 10
            return self._page("push", flow, user)
        return self._after_mfa(flow, user)

    def _after_mfa(self, flow: Flow, user: SimUser) -> Response:
        if user.mfa_nudge:
            flow.stage = "nudge"
            return self._page("nudge", flow, user)
        return self._kmsi_or_finish(flow, user)

    def _kmsi_or_finish(self, flow: Flow, user: SimUser) -> Response:
        flow.stage = "kmsi"
        return self._page("kmsi", flow, user)

    def _push_approved(self, user: SimUser, consume: bool) -> bool:
        state = self.ctx.state
        key = user.upn.lower()
        with self._lock:
            approved = key in state.push_approved
            if approved and consume:
                state.push_approved.discard(key)
        return approved

    def pending_push_number(self, upn: str) -> int | None:
        """The number shown on a pending push page of ``upn`` (for number matching)."""
        with self._lock:
            for flow in self._flows.values():
                if flow.stage == "push" and flow.upn.lower() == upn.lower():
                    return flow.push_number
        return None

    def end_auth(self, req: Request) -> Response:
        """Polled by the push page every second."""
        flow = self._flow(req)
        user = self.ctx.state.user(flow.upn) if flow else None
        approved = bool(flow and user and flow.stage == "push" and self._push_approved(user, False))
        return json_response(
            {"Success": approved, "ResultValue": "Success" if approved else "AuthenticationPending"}
        )

    def _finish(self, flow: Flow, user: SimUser, kmsi: bool | None) -> Response:
        """Issue the code and auto-post it to the relying party; set the login session."""
        with self._lock:
            self._flows.pop(flow.token, None)
        code = self.ctx.state.issue_code(user.upn, flow.client_id, flow.redirect_uri, flow.nonce)
        resp = self.ctx.render(
            "login/form_post.html",
            redirect_uri=flow.redirect_uri,
            fields={
                "code": code,
                "id_token": self.ctx.state.record_secret("id_token", self._id_token(user, flow)),
                "state": flow.state,
                "session_state": str(uuid.uuid4()),
            },
        )
        if kmsi is not None:  # an interactive sign-in just completed
            token = self.ctx.state.start_login_session("ESTSAUTH", user.upn)
            resp.set_cookie("ESTSAUTH", token)
            if kmsi:
                persistent = self.ctx.state.start_login_session("ESTSAUTHPERSISTENT", user.upn)
                resp.set_cookie("ESTSAUTHPERSISTENT", persistent, max_age=PERSISTENT_SECONDS)
            resp.set_cookie(
                "ESTSUSERLIST",
                quote(user.upn, safe="@."),
                max_age=PERSISTENT_SECONDS,
                http_only=False,
            )
        return resp

    def _id_token(self, user: SimUser, flow: Flow) -> str:
        def part(data: dict[str, object]) -> str:
            raw = json.dumps(data, separators=(",", ":")).encode()
            return base64.urlsafe_b64encode(raw).decode().rstrip("=")

        now = int(time.time())
        header = {"typ": "JWT", "alg": "RS256", "kid": "sim-" + TENANT_ID[:8]}
        payload = {
            "aud": flow.client_id,
            "iss": f"{self.ctx.urls.login}/{TENANT_ID}/v2.0",
            "iat": now,
            "nbf": now,
            "exp": now + 3600,
            "name": user.display_name,
            "nonce": flow.nonce,
            "oid": str(uuid.uuid5(uuid.NAMESPACE_DNS, user.upn.lower())),
            "preferred_username": user.upn,
            "tid": TENANT_ID,
        }
        return f"{part(header)}.{part(payload)}.{new_token(64)}"

    def logout(self, req: Request) -> Response:
        upn = self._session_upn(req)
        if upn:
            self.ctx.state.end_sessions(upn)
        target = req.arg("post_logout_redirect_uri")
        if target and self._allowed_redirect(target):
            resp = redirect(target)
        else:
            resp = self.ctx.render("login/signed_out.html")
        for name in ("ESTSAUTH", "ESTSAUTHPERSISTENT"):
            resp.clear_cookie(name)
        return resp
