"""Relying-party side of sign-in: session cookies, the login redirect and the code exchange."""

from __future__ import annotations

import base64
import json
import secrets

from .context import SimContext
from .options import SimUser
from .state import new_token
from .web import Request, Response, redirect, with_query

# kind -> session cookie names (the first one keys the session)
SESSION_COOKIES = {
    "home": ("OhpSession",),
    "sp": ("FedAuth", "rtFa"),
    "my": ("FedAuth", "rtFa"),
    "owa": ("OpenIdConnect.token.v1", "X-OWA-CANARY"),  # names assumed; see outlook.py
}


def encode_state(return_path: str) -> str:
    raw = json.dumps({"r": return_path, "x": secrets.token_hex(8)}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_state(state: str) -> str:
    """The return path inside ``state``; "/" when it is not ours or not a local path."""
    try:
        raw = base64.urlsafe_b64decode(state + "=" * (-len(state) % 4))
        path = str(json.loads(raw)["r"])
    except (ValueError, KeyError, TypeError):
        return "/"
    if not path.startswith("/") or path.startswith("//"):
        return "/"
    return path


def session_user(ctx: SimContext, req: Request, kind: str) -> SimUser | None:
    """The user signed in to this relying party, from its own session cookie."""
    names = SESSION_COOKIES[kind]
    token = req.cookies.get(names[0], "")
    if not token or any(not req.cookies.get(n) for n in names):
        return None
    upn = ctx.state.rp_sessions.get((kind, token))
    return ctx.state.user(upn)


def authorize_url(
    ctx: SimContext,
    client_id: str,
    redirect_uri: str,
    return_path: str,
    login_hint: str = "",
    prompt: str | None = None,
) -> str:
    return with_query(
        f"{ctx.urls.login}/common/oauth2/v2.0/authorize",
        client_id=client_id,
        redirect_uri=redirect_uri,
        response_mode="form_post",
        response_type="code id_token",
        scope="openid profile",
        state=encode_state(return_path),
        nonce=new_token(16),
        login_hint=login_hint or None,  # type: ignore[arg-type]
        prompt=prompt,  # type: ignore[arg-type]
    )


def login_redirect(
    ctx: SimContext,
    req: Request,
    client_id: str,
    origin: str,
    callback: str,
    prompt: str | None = None,
) -> Response:
    """302 to the sign-in service, remembering where the user wanted to go."""
    path = req.path + (f"?{req.raw_query}" if req.raw_query else "")
    url = authorize_url(ctx, client_id, origin + callback, path, req.arg("login_hint"), prompt)
    return redirect(url)


def complete_sign_in(
    ctx: SimContext, req: Request, kind: str, origin: str, callback: str
) -> Response:
    """The form_post callback: redeem the code once and set this party's session cookies."""
    form = req.form
    grant = ctx.state.redeem_code(form.get("code", ""), origin + callback)
    if grant is None:
        return ctx.render(
            "rp_error.html",
            status=400,
            title="Sign-in failed",
            message="The sign-in response was not valid or was already used. Try again.",
            retry=origin + "/",
        )
    resp = redirect(decode_state(form.get("state", "")))
    for name in SESSION_COOKIES[kind]:
        keys_session = name == SESSION_COOKIES[kind][0]
        token = ctx.state.start_rp_session(kind, name, grant.upn if keys_session else None)
        resp.set_cookie(name, token)
    return resp
