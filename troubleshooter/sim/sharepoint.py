"""SharePoint Online and the My Site host: pages, search, userphoto.aspx and the CDN hop."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass
from email.utils import formatdate
from urllib.parse import quote

from .context import SimContext
from .hosts import MY_HOST, SP_CLIENT_ID, SP_HOST
from .options import SimUser
from .photos import SP_SIZES
from .rp import complete_sign_in, login_redirect, session_user
from .web import Request, Response, Router, not_found, redirect, text, with_query

CALLBACK = "/_forms/default.aspx"
CDN_PATH = "/_vti_bin/afdcache.ashx/_userprofile/userphoto.jpg"
_CLAIM_PREFIXES = ("i:0#.f|membership|", "i:0#.w|", "membership|")
_PLACEHOLDER_MODIFIED = 1577836800.0  # 2020-01-01


@dataclass(frozen=True)
class Site:
    """A team site of the simulated tenant."""

    name: str
    title: str
    people_web_part: bool
    description: str
    # Conditional Access "sign-in frequency: every time" on this site: SharePoint sends the
    # browser back to sign in (prompt=login) instead of showing the page.
    sign_in_every_time: bool = False


SITES = {
    "mark8projectteam": Site(
        "mark8projectteam",
        "Mark 8 Project Team",
        True,
        "Plans, files and people of the Mark 8 launch.",
    ),
    "contosonews": Site(
        "contosonews",
        "Contoso News",
        False,
        "Company news and announcements.",
    ),
    "boardportal": Site(
        "boardportal",
        "Board Portal",
        True,
        "Board papers; every visit asks for a fresh sign-in.",
        sign_in_every_time=True,
    ),
}


def photo_path(base: str, upn: str, size: str) -> str:
    """``base`` is "" or a site path like /sites/x."""
    return f"{base}/_layouts/15/userphoto.aspx?size={size}&accountname={quote(upn, safe='')}"


def _account_name(req: Request) -> str:
    name = req.arg("accountname") or req.arg("username")
    lowered = name.lower()
    for prefix in _CLAIM_PREFIXES:
        if lowered.startswith(prefix):
            return name[len(prefix) :]
    return name


def _matches(user: SimUser, query: str) -> bool:
    words = query.lower().split()
    hay = f"{user.display_name} {user.upn} {user.job_title}".lower()
    return bool(words) and all(w in hay for w in words)


class SharePointService:
    """Routes of the SharePoint host (``kind="sp"``) or the My Site host (``kind="my"``)."""

    def __init__(self, ctx: SimContext, kind: str) -> None:
        self.ctx = ctx
        self.kind = kind
        self.origin = ctx.urls.sharepoint if kind == "sp" else ctx.urls.mysite
        self.router = Router()
        r = self.router
        r.add("POST", CALLBACK, self.callback)
        r.add("GET", CALLBACK, lambda req: self._login(req))
        scope = r"(?:/sites/[^/]+|/personal/[^/]+)?"
        r.add("GET", scope + r"/_layouts/15/userphoto\.aspx", self.userphoto)
        r.add("GET", CDN_PATH.replace(".", r"\."), self.cdn_photo)
        if kind == "sp":
            r.add("GET", r"/", lambda req: redirect("/_layouts/15/sharepoint.aspx"))
            r.add("GET", r"/_layouts/15/sharepoint\.aspx", self.start_page)
            r.add("GET", r"/sites/(?P<site>[^/]+)(?:/|/SitePages/Home\.aspx)?", self.site_page)
            r.add(
                "GET",
                r"/_layouts/15/search\.aspx(?:/(?P<vertical>people|files|sites|news))?",
                self.search,
            )
        else:
            r.add("GET", r"/", self.my_root)
            r.add(
                "GET", r"/personal/(?P<seg>[^/]+)(?:/|/_layouts/15/onedrive\.aspx)?", self.onedrive
            )
            r.add("GET", r"/_layouts/15/me\.aspx", self.profile)

    # ---- auth -------------------------------------------------------------------------------
    def _login(self, req: Request) -> Response:
        return login_redirect(self.ctx, req, SP_CLIENT_ID, self.origin, CALLBACK)

    def callback(self, req: Request) -> Response:
        return complete_sign_in(self.ctx, req, self.kind, self.origin, CALLBACK)

    def _user(self, req: Request) -> SimUser | None:
        return session_user(self.ctx, req, self.kind)

    def _page(self, req: Request, template: str, user: SimUser, **values: object) -> Response:
        return self.ctx.render(
            template,
            user=user,
            photo_url=photo_path("", user.upn, "M"),
            change_photo_href=self.ctx.urls.home + "/?action=changephoto",
            photo_path=photo_path,
            **values,
        )

    # ---- pages ------------------------------------------------------------------------------
    def start_page(self, req: Request) -> Response:
        user = self._user(req)
        if user is None:
            return self._login(req)
        return self._page(req, "sp/start.html", user, sites=list(SITES.values()))

    def site_page(self, req: Request) -> Response:
        user = self._user(req)
        if user is None:
            return self._login(req)
        site = SITES.get(req.params["site"].lower())
        if site is None:
            return self._not_found(req, user)
        if site.sign_in_every_time:
            return login_redirect(self.ctx, req, SP_CLIENT_ID, self.origin, CALLBACK, "login")
        people = self.ctx.state.users if site.people_web_part else []
        return self._page(
            req, "sp/site.html", user, site=site, people=people, base=f"/sites/{site.name}"
        )

    def _not_found(self, req: Request, user: SimUser) -> Response:
        resp = self._page(req, "sp/not_found.html", user)
        resp.status = 404
        return resp

    def search(self, req: Request) -> Response:
        user = self._user(req)
        if user is None:
            return self._login(req)
        query = req.arg("q").strip()
        vertical = req.params.get("vertical", "all").lower()
        people = [u for u in self.ctx.state.users if _matches(u, query)]
        return self._page(
            req, "sp/search.html", user, query=query, vertical=vertical, people=people
        )

    def my_root(self, req: Request) -> Response:
        user = self._user(req)
        if user is None:
            return self._login(req)
        return redirect(f"/personal/{user.personal_segment}/_layouts/15/onedrive.aspx")

    def onedrive(self, req: Request) -> Response:
        user = self._user(req)
        if user is None:
            return self._login(req)
        if req.params["seg"].lower() != user.personal_segment:
            resp = self._page(req, "sp/denied.html", user)
            resp.status = 403
            return resp
        return self._page(req, "sp/onedrive.html", user)

    def profile(self, req: Request) -> Response:
        user = self._user(req)
        if user is None:
            return self._login(req)
        target = self.ctx.state.user(req.arg("p") or user.upn)
        if target is None:
            return self._not_found(req, user)
        return self._page(req, "sp/profile.html", user, person=target)

    # ---- photos -----------------------------------------------------------------------------
    def userphoto(self, req: Request) -> Response:
        """SharePoint's copy (or the placeholder); size=L by the user themself may trigger."""
        user = self._user(req)
        if user is None:
            return self._login(req)
        size = req.arg("size", "S").upper()
        size = size if size in SP_SIZES else "S"
        name = _account_name(req)
        target = self.ctx.state.user(name)
        photo_upn = target.upn if target else name
        if size == "L":
            referer = req.referer_host
            from_page = referer in (self.ctx.urls.netloc(SP_HOST), self.ctx.urls.netloc(MY_HOST))
            self.ctx.state.record_large_request(user.upn, photo_upn, size, from_page)
        default_none = req.arg("default").lower() == "none"
        if self.ctx.options.cdn_redirect:
            resp = redirect(self._cdn_url(photo_upn, size, default_none))
            max_age = self.ctx.options.photo_max_age
            return resp.header("Cache-Control", f"private, max-age={max_age}")
        return self._photo(req, target, size, default_none)

    def _sign(self, *parts: str) -> str:
        mac = hmac.new(self.ctx.secret, "|".join(parts).encode(), hashlib.sha256)
        return mac.hexdigest()[:40]

    def _cdn_url(self, upn: str, size: str, default_none: bool) -> str:
        lifetime = max(self.ctx.options.photo_max_age, 3600)
        issued = int(time.time()) // 3600 * 3600
        p1, p2, p3 = str(issued + lifetime + 3600), "1", "1"
        oat = (
            base64.urlsafe_b64encode(bytes.fromhex(self._sign("oat", upn.lower())))
            .decode()
            .rstrip("=")
        )
        record = self.ctx.state.record_secret
        params = {
            "_oat_": record("_oat_", oat),
            "P1": p1,
            "P2": p2,
            "P3": p3,
            "P4": record("P4", self._sign(oat, p1, p2, p3, size, upn.lower())),
            "size": size,
            "accountName": upn,
        }
        if default_none:
            params["default"] = "none"
        return with_query(self.origin + CDN_PATH, **params)

    def cdn_photo(self, req: Request) -> Response:
        """The time-limited, token-checked URL that serves the bytes (Azure Front Door)."""
        account = req.arg("accountName")
        size = req.arg("size", "S").upper()
        oat, p1, p2, p3 = req.arg("_oat_"), req.arg("P1"), req.arg("P2"), req.arg("P3")
        expected = self._sign(oat, p1, p2, p3, size, account.lower())
        valid = hmac.compare_digest(expected, req.arg("P4")) and size in SP_SIZES
        if not valid or not p1.isdigit() or int(p1) < time.time():
            return text("Time-Limited URL validation failed", 403)
        target = self.ctx.state.user(account)
        return self._photo(req, target, size, req.arg("default").lower() == "none")

    def _photo(
        self, req: Request, target: SimUser | None, size: str, default_none: bool
    ) -> Response:
        px = SP_SIZES[size]
        copy = self.ctx.state.sharepoint_copy(target.upn) if target else None
        if copy is None:
            if default_none:
                return not_found()
            body, ctype = self.ctx.state.placeholder(px), "image/png"
            etag, modified = f'"placeholder-{size}"', _PLACEHOLDER_MODIFIED
        else:
            body, ctype = self.ctx.state.thumbnail(copy, px), "image/jpeg"
            etag, modified = f'"{{{copy.version}}},{size}"', copy.modified
        if req.headers.get("if-none-match") == etag:
            resp = Response(304)
        else:
            resp = Response(200, body).header("Content-Type", ctype)
        resp.header("Cache-Control", f"private, max-age={self.ctx.options.photo_max_age}")
        resp.header("ETag", etag)
        return resp.header("Last-Modified", formatdate(modified, usegmt=True))
