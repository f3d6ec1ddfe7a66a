"""The photo probe: reads a photo URL inside the signed-in browser context (Playwright)."""

from __future__ import annotations

import contextlib
from urllib.parse import urlsplit

from playwright.sync_api import BrowserContext, CDPSession, Page
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from troubleshooter.photo import PhotoSample

SIGN_IN_WAIT_S = 15.0  # how long the probe tab may take to come back signed in


class PhotoProbe:
    """A tab of its own in the signed-in context that opens photo URLs directly.

    A direct navigation carries no Referer and bypasses the browser cache, so it reads what
    the server holds now without itself being the "SharePoint page" that triggers a refresh.
    It also leaves nothing in the cache: a page that later asks for the same photo URL must
    reach SharePoint (and so trigger the refresh), not get the probe's cached answer.
    """

    def __init__(self, context: BrowserContext) -> None:
        self._context = context
        self._page: Page | None = None
        self._session: CDPSession | None = None

    def _tab(self) -> Page:
        if self._page is None or self._page.is_closed():
            self._page = self._context.new_page()
            self._session = self._context.new_cdp_session(self._page)
            self._session.send("Network.enable")
            self._session.send("Network.setCacheDisabled", {"cacheDisabled": True})
        return self._page

    def _forget(self) -> None:
        """Drop what the probe's requests put in the context's HTTP cache."""
        if self._session is not None:
            self._session.send("Network.clearBrowserCache")

    def fetch(self, url: str, timeout_s: float = 30.0) -> PhotoSample:
        """What the server answers for ``url`` now, signing the tab in first if it must."""
        page = self._tab()
        sample = self._get(page, url, timeout_s)
        if sample is None:
            # The first request to a host went through the sign-in chain (SSO): let it come
            # back signed in, then measure again with a clean request.
            self._wait_for_host(page, urlsplit(url).netloc, timeout_s)
            sample = self._get(page, url, timeout_s)
        self._forget()
        return sample or PhotoSample(url, page.url, 0, "", b"")

    @staticmethod
    def _get(page: Page, url: str, timeout_s: float) -> PhotoSample | None:
        """One direct request; None when it ended on another host's page (sign-in)."""
        response = page.goto(url, timeout=timeout_s * 1000, wait_until="commit")
        if response is None:
            return PhotoSample(url, url, 0, "", b"")
        content_type = response.headers.get("content-type", "")
        elsewhere = urlsplit(response.url).netloc != urlsplit(url).netloc
        if elsewhere and not content_type.startswith("image/"):
            return None
        try:
            body = response.body()
        except PlaywrightError:
            return None  # the page navigated on (an auto-posting sign-in form)
        return PhotoSample(url, response.url, response.status, content_type, body)

    @staticmethod
    def _wait_for_host(page: Page, netloc: str, timeout_s: float) -> None:
        with contextlib.suppress(PlaywrightTimeoutError):  # then the second request says why
            page.wait_for_url(
                lambda url: urlsplit(url).netloc == netloc,
                timeout=min(timeout_s, SIGN_IN_WAIT_S) * 1000,
                wait_until="commit",
            )
