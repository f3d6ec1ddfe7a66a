"""Microsoft 365 home (www.office.com look-alike): landing, me control, photo of record."""

from __future__ import annotations

import hashlib
from urllib.parse import quote

from .context import SimContext
from .hosts import HOME_CLIENT_ID
from .options import SimUser
from .outlook import persona_photo_response
from .photos import MAX_UPLOAD, normalise_upload
from .rp import authorize_url, complete_sign_in, login_redirect, session_user
from .web import Request, Response, Router, json_response, redirect, text

CALLBACK = "/landing"


def persona_photo_url(ctx: SimContext, upn: str, size: str = "HR240x240") -> str:
    """Where the home page loads a user's photo of record (Exchange GetPersonaPhoto)."""
    return f"{ctx.urls.home}/owa/service.svc/s/GetPersonaPhoto?email={quote(upn)}&UA=0&size={size}"


class HomeService:
    """Routes of the home host."""

    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx
        self.router = Router()
        r = self.router
        r.add("GET", r"/", self.index)
        r.add("POST", CALLBACK, self.callback)
        r.add("GET", r"/login", self.login)
        r.add("GET", r"/owa/service\.svc/s/GetPersonaPhoto", self.persona_photo)
        r.add("POST,PUT", r"/api/me/photo", self.upload_photo)
        r.add("GET", r"/account", self.account)
        r.add("GET", r"/(?:owa|teams)(?:/.*)?", self.not_simulated)

    def _authorize(self, return_path: str, hint: str = "") -> str:
        origin = self.ctx.urls.home
        return authorize_url(self.ctx, HOME_CLIENT_ID, origin + CALLBACK, return_path, hint)

    def _user(self, req: Request) -> SimUser | None:
        return session_user(self.ctx, req, "home")

    def index(self, req: Request) -> Response:
        user = self._user(req)
        if user is None:
            return self.ctx.render(
                "home/landing.html", sign_in_url=self._authorize("/", req.arg("login_hint"))
            )
        photo = persona_photo_url(self.ctx, user.upn) if user.photo_of_record else None
        return self.ctx.render(
            "home/home.html",
            user=user,
            photo_url=photo,
            open_change_photo=req.arg("action") == "changephoto",
        )

    def callback(self, req: Request) -> Response:
        return complete_sign_in(self.ctx, req, "home", self.ctx.urls.home, CALLBACK)

    def login(self, req: Request) -> Response:
        """Start a sign-in (``?login_hint=``, ``?ru=<path>``); signed-in users go to ``ru``."""
        ru = req.arg("ru", "/")
        ru = ru if ru.startswith("/") and not ru.startswith("//") else "/"
        if self._user(req) is not None:
            return redirect(ru)
        return redirect(self._authorize(ru, req.arg("login_hint")))

    def account(self, req: Request) -> Response:
        user = self._user(req)
        if user is None:
            return login_redirect(self.ctx, req, HOME_CLIENT_ID, self.ctx.urls.home, CALLBACK)
        return self.ctx.render("home/account.html", user=user, photo_url=None)

    def not_simulated(self, req: Request) -> Response:
        user = self._user(req)
        if user is None:
            return login_redirect(self.ctx, req, HOME_CLIENT_ID, self.ctx.urls.home, CALLBACK)
        return self.ctx.render("home/not_simulated.html", user=user, photo_url=None)

    def persona_photo(self, req: Request) -> Response:
        """The photo of record, resized to the requested HR size; 404 when there is none."""
        if self._user(req) is None:
            return text("Unauthorized", 401)
        return persona_photo_response(self.ctx, req)

    def upload_photo(self, req: Request) -> Response:
        """Make the uploaded image the photo of record (SharePoint's copy is untouched)."""
        user = self._user(req)
        if user is None:
            return json_response({"error": "Sign in first."}, 401)
        upload = req.uploaded_file()
        if upload is None or not upload[0]:
            return json_response({"error": "Choose a photo to upload."}, 400)
        data, _ = upload
        if len(data) > MAX_UPLOAD:
            return json_response({"error": "The photo is larger than 4 MB."}, 413)
        try:
            stored = normalise_upload(data)
        except ValueError:
            return json_response({"error": "The file is not a supported image."}, 400)
        self.ctx.state.set_photo_of_record(user.upn, stored)
        etag = hashlib.sha1(stored).hexdigest()[:12]
        url = persona_photo_url(self.ctx, user.upn) + f"&t={etag}"
        return json_response({"ok": True, "url": url})
