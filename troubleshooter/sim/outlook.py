"""Outlook on the web (outlook.office.com look-alike): only what shows colleagues' photos.

OWA renders a colleague's photo with ``service.svc/s/GetPersonaPhoto?email=…&UA=0&size=HR…``
on its own origin, with the session's cookies (public code: GitLab's libravatar docs use
``outlook.office.com/owa/service.svc/s/GetPersonaPhoto?email=%{email}&UA=0&size=HR120x120``
and note it "requires a login"; SPFx samples use the same on ``outlook.office365.com``).
Semantics follow the documented sibling, EWS ``GetUserPhoto`` (MicrosoftDocs/
office-developer-exchange-docs, "how-to-get-user-photos-by-using-ews-in-exchange"): 200 with the
image, 304 for a matching ETag, 404 "no image is available". Assumed, not verified on a tenant:
404 for an unknown address too, 401 without a session, and the session cookie names.

Reading a photo here never touches SharePoint's copy: only the user's own SharePoint request
triggers the refresh.
"""

from __future__ import annotations

import hashlib
import html as html_lib
import re
from functools import lru_cache

from .context import SimContext
from .hosts import OWA_CLIENT_ID
from .options import SimUser
from .photos import PHOTO_SIZE, square_jpeg
from .rp import complete_sign_in, login_redirect, session_user
from .web import Request, Response, Router, html, text

CALLBACK = "/owa/"
_HR_SIZE = re.compile(r"HR(\d{2,4})x(\d{2,4})", re.IGNORECASE)


@lru_cache(maxsize=512)
def _resized(data: bytes, px: int) -> bytes:
    return square_jpeg(data, px, quality=90)


def persona_photo_response(ctx: SimContext, req: Request) -> Response:
    """GetPersonaPhoto for a signed-in caller: the photo of record of ``email`` at the
    requested HR size (ETag, 304 on If-None-Match); 404 when there is none."""
    target = ctx.state.user(req.arg("email"))
    data = target.photo_of_record if target else None
    if data is None:
        return text("Not Found", 404).header("Cache-Control", "private, no-cache")
    match = _HR_SIZE.search(req.arg("size", "HR96x96"))
    px = min(int(match.group(1)), PHOTO_SIZE) if match else 96
    body = _resized(data, px)
    etag = '"' + hashlib.sha1(body).hexdigest() + '"'
    if req.headers.get("if-none-match") == etag:
        resp = Response(304)
    else:
        resp = Response(200, body).header("Content-Type", "image/jpeg")
    return resp.header("Cache-Control", "private, no-cache").header("ETag", etag)


class OutlookService:
    """Routes of the Outlook host."""

    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx
        self.router = Router()
        r = self.router
        r.add("POST", CALLBACK, self.callback)
        r.add("GET", r"/owa/service\.svc/s/GetPersonaPhoto", self.persona_photo)
        r.add("GET", r"/(?:owa|mail)?(?:/.*)?", self.mail)

    def _user(self, req: Request) -> SimUser | None:
        return session_user(self.ctx, req, "owa")

    def callback(self, req: Request) -> Response:
        return complete_sign_in(self.ctx, req, "owa", self.ctx.urls.outlook, CALLBACK)

    def mail(self, req: Request) -> Response:
        """The mailbox would be here; the sim only shows who is signed in."""
        user = self._user(req)
        if user is None:
            return login_redirect(self.ctx, req, OWA_CLIENT_ID, self.ctx.urls.outlook, CALLBACK)
        page = (
            "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            "<title>Mail - Outlook</title></head><body><main><h1>Outlook</h1>"
            f"<p id='owa-user'>{html_lib.escape(user.upn)}</p>"
            "<p>The simulated tenant shows no mail; only colleagues' photos.</p>"
            "</main></body></html>"
        )
        return html(page)

    def persona_photo(self, req: Request) -> Response:
        """Anyone's photo of record for any signed-in user; 404 when there is none."""
        if self._user(req) is None:
            return text("Unauthorized", 401)
        return persona_photo_response(self.ctx, req)
