"""The photo probe: reads photo URLs inside the signed-in browser context (Playwright)."""

from __future__ import annotations

import base64
import contextlib
from collections.abc import Callable
from urllib.parse import urlsplit

from playwright.sync_api import BrowserContext, CDPSession, Page
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from troubleshooter.photo import PhotoSample

SIGN_IN_WAIT_S = 15.0  # how long the probe tab may take to come back signed in

# Runs in a page on the photos' origin: every URL at once, credentials included, no Referer,
# and `no-store` (neither read from nor written to the HTTP cache). A URL whose request fails
# (a redirect to the sign-in host is cross-origin) comes back as null.
FETCH_ALL = """async ([urls, ms]) => Promise.all(urls.map(async url => {
  try {
    const r = await fetch(url, {cache: 'no-store', referrerPolicy: 'no-referrer',
                                credentials: 'include', signal: AbortSignal.timeout(ms)});
    const bytes = new Uint8Array(await r.arrayBuffer());
    let text = '';
    for (let i = 0; i < bytes.length; i += 32768)
      text += String.fromCharCode(...bytes.subarray(i, i + 32768));
    return [r.status, r.url, r.headers.get('content-type') || '', btoa(text)];
  } catch (e) { return null; }
}))"""


class PhotoProbe:
    """Reads what the server holds now for photo URLs, without being the page that triggers.

    A request without a Referer is not "a SharePoint page asking for the photo", and one that
    bypasses the cache neither reads an old answer nor leaves one for a page that asks later
    (that page must reach SharePoint, and so trigger the refresh). The requests run in the
    run's own page when it is on the photos' origin (what the page's own scripts would do,
    with no tab taking the focus); otherwise in a tab of the probe's own that opens the URL
    directly (and goes through the sign-in chain when it must), then gives the focus back.
    """

    def __init__(self, context: BrowserContext, front: Callable[[], Page] | None = None) -> None:
        self._context = context
        self.front = front  # the run's page, given back the focus after the probe's tab
        self._page: Page | None = None
        self._session: CDPSession | None = None

    def fetch(self, url: str, timeout_s: float = 30.0) -> PhotoSample:
        """What the server answers for ``url`` now."""
        return self.fetch_all([url], timeout_s)[0]

    def fetch_all(self, urls: list[str], timeout_s: float = 30.0) -> list[PhotoSample]:
        """What the server answers for each of ``urls`` (one origin), fetched concurrently."""
        answers = self._in_page(urls, timeout_s)
        pairs = zip(urls, answers, strict=True)
        return [answer or self._in_tab(url, timeout_s) for url, answer in pairs]

    # ---- in a page on the origin -----------------------------------------------------------

    def _in_page(self, urls: list[str], timeout_s: float) -> list[PhotoSample | None]:
        page = self._page_on(urlsplit(urls[0]).netloc)
        if page is None:
            return [None] * len(urls)
        try:
            answers = page.evaluate(FETCH_ALL, [urls, timeout_s * 1000])
        except PlaywrightError:  # the page navigated meanwhile
            return [None] * len(urls)
        return [
            None if answer is None else _sample(url, *answer)
            for url, answer in zip(urls, answers, strict=True)
        ]

    def _page_on(self, netloc: str) -> Page | None:
        front = self.front() if self.front else None
        candidates = [front] if front else []
        candidates += [p for p in self._context.pages if p is not front and p is not self._page]
        for page in candidates:
            if not page.is_closed() and urlsplit(page.url).netloc == netloc:
                return page
        return None

    # ---- in a tab of its own ---------------------------------------------------------------

    def _in_tab(self, url: str, timeout_s: float) -> PhotoSample:
        page = self._tab()
        try:
            sample = self._get(page, url, timeout_s)
            if sample is None:
                # The first request to a host went through the sign-in chain (SSO): let it
                # come back signed in, then measure again with a clean request.
                self._wait_for_host(page, urlsplit(url).netloc, timeout_s)
                sample = self._get(page, url, timeout_s)
            self._forget()
            return sample or PhotoSample(url, page.url, 0, "", b"")
        finally:
            front = self.front() if self.front else None
            if front is not None and not front.is_closed():
                front.bring_to_front()

    def _tab(self) -> Page:
        if self._page is None or self._page.is_closed():
            self._page = self._context.new_page()
            self._session = self._context.new_cdp_session(self._page)
            self._session.send("Network.enable")
            self._session.send("Network.setCacheDisabled", {"cacheDisabled": True})
        return self._page

    def _forget(self) -> None:
        """Drop what the tab's requests put in the context's HTTP cache."""
        if self._session is not None:
            self._session.send("Network.clearBrowserCache")

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


def _sample(url: str, status: int, final_url: str, content_type: str, body: str) -> PhotoSample:
    return PhotoSample(url, final_url or url, status, content_type, base64.b64decode(body))
