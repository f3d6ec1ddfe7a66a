"""Generic page steps: open, click, fill, wait for, and element screenshots."""

from __future__ import annotations

import time

from playwright.sync_api import Page

from troubleshooter.context import RunContext
from troubleshooter.errors import PageError
from troubleshooter.scenario import ClickStep, FillStep, OpenStep, ScreenshotStep, WaitForStep
from troubleshooter.steps import StepOutcome, handler

WAIT_FOR_IMAGES = """el => Promise.all(
  [...el.querySelectorAll('img'), ...(el.tagName === 'IMG' ? [el] : [])].map(img =>
    img.complete ? true : new Promise(done => { img.onload = img.onerror = done; })))"""


@handler("open")
def open_url(ctx: RunContext, step: OpenStep) -> StepOutcome:
    url = ctx.resolve(step.url)
    response = ctx.page.goto(url, timeout=step.timeout_s * 1000, wait_until="load")
    status = response.status if response else None
    if status is not None and status >= 400:
        raise PageError(f"{url} answered HTTP {status}")
    return StepOutcome(f"opened {ctx.page.url}", {"requested_url": url, "status": status})


@handler("click")
def click(ctx: RunContext, step: ClickStep) -> StepOutcome:
    timeout = step.timeout_s if not step.fallback_url else min(step.timeout_s, 10.0)
    try:
        found = ctx.targets.find(ctx.page, step.target, timeout)
    except PageError as exc:
        if not step.fallback_url:
            raise
        url = ctx.resolve(step.fallback_url)
        ctx.page.goto(url, timeout=step.timeout_s * 1000, wait_until="load")
        return StepOutcome(
            f"{step.target} not found; went to {url} instead",
            {"fallback_url": url, "not_found": str(exc)},
        )
    before = list(ctx.context.pages)
    url_before = ctx.page.url
    found.locator.click()
    if step.navigates:
        _follow(ctx, before, url_before, step.timeout_s)
    return StepOutcome(
        f"clicked {step.target} (found by {found.strategy})",
        {"strategy": found.strategy, "landed_on": ctx.page.url},
    )


def _follow(ctx: RunContext, before: list[Page], url_before: str, timeout_s: float) -> None:
    """After a click, wait for the navigation; a tile that opens a new tab becomes the page."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        opened = [p for p in ctx.context.pages if p not in before]
        if opened:
            ctx.page = opened[0]
            break
        if ctx.page.url != url_before:
            break
        ctx.page.wait_for_timeout(100)
    else:
        raise PageError(f"the click did not open a page within {timeout_s:g}s")
    ctx.page.wait_for_load_state("load", timeout=timeout_s * 1000)


@handler("fill")
def fill(ctx: RunContext, step: FillStep) -> StepOutcome:
    found = ctx.targets.find(ctx.page, step.target, step.timeout_s)
    found.locator.fill(ctx.resolve(step.text))
    if step.submit:
        with ctx.page.expect_navigation(timeout=step.timeout_s * 1000, wait_until="load"):
            found.locator.press("Enter")
    return StepOutcome(f"typed into {step.target}", {"strategy": found.strategy})


@handler("wait_for")
def wait_for(ctx: RunContext, step: WaitForStep) -> StepOutcome:
    found = ctx.targets.find(ctx.page, step.target, step.timeout_s)
    found.locator.evaluate(WAIT_FOR_IMAGES)
    return StepOutcome(
        f"{step.target} is visible (found by {found.strategy})", {"strategy": found.strategy}
    )


@handler("screenshot")
def element_screenshot(ctx: RunContext, step: ScreenshotStep) -> StepOutcome:
    page = ctx.page
    session = None
    if step.fresh:
        # Reload what the server holds now, not what this tab cached earlier in the run.
        session = ctx.context.new_cdp_session(page)
        session.send("Network.setCacheDisabled", {"cacheDisabled": True})
        page.reload(wait_until="load", timeout=step.timeout_s * 1000)
    try:
        found = ctx.targets.find(page, step.target, step.timeout_s)
        found.locator.scroll_into_view_if_needed()
        found.locator.evaluate(WAIT_FOR_IMAGES)
        image = found.locator.screenshot(timeout=step.timeout_s * 1000)
    finally:
        if session is not None:
            session.send("Network.setCacheDisabled", {"cacheDisabled": False})
            session.detach()
    description = f"{ctx.targets.get(step.target).description}, as the page shows it"
    ctx.capture(step.name, "element", image, "png", description)
    return StepOutcome(f"captured {step.target}", {"strategy": found.strategy})
