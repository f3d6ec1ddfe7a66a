"""The HTTP server: one port, requests routed by their Host header."""

from __future__ import annotations

import logging
import os
import socket
import struct
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

from .outage import Outage
from .photos import favicon_png
from .web import Request, Response, Router, parse_cookies, parse_query, text

log = logging.getLogger("troubleshooter.sim")
MAX_BODY = 12 * 1024 * 1024
TRICKLE_CHUNK = 256  # bytes per write of a trickling answer (Response.pace_s)


class SimHTTPServer(ThreadingHTTPServer):
    """A threading server that knows the routers of each host."""

    daemon_threads = True
    # Restart at once on a port in TIME_WAIT. Not on Windows: there SO_REUSEADDR lets two
    # servers share a port, so a port in use would not be reported.
    allow_reuse_address = os.name != "nt"

    def __init__(self, address: tuple[str, int], routers: dict[str, Router]) -> None:
        self.routers = routers
        self.before_request: list[object] = []
        self.outage = Outage()
        self._aborted: set[socket.socket] = set()
        super().__init__(address, SimRequestHandler)

    def abort(self, connection: socket.socket) -> None:
        """Close ``connection`` with a reset (RST) instead of an orderly FIN."""
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self._aborted.add(connection)

    def shutdown_request(self, request: socket.socket) -> None:  # type: ignore[override]
        if request in self._aborted:
            self._aborted.discard(request)
            self.close_request(request)  # no shutdown(SHUT_WR): that would send a FIN first
            return
        super().shutdown_request(request)

    def handle_error(self, request: object, client_address: object) -> None:
        """Browsers drop keep-alive connections all the time: only report real errors."""
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)):
            return
        log.error("connection from %s failed", client_address, exc_info=exc)


class SimRequestHandler(BaseHTTPRequestHandler):
    """Parses a request, finds the router of its host, writes the response."""

    protocol_version = "HTTP/1.1"
    # Headers and body go out as two writes: with Nagle's algorithm on, the body waits for
    # the client's delayed ACK (~40 ms on Linux), a latency no real tenant adds.
    disable_nagle_algorithm = True
    server_version = "Microsoft-IIS/10.0"
    sys_version = ""
    server: SimHTTPServer

    def handle(self) -> None:
        if not self.server.outage.admit(None):
            self.server.abort(self.connection)
            return
        super().handle()

    def _handle(self) -> None:
        split = urlsplit(self.path)
        host = (self.headers.get("Host") or "").split(":")[0].lower()
        if not self.server.outage.admit(host):
            self.server.abort(self.connection)
            self.close_connection = True
            return
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._write(text("Request Entity Too Large", 413), close=True)
            return
        body = self.rfile.read(length) if length else b""
        req = Request(
            method=self.command,
            host=host,
            path=unquote(split.path) or "/",
            query=parse_query(split.query),
            raw_query=split.query,
            headers={k.lower(): v for k, v in self.headers.items()},
            cookies=parse_cookies(self.headers.get("Cookie", "")),
            body=body,
        )
        router = self.server.routers.get(host)
        if req.path == "/favicon.ico":
            resp = Response(200, favicon_png()).header("Content-Type", "image/png")
            self._write(resp.header("Cache-Control", "public, max-age=86400"))
            return
        try:
            for hook in self.server.before_request:
                hook()  # type: ignore[operator]
            resp = router.dispatch(req) if router else text("Not Found", 404)
        except Exception:  # keep serving; log the error like a server would
            log.exception("error handling %s %s%s", self.command, host, split.path)
            resp = text("Internal Server Error", 500)
        self._write(resp)

    def _write(self, resp: Response, close: bool = False) -> None:
        self.send_response(resp.status)
        for name, value in resp.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(resp.body)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD" and resp.status not in (204, 304):
            self._write_body(resp)

    def _write_body(self, resp: Response) -> None:
        if resp.pace_s <= 0:
            self.wfile.write(resp.body)
            return
        for start in range(0, len(resp.body), TRICKLE_CHUNK):
            self.wfile.write(resp.body[start : start + TRICKLE_CHUNK])
            self.wfile.flush()
            time.sleep(resp.pace_s)

    do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = _handle

    def log_message(self, format: str, *args: object) -> None:
        if os.environ.get("TROUBLESHOOTER_SIM_LOG"):
            sys.stderr.write(f"[sim] {self.headers.get('Host', '')} {format % args}\n")
