"""A redacted, self-contained copy of what a page shows, for diagnosis and `pages check`.

The copy is the live DOM (views switched in place included) with the page's own CSS inlined, so
it shows offline what it showed in the run. Removed: every script, every event handler, every
input and textarea value (hidden tokens such as flowToken, ctx, canary included; the labels of
buttons stay), then secret URL parameters, JWTs and any literal secret of the run.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from playwright.sync_api import Page

from troubleshooter.evidence.redact import redact_text, redact_url, without_secrets

META_PREFIX = "troubleshooter-"

# Runs in the page: clone the document and strip it; sizes of images are written down so an
# image that cannot load offline keeps its box.
_CLONE_JS = r"""
() => {
  const css = [];
  for (const sheet of document.styleSheets) {
    try {
      for (const rule of sheet.cssRules) css.push(rule.cssText);
    } catch (e) { /* a sheet from another origin cannot be read */ }
  }
  const live = [...document.querySelectorAll("img")];
  const root = document.documentElement.cloneNode(true);
  const copies = [...root.querySelectorAll("img")];
  live.forEach((img, i) => {
    const r = img.getBoundingClientRect();
    if (copies[i] && r.width && r.height) {
      copies[i].style.width = r.width + "px";
      copies[i].style.height = r.height + "px";
    }
  });
  root.querySelectorAll("script, noscript, link[rel=stylesheet], style, iframe, object, embed")
    .forEach((n) => n.remove());
  const buttons = new Set(["submit", "button", "reset", "image"]);
  root.querySelectorAll("*").forEach((el) => {
    for (const attr of [...el.attributes]) {
      if (/^on/i.test(attr.name) || attr.name === "srcdoc") el.removeAttribute(attr.name);
    }
    if (el.tagName === "INPUT" && !buttons.has((el.getAttribute("type") || "").toLowerCase())) {
      el.removeAttribute("value");
      el.removeAttribute("checked");
    }
    if (el.tagName === "TEXTAREA") el.textContent = "";
  });
  const style = document.createElement("style");
  style.textContent = css.join("\n");
  let head = root.querySelector("head");
  if (!head) head = root.insertBefore(document.createElement("head"), root.firstChild);
  head.appendChild(style);
  return "<!DOCTYPE html>\n" + root.outerHTML;
}
"""


def snapshot(
    page: Page,
    *,
    expects: Iterable[str] = (),
    view: str | None = None,
    values: dict[str, str] | None = None,
    secrets: Iterable[str] = (),
) -> str:
    """The redacted HTML of ``page``, with what the tool knew about it in <meta> tags."""
    raw = page.evaluate(_CLONE_JS)
    meta = {
        "url": redact_url(page.url) or "",
        "expects": " ".join(sorted(set(expects))),
        "signin-view": view or "",
        "values": ";".join(f"{k}={v}" for k, v in (values or {}).items()),
    }
    tags = "".join(
        f'<meta name="{META_PREFIX}{name}" content="{html.escape(value, quote=True)}">\n'
        for name, value in meta.items()
        if value
    )
    raw = raw.replace("<head>", "<head>\n" + tags, 1)
    return redact_page_text(raw, secrets)


def redact_page_text(text: str, secrets: Iterable[str] = ()) -> str:
    """Secret URL parameters, JWTs, secret inputs and the run's literal secrets removed."""
    return without_secrets(redact_text(text), list(secrets))


def read_meta(text: str) -> dict[str, str]:
    """The troubleshooter-* <meta> values of a saved page."""
    found: dict[str, str] = {}
    pattern = rf'<meta name="{META_PREFIX}([\w-]+)" content="([^"]*)">'
    for name, value in re.findall(pattern, text):
        found[name] = html.unescape(value)
    return found
