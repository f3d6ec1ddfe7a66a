"""untraced(): the tool's look-ups and waits run in the browser but stay out of the trace."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.helpers import trace_events
from troubleshooter.untraced import untraced

PAGE = "<button>Send</button><p>one</p><p>two</p>"


def _trace_events(context: BrowserContext, tmp_path: Path) -> list[dict[str, Any]]:
    """Stop the context's trace and read its events."""
    path = tmp_path / "trace.zip"
    context.tracing.stop(path=path)
    return trace_events(path)


def test_an_untraced_call_answers_but_leaves_no_trace_event(
    context: BrowserContext, page: Page, tmp_path: Path
) -> None:
    context.tracing.start(snapshots=True)
    page.set_content(PAGE)
    counted = untraced(page.locator("p").evaluate_all, "els => els.map(e => e.textContent)")
    assert counted == ["one", "two"], "the call ran, with its arguments, and returned"
    assert untraced(page.wait_for_function, "document.images.length === 0", timeout=1000)
    page.locator("button").click()

    calls = [e for e in _trace_events(context, tmp_path) if e.get("type") == "before"]
    methods = [e["method"] for e in calls]
    assert "evalOnSelectorAll" not in methods and "waitForFunction" not in methods
    assert "click" in methods, "calls outside untraced() are still traced"


def test_a_traced_call_after_an_untraced_one_keeps_its_dom_snapshot(
    context: BrowserContext, page: Page, tmp_path: Path
) -> None:
    context.tracing.start(snapshots=True)
    page.set_content(PAGE)
    untraced(page.locator("button").evaluate_all, "els => els.length")
    page.locator("p").first.evaluate_all("els => els.length")
    events = _trace_events(context, tmp_path)
    traced = [e["callId"] for e in events if e.get("method") == "evalOnSelectorAll"]
    assert len(traced) == 1
    snapshots = [e for e in events if e.get("type") == "frame-snapshot"]
    assert any(s["snapshot"]["callId"] == traced[0] for s in snapshots)


def test_an_untraced_call_raises_as_the_call_would(page: Page) -> None:
    page.set_content(PAGE)
    with pytest.raises(PlaywrightTimeoutError):
        untraced(page.wait_for_function, "false", timeout=200)
    assert page.locator("p").count() == 2, "the page is still usable after the error"
