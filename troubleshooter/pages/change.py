"""Waiting for a page to change instead of sleeping: a DOM mutation or a new document.

A MutationObserver in the page counts changes; a token ``"<document id>:<count>:<readyState>"``
names the page's state. Waiting with the token last seen returns at once when the page changed
since (a new document included), else at the first change, else after the timeout.
"""

from __future__ import annotations

import contextlib
import weakref

from playwright.sync_api import BrowserContext, Page, Request
from playwright.sync_api import Error as PlaywrightError

from troubleshooter.untraced import untraced

# Batches a burst of mutations (a view switch touches many nodes) into one wake-up.
_SETTLE_MS = 30
_WAIT_JS = r"""
([seen, ms, settle]) => new Promise((done) => {
  let s = window.__troubleshooterChange;
  if (!s) {
    const doc = Math.random().toString(36).slice(2);
    s = window.__troubleshooterChange = {doc: doc, n: 0, wake: null};
    new MutationObserver(() => { s.n++; if (s.wake) s.wake(); }).observe(document,
      {subtree: true, childList: true, attributes: true, characterData: true});
  }
  const token = () => s.doc + ":" + s.n + ":" + document.readyState;
  if (token() !== seen) return done(token());
  const timer = setTimeout(() => { s.wake = null; done(token()); }, ms);
  s.wake = () => { clearTimeout(timer); s.wake = null; setTimeout(() => done(token()), settle); };
})
"""


def wait_for_change(page: Page, seen: str, timeout_s: float) -> str:
    """Wait until the page differs from state ``seen`` (at most ``timeout_s``); the new state.

    A navigation under way ends the wait (its new document is a change); so does a page that
    cannot be evaluated, after a short pause, so a caller's loop never spins.
    """
    try:
        token = untraced(page.evaluate, _WAIT_JS, [seen, int(timeout_s * 1000), _SETTLE_MS])
        return str(token)
    except PlaywrightError:
        if page.is_closed():
            raise
        with contextlib.suppress(PlaywrightError):
            page.wait_for_load_state("domcontentloaded", timeout=timeout_s * 1000)
        return ""


_UNDER_WAY: weakref.WeakKeyDictionary[Page, set[Request]] = weakref.WeakKeyDictionary()


def track_requests(context: BrowserContext) -> None:
    """Count each page's requests under way from now on (see :func:`requests_under_way`).

    On the context, not the page, so a request that a page starts while it loads (a web
    part's API call) is counted before anybody looks for a target.
    """

    def started(request: Request) -> None:
        page = _page_of(request)
        if page is not None:
            _UNDER_WAY.setdefault(page, set()).add(request)

    def ended(request: Request) -> None:
        page = _page_of(request)
        if page is not None:
            _UNDER_WAY.get(page, set()).discard(request)

    context.on("request", started)
    context.on("requestfinished", ended)
    context.on("requestfailed", ended)


def requests_under_way(page: Page) -> bool | None:
    """Whether the page waits on a request; None when its context is not tracked."""
    found = _UNDER_WAY.get(page)
    return None if found is None else bool(found)


def _page_of(request: Request) -> Page | None:
    try:
        return request.frame.page
    except PlaywrightError:  # a service worker's request has no frame
        return None
