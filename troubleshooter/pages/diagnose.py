"""Self-diagnosis on a miss, and `run --save-pages`: redacted page copies in the run folder.

Everything goes out as Capture events (``RunContext.capture``), so the evidence recorder stores
and lists it like any other artifact.
"""

from __future__ import annotations

import contextlib
import hashlib
from typing import Any

from playwright.sync_api import Error as PlaywrightError

from troubleshooter.artifacts import ArtifactKind
from troubleshooter.context import RunContext
from troubleshooter.evidence.files import slug
from troubleshooter.pages.snapshot import redact_page_text, snapshot
from troubleshooter.signin import current_view
from troubleshooter.targets import Miss, TargetNotFound


def _values(ctx: RunContext) -> dict[str, str]:
    return {k: v for k, v in ctx.targets.values.items() if k in ("upn", "display_name")}


def diagnose(ctx: RunContext, exc: TargetNotFound) -> dict[str, Any]:
    """Keep the page's redacted HTML, its aria snapshot and the strategies tried with why each
    missed; return what the report shows about it.

    A ``PageChanged`` error names several targets (none shown): each is listed with its misses.
    """
    secrets = ctx.settings.credentials.secrets()
    tried: dict[str, list[Miss]] = getattr(exc, "tried", None) or {exc.target: exc.misses}
    names = ", ".join(tried)
    lines = [f"page: {redact_page_text(ctx.page.url, secrets)}"]
    for name, misses in tried.items():
        lines += [
            f"target: {name} ({ctx.targets.get(name).description})",
            "strategies tried, in order:",
            *(f"  - {m.strategy}\n    missed: {m.reason}" for m in misses),
        ]
    lines += [
        "",
        "Fix: copy troubleshooter/targets.yaml, add a strategy that matches this page, and",
        "check it offline: troubleshooter pages check <run folder> --targets <your copy>",
    ]
    files = {}
    # One target not found: the page must have it. Several (no known view): any would do.
    expects = [exc.target] if len(tried) == 1 else []
    with contextlib.suppress(PlaywrightError):
        page = snapshot(ctx.page, expects=expects, values=_values(ctx), secrets=secrets)
        ctx.capture(
            "diagnosis-page",
            ArtifactKind.DIAGNOSIS,
            page.encode("utf-8"),
            "html",
            f"The page where {names} was not found (redacted HTML, no scripts, no values)",
        )
        files["html"] = "diagnosis-page.html"
    with contextlib.suppress(PlaywrightError):
        aria = ctx.page.locator("body").aria_snapshot(timeout=10_000)
        ctx.capture(
            "diagnosis-aria",
            ArtifactKind.DIAGNOSIS,
            redact_page_text(aria, secrets).encode("utf-8"),
            "yaml",
            "The page's accessibility tree (roles and names the strategies can use)",
        )
        files["aria"] = "diagnosis-aria.yaml"
    text = redact_page_text("\n".join(lines) + "\n", secrets)
    ctx.capture(
        "diagnosis-strategies",
        ArtifactKind.DIAGNOSIS,
        text.encode("utf-8"),
        "txt",
        f"Every strategy of {names} and why each missed",
    )
    files["strategies"] = "diagnosis-strategies.txt"
    return {
        "diagnosis": {
            "target": names,
            "description": "; ".join(ctx.targets.get(n).description for n in tried),
            "tried": [
                {"strategy": _named(name, m.strategy, len(tried)), "missed": m.reason}
                for name, misses in tried.items()
                for m in misses
            ],
            "files": files,
        }
    }


def _named(target: str, strategy: str, count: int) -> str:
    return f"{target}: {strategy}" if count > 1 else strategy


def save_page(ctx: RunContext, label: str) -> None:
    """`run --save-pages`: a redacted copy of the page now, with the targets found on it."""
    if not ctx.settings.save_pages:
        return
    try:
        view = current_view(ctx.page, ctx.targets)
        # Only targets found on this page that it still shows are what it must have.
        found = [t for t in ctx.targets.take_recent() if ctx.targets.try_find(ctx.page, t)]
        ctx.targets.take_recent()
        html = snapshot(
            ctx.page,
            expects=found,
            view=view,
            values=_values(ctx),
            secrets=ctx.settings.credentials.secrets(),
        )
    except PlaywrightError:
        return  # the page is gone; the run's own error says why
    digest = hashlib.sha256(html.encode("utf-8")).hexdigest()
    if digest in ctx.saved_pages:
        return
    ctx.saved_pages.append(digest)
    ctx.capture(
        f"saved-page-{len(ctx.saved_pages):02d}-{slug(label, 32)}",
        ArtifactKind.SAVED_PAGE,
        html.encode("utf-8"),
        "html",
        f"Redacted copy of the page at: {label} (for `troubleshooter pages check`)",
    )
