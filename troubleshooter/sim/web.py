"""A tiny request/response layer and router over ``http.server`` (no framework)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http import HTTPStatus
from urllib.parse import parse_qs, urlencode, urlsplit


@dataclass
class Request:
    """One parsed HTTP request."""

    method: str
    host: str
    """Host name without the port, lower case."""
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    """Header names lower case."""
    cookies: dict[str, str]
    body: bytes = b""
    raw_query: str = ""
    params: dict[str, str] = field(default_factory=dict)
    """Named groups of the matched route."""

    def arg(self, name: str, default: str = "") -> str:
        """A query parameter, name matched case-insensitively (like SharePoint)."""
        return self.query.get(name.lower(), default)

    @property
    def form(self) -> dict[str, str]:
        """The urlencoded form body (first value of each field)."""
        ctype = self.headers.get("content-type", "")
        if not ctype.startswith("application/x-www-form-urlencoded"):
            return {}
        parsed = parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)
        return {k: v[0] for k, v in parsed.items()}

    def uploaded_file(self) -> tuple[bytes, str] | None:
        """The first file of a multipart body, or the raw body for an image/* request."""
        ctype = self.headers.get("content-type", "")
        if ctype.startswith("image/") or ctype == "application/octet-stream":
            return self.body, ctype
        if not ctype.startswith("multipart/form-data"):
            return None
        msg = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {ctype}\r\n\r\n".encode() + self.body
        )
        for part in msg.iter_parts():
            if part.get_filename() is not None:
                payload = part.get_payload(decode=True)
                return (payload if isinstance(payload, bytes) else b""), part.get_content_type()
        return None

    @property
    def referer_host(self) -> str:
        """``host:port`` of the Referer header, lower case ('' when absent)."""
        return urlsplit(self.headers.get("referer", "")).netloc.lower()


@dataclass
class Response:
    """An HTTP response to write."""

    status: int = 200
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    pace_s: float = 0.0
    """Seconds between chunks of the body (a trickling answer); 0 writes it at once."""

    def header(self, name: str, value: str) -> Response:
        self.headers.append((name, value))
        return self

    def set_cookie(
        self,
        name: str,
        value: str,
        *,
        max_age: int | None = None,
        path: str = "/",
        http_only: bool = True,
    ) -> Response:
        parts = [f"{name}={value}", f"Path={path}", "SameSite=Lax"]
        if max_age is not None:
            parts.append(f"Max-Age={max_age}")
        if http_only:
            parts.append("HttpOnly")
        return self.header("Set-Cookie", "; ".join(parts))

    def clear_cookie(self, name: str, path: str = "/") -> Response:
        return self.header("Set-Cookie", f"{name}=; Path={path}; Max-Age=0; SameSite=Lax")


def html(body: str, status: int = 200) -> Response:
    resp = Response(status, body.encode("utf-8"))
    resp.header("Content-Type", "text/html; charset=utf-8")
    return resp.header("Cache-Control", "no-store")


def text(body: str, status: int = 200) -> Response:
    resp = Response(status, body.encode("utf-8"))
    return resp.header("Content-Type", "text/plain; charset=utf-8")


def json_response(data: object, status: int = 200) -> Response:
    resp = Response(status, json.dumps(data).encode("utf-8"))
    resp.header("Content-Type", "application/json; charset=utf-8")
    return resp.header("Cache-Control", "no-store")


def redirect(location: str, status: int = 302) -> Response:
    return Response(status, b"").header("Location", location)


def not_found() -> Response:
    return text(HTTPStatus.NOT_FOUND.phrase, 404)


def with_query(url: str, **params: str) -> str:
    """``url`` plus query parameters (values None are left out)."""
    clean = {k: v for k, v in params.items() if v is not None}
    return f"{url}?{urlencode(clean)}" if clean else url


Handler = Callable[[Request], Response]


class Router:
    """Routes (method, path regex) to handlers; the first full match wins."""

    def __init__(self) -> None:
        self._routes: list[tuple[frozenset[str], re.Pattern[str], Handler]] = []

    def add(self, methods: str, pattern: str, handler: Handler) -> None:
        """``methods`` like "GET" or "GET,POST"; ``pattern`` matched case-insensitively."""
        verbs = frozenset(m.strip().upper() for m in methods.split(","))
        self._routes.append((verbs, re.compile(pattern, re.IGNORECASE), handler))

    def dispatch(self, req: Request) -> Response:
        allowed = False
        for verbs, pattern, handler in self._routes:
            match = pattern.fullmatch(req.path)
            if not match:
                continue
            if req.method not in verbs and not (req.method == "HEAD" and "GET" in verbs):
                allowed = True
                continue
            req.params = {k: v for k, v in match.groupdict().items() if v is not None}
            return handler(req)
        return text("Method Not Allowed", 405) if allowed else not_found()


def parse_cookies(header: str) -> dict[str, str]:
    """A forgiving Cookie header parser (the stdlib one rejects some real cookies)."""
    cookies: dict[str, str] = {}
    for part in header.split(";"):
        name, sep, value = part.strip().partition("=")
        if sep and name:
            cookies.setdefault(name, value)
    return cookies


def parse_query(query: str) -> dict[str, str]:
    """Query parameters with lower-case names (first value wins)."""
    parsed = parse_qs(query, keep_blank_values=True)
    return {k.lower(): v[0] for k, v in parsed.items()}
