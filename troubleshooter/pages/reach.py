"""Connection errors: a tenant that refuses, resets or never answers is named at once.

Chromium reports them as ``net::ERR_…`` codes: in a failed ``goto``, in a failed request, and
as its own error page (``chrome-error://chromewebdata/``) when a navigation fails. Only
connection-level codes count; an HTTP error status or a blocked third-party script does not.
"""

from __future__ import annotations

import contextlib
import re
from types import TracebackType
from urllib.parse import urlsplit

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, Request

from troubleshooter.errors import TenantUnreachable

NET_ERROR = re.compile(r"(?:net::)?(ERR_[A-Z_]+)")
CONNECTION_ERRORS = frozenset(
    {
        "ERR_CONNECTION_REFUSED",
        "ERR_CONNECTION_RESET",
        "ERR_CONNECTION_CLOSED",
        "ERR_CONNECTION_ABORTED",
        "ERR_CONNECTION_FAILED",
        "ERR_CONNECTION_TIMED_OUT",
        "ERR_EMPTY_RESPONSE",
        "ERR_SOCKET_NOT_CONNECTED",
        "ERR_TIMED_OUT",
        "ERR_NAME_NOT_RESOLVED",
        "ERR_ADDRESS_UNREACHABLE",
        "ERR_INTERNET_DISCONNECTED",
        "ERR_NETWORK_CHANGED",
        "ERR_PROXY_CONNECTION_FAILED",
        "ERR_TUNNEL_CONNECTION_FAILED",
    }
)
ERROR_PAGE = "chrome-error://"
ADVICE = "check the network, the VPN or proxy, and whether the tenant is up"


def connection_error(text: str) -> str | None:
    """The connection-level ``ERR_…`` code in ``text`` (an error message, a failure text)."""
    for code in NET_ERROR.findall(text or ""):
        if code in CONNECTION_ERRORS:
            return str(code)
    return None


def unreachable(host: str, code: str, when: str = "") -> TenantUnreachable:
    where = f" {when}" if when else ""
    return TenantUnreachable(f"{host} did not answer ({code}){where}: {ADVICE}")


def on_error_page(page: Page) -> bool:
    try:
        return page.url.startswith(ERROR_PAGE)
    except PlaywrightError:
        return False


def error_page_code(page: Page) -> str:
    """The ``ERR_…`` code Chromium's error page shows (``ERR_FAILED`` when it cannot be read)."""
    try:
        text = page.locator("body").inner_text(timeout=2000)
    except PlaywrightError:
        return "ERR_FAILED"
    found = NET_ERROR.search(text)
    return found.group(1) if found else "ERR_FAILED"


class ConnectionWatch:
    """Records connection failures of the page's own requests while it is attached.

    A request counts when it is a navigation, or a fetch/XHR to the host the page is on (the
    sign-in page's own API); telemetry or a CDN that a proxy blocks does not stop a sign-in.
    """

    def __init__(self, page: Page, when: str = "") -> None:
        self.page, self.when = page, when
        self.failed: list[tuple[str, str]] = []  # (host, code)

    def _on_failed(self, request: Request) -> None:
        code = connection_error(request.failure or "")
        if code is None:
            return
        host = urlsplit(request.url).netloc
        navigation = request.is_navigation_request() and request.frame == self.page.main_frame
        on_page = host == urlsplit(self.page.url).netloc
        own_api = request.resource_type in ("fetch", "xhr") and on_page
        if navigation or own_api:
            self.failed.append((host, code))

    def check(self) -> None:
        """Raise ``TenantUnreachable`` if the page's host stopped answering."""
        if self.failed:
            host, code = self.failed[0]
            raise unreachable(host.split(":")[0], code, self.when)
        if on_error_page(self.page):
            raise unreachable("the tenant", error_page_code(self.page), self.when)

    def __enter__(self) -> ConnectionWatch:
        self.page.on("requestfailed", self._on_failed)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        with contextlib.suppress(PlaywrightError):
            self.page.remove_listener("requestfailed", self._on_failed)
