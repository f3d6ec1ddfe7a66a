"""What "shown" means: the one browser-side check every target strategy goes through.

A real sign-in page keeps the inputs of other views in the DOM: the password input sits in the
email view with ``class="moveOffScreen" tabindex="-1" aria-hidden="true"`` and a small, non-zero
box, so Playwright's ``is_visible()`` says true. An element counts as shown here only when it is
rendered, not hidden by CSS (display, visibility, opacity), not ``aria-hidden`` or ``inert``
(itself or an ancestor), not inside an off-screen class, at least 2×2 px, not clipped away, and
inside the page (not pushed off by position).
"""

from __future__ import annotations

# Why an element is not shown ("" when it is): the one check behind every strategy.
_WHY_HIDDEN = r"""
function whyHidden(el, opts) {
  if (!el.isConnected || el.getClientRects().length === 0)
    return "not rendered (display:none or detached)";
  if (el.checkVisibility && !el.checkVisibility({opacityProperty: true, visibilityProperty: true}))
    return "hidden by CSS (display, visibility or opacity)";
  if (!opts.allowAriaHidden && el.closest('[aria-hidden="true"]'))
    return "aria-hidden";
  if (el.closest("[inert]")) return "inert";
  for (const selector of opts.hiddenSelectors) {
    try { if (el.closest(selector)) return "off-screen class (" + selector + ")"; }
    catch (e) { /* a bad selector in the page map is reported elsewhere */ }
  }
  const r = el.getBoundingClientRect();
  if (r.width < 2 || r.height < 2)
    return "too small to see (" + Math.round(r.width) + "x" + Math.round(r.height) + " px)";
  const style = getComputedStyle(el);
  const zero = /^rect\(0(px)?,? 0(px)?,? 0(px)?,? 0(px)?\)$/;
  if (zero.test(style.clip) || style.clipPath === "inset(50%)") return "clipped away";
  const doc = document.documentElement;
  const left = r.left + scrollX, top = r.top + scrollY;
  const width = Math.max(doc.scrollWidth, innerWidth);
  const height = Math.max(doc.scrollHeight, innerHeight);
  if (left + r.width <= 0 || top + r.height <= 0 || left >= width || top >= height)
    return "off-screen by position (" + Math.round(r.left) + ", " + Math.round(r.top) + ")";
  return "";
}
"""

# Returns, per element, "" when shown, else why not (a short phrase for diagnostics).
SHOWN_JS = (
    "(elements, opts) => {"
    + _WHY_HIDDEN
    + "return elements.slice(0, opts.limit).map((el) => whyHidden(el, opts)); }"
)

# One look at several targets at once. Per element, shown or not: why it is not shown (as
# SHOWN_JS), whether it is inside aria-hidden, and which of ``opts.css`` it matches (null for an
# element in a shadow root, where the browser's CSS and Playwright's differ). ``bad``: the
# selectors the browser cannot run (Playwright's own syntax); ``text``: the page's text, when
# asked.
GLANCE_JS = (
    "(elements, opts) => {"
    + _WHY_HIDDEN
    + r"""
  const bad = [];
  opts.css.forEach((css, i) => {
    try { document.documentElement.matches(css); } catch (e) { bad.push(i); }
  });
  const items = elements.slice(0, opts.limit).map((el) => {
    const reason = whyHidden(el, opts);
    let hits = null;
    if (el.getRootNode() === document)
      hits = opts.css.flatMap((css, i) => (!bad.includes(i) && el.matches(css) ? [i] : []));
    return {reason: reason, ariaHidden: !!el.closest('[aria-hidden="true"]'), hits: hits};
  });
  const text = opts.text ? (document.body ? document.body.innerText : "") : null;
  return {items: items, bad: bad, text: text};
}"""
)

LIMIT = 50


def summarize(reasons: list[str]) -> str:
    """'3 matches, none shown: aria-hidden (2), too small to see (1x1 px)'."""
    if not reasons:
        return "no element matches"
    counts: dict[str, int] = {}
    for reason in reasons:
        counts[reason] = counts.get(reason, 0) + 1
    parts = [f"{r} ({n})" if n > 1 else r for r, n in counts.items()]
    word = "match" if len(reasons) == 1 else "matches"
    return f"{len(reasons)} {word}, none shown: " + ", ".join(parts)
