"""The photo probe: reads photo URLs inside the signed-in browser context (Playwright)."""

from __future__ import annotations

import base64
import contextlib
import time
from collections.abc import Callable
from urllib.parse import quote, urlsplit

from playwright.sync_api import BrowserContext, CDPSession, Page
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from troubleshooter.photo import PhotoSample

SIGN_IN_WAIT_S = 15.0  # how long the probe tab may take to come back signed in
# One deadline per probe: every URL's whole answer within it (a sign-in hop of the probe's own
# tab adds its wait), so a trickling answer ends the probe instead of holding the run.
PROBE_DEADLINE_S = 10.0

# Runs in a page on the photos' origin: every URL at once, credentials included, no Referer,
# and `no-store` (neither read from nor written to the HTTP cache). A URL whose request fails
# (a redirect to the sign-in host is cross-origin) comes back as null; one whose answer was
# not complete by the deadline as 'late'.
FETCH_ALL = """async ([urls, ms, afterMs]) => {
 if (afterMs > 0) await new Promise((done) => setTimeout(done, afterMs));
 return Promise.all(urls.map(async url => {
  try {
    const r = await fetch(url, {cache: 'no-store', referrerPolicy: 'no-referrer',
                                credentials: 'include', signal: AbortSignal.timeout(ms)});
    const bytes = new Uint8Array(await r.arrayBuffer());
    let text = '';
    for (let i = 0; i < bytes.length; i += 32768)
      text += String.fromCharCode(...bytes.subarray(i, i + 32768));
    return [r.status, r.url, r.headers.get('content-type') || '', btoa(text),
            r.headers.get('retry-after') || ''];
  } catch (e) { return e && e.name === 'TimeoutError' ? 'late' : null; }
 }));
}"""


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
        self._timeout_s = PROBE_DEADLINE_S
        self._deadline = 0.0

    def fetch(self, url: str, timeout_s: float = PROBE_DEADLINE_S) -> PhotoSample:
        """What the server answers for ``url`` now."""
        return self.fetch_all([url], timeout_s)[0]

    def fetch_all(
        self, urls: list[str], timeout_s: float = PROBE_DEADLINE_S, after_s: float = 0.0
    ) -> list[PhotoSample]:
        """What the server answers for each of ``urls`` (one origin), fetched concurrently;
        an answer not complete within ``timeout_s`` is a sample with status 0 that says so.
        ``after_s``: wait that long first, in the page that fetches when there is one (the
        wait and the requests are then one round trip)."""
        self._timeout_s = timeout_s
        answers = self._in_page(urls, timeout_s, after_s)
        self._deadline = time.monotonic() + timeout_s
        pairs = zip(urls, answers, strict=True)
        return [answer or self._in_tab(url) for url, answer in pairs]

    def _late(self, url: str) -> PhotoSample:
        failure = f"no complete answer within {self._timeout_s:g} s (the probe's deadline)"
        return PhotoSample(url, url, 0, "", b"", failure=failure)

    # ---- in a page on the origin -----------------------------------------------------------

    def _in_page(
        self, urls: list[str], timeout_s: float, after_s: float
    ) -> list[PhotoSample | None]:
        page = self._page_on(urlsplit(urls[0]).netloc)
        if page is None:
            self._pause(after_s)
            return [None] * len(urls)
        try:
            answers = page.evaluate(FETCH_ALL, [urls, timeout_s * 1000, after_s * 1000])
        except PlaywrightError:  # the page navigated meanwhile
            return [None] * len(urls)
        return [
            None
            if answer is None
            else self._late(url)
            if answer == "late"
            else _sample(url, *answer)
            for url, answer in zip(urls, answers, strict=True)
        ]

    def _pause(self, seconds: float) -> None:
        """Wait in the run's page (its events keep flowing), or without one, here."""
        if seconds <= 0:
            return
        front = self._open_front()
        if front is not None:
            front.wait_for_timeout(seconds * 1000)
        else:
            time.sleep(seconds)

    def _open_front(self) -> Page | None:
        """The run's page, unless it is closed (or there is none)."""
        front = self.front() if self.front else None
        return front if front is not None and not front.is_closed() else None

    def _page_on(self, netloc: str) -> Page | None:
        front = self._open_front()
        candidates = [front] if front else []
        candidates += [p for p in self._context.pages if p is not front and p is not self._page]
        for page in candidates:
            if not page.is_closed() and urlsplit(page.url).netloc == netloc:
                return page
        return None

    # ---- in a tab of its own ---------------------------------------------------------------

    def _in_tab(self, url: str) -> PhotoSample:
        page = self._tab()
        try:
            sample = self._get(page, url)
            if sample is None:
                # The first request to a host went through the sign-in chain (SSO): let it
                # come back signed in, then measure again with a clean request.
                started = time.monotonic()
                self._wait_for_host(page, urlsplit(url).netloc)
                self._deadline += time.monotonic() - started
                sample = self._get(page, url)
            self._forget()
            return sample or PhotoSample(url, page.url, 0, "", b"")
        finally:
            front = self._open_front()
            if front is not None:
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

    def _left_ms(self) -> float:
        return max(self._deadline - time.monotonic(), 0.001) * 1000

    def _get(self, page: Page, url: str) -> PhotoSample | None:
        """One direct request; None when it ended on another host's page (sign-in)."""
        try:
            response = page.goto(url, timeout=self._left_ms(), wait_until="commit")
            if response is None:
                return PhotoSample(url, url, 0, "", b"")
            content_type = response.headers.get("content-type", "")
            elsewhere = urlsplit(response.url).netloc != urlsplit(url).netloc
            if elsewhere and not content_type.startswith("image/"):
                return None
            page.wait_for_load_state("load", timeout=self._left_ms())  # the whole body
        except PlaywrightTimeoutError:
            return self._late(url)
        try:
            body = response.body()
        except PlaywrightError:
            return None  # the page navigated on (an auto-posting sign-in form)
        retry_after = response.headers.get("retry-after", "")
        status = response.status
        return PhotoSample(url, response.url, status, content_type, body, retry_after)

    @staticmethod
    def _wait_for_host(page: Page, netloc: str) -> None:
        with contextlib.suppress(PlaywrightTimeoutError):  # then the second request says why
            page.wait_for_url(
                lambda url: urlsplit(url).netloc == netloc,
                timeout=SIGN_IN_WAIT_S * 1000,
                wait_until="commit",
            )


def _sample(
    url: str, status: int, final_url: str, content_type: str, body: str, retry_after: str
) -> PhotoSample:
    content = base64.b64decode(body)
    return PhotoSample(url, final_url or url, status, content_type, content, retry_after)


def userphoto_url(sharepoint: str, upn: str, size: str) -> str:
    return f"{sharepoint}/_layouts/15/userphoto.aspx?size={size}&accountname={quote(upn)}"
