"""Waiting for a page to change instead of sleeping: a DOM mutation or a new document.

A MutationObserver in the page counts changes; a token ``"<document id>:<count>:<readyState>"``
names the page's state. Waiting with the token last seen returns at once when the page changed
since (a new document included), else at the first change, else after the timeout.
"""

from __future__ import annotations

import contextlib

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

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
        token = page.evaluate(_WAIT_JS, [seen, int(timeout_s * 1000), _SETTLE_MS])
        return str(token)
    except PlaywrightError:
        if page.is_closed():
            raise
        with contextlib.suppress(PlaywrightError):
            page.wait_for_load_state("domcontentloaded", timeout=timeout_s * 1000)
        return ""
