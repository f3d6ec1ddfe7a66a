"""Waiting for images to draw before a picture is taken: one round trip, no polling.

A picture of photos still loading proves little. Each wait is one evaluation that resolves
when every image it covers has loaded or failed, or after ``ms`` (a lazy image that never
comes into view would otherwise hold it up), and answers whether they all drew.
"""

from __future__ import annotations

from playwright.sync_api import Locator, Page

from troubleshooter.untraced import untraced

_DRAWN = """(images, ms) => Promise.race([
  new Promise((done) => setTimeout(() => done(false), ms)),
  Promise.all(images.map((img) => img.complete ? true : new Promise((done) => {
    img.addEventListener("load", done, {once: true});
    img.addEventListener("error", done, {once: true});
  }))).then(() => true),
])"""

# Brings the element into view first (as scrollIntoViewIfNeeded does): a lazy image only
# loads once it is near the viewport.
_IN_ELEMENT = f"""(el, ms) => {{
  const r = el.getBoundingClientRect();
  if (r.top < 0 || r.left < 0 || r.bottom > innerHeight || r.right > innerWidth)
    el.scrollIntoView({{block: "center", inline: "center"}});
  return ({_DRAWN})([...el.querySelectorAll("img"), ...(el.tagName === "IMG" ? [el] : [])], ms);
}}"""

# The whole page as it stands: no scrolling (a full-page screenshot does not need it).
_IN_PAGE = f"(ms) => ({_DRAWN})(Array.from(document.images), ms)"


def images_drawn(where: Page | Locator, timeout_ms: float) -> bool:
    """Wait until the images of the page (or in and of the element) have loaded or failed;
    False when some were still loading after ``timeout_ms``."""
    if isinstance(where, Locator):
        return bool(untraced(where.evaluate, _IN_ELEMENT, timeout_ms))
    return bool(untraced(where.evaluate, _IN_PAGE, timeout_ms))
