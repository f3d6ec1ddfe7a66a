"""Generic page steps: open, click, fill, select a tab, upload, wait for, element screenshots."""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from troubleshooter.artifacts import ArtifactKind
from troubleshooter.context import RunContext
from troubleshooter.errors import PageError, TenantUnreachable
from troubleshooter.pages.images import images_drawn
from troubleshooter.pages.reach import connection_error
from troubleshooter.scenario import (
    ClickStep,
    FillStep,
    OpenStep,
    ScreenshotStep,
    SelectTabStep,
    UploadPhotoStep,
    WaitForStep,
)
from troubleshooter.signin import current_view
from troubleshooter.steps import StepOutcome, handler
from troubleshooter.validate import read_image_file

FIRST_PAUSE_S = 0.025  # a click's navigation mostly starts within a few frames
LAST_PAUSE_S = 0.1
NET_ERROR = re.compile(r"net::(ERR_[A-Z_]+)")


@handler(OpenStep)
def open_url(ctx: RunContext, step: OpenStep) -> StepOutcome:
    url = ctx.resolve(step.url)
    try:
        response = ctx.page.goto(url, timeout=step.timeout_s * 1000, wait_until="load")
    except PlaywrightError as exc:
        reason = NET_ERROR.search(str(exc))
        if reason is None:
            raise
        error = PageError if connection_error(reason.group(1)) is None else TenantUnreachable
        raise error(
            f"could not reach {url} ({reason.group(1)}): check the network, the VPN or proxy, "
            "and the tenant URLs (`troubleshooter doctor --tenant …`)"
        ) from None
    status = response.status if response else None
    if status is not None and status >= 400:
        raise PageError(f"{short_url(url)} answered HTTP {status}")
    title = _reached(ctx, url)
    return StepOutcome(
        f"opened {short_url(ctx.page.url)}",
        {"requested_url": url, "status": status, "title": title},
    )


# Titles of SharePoint's own error pages (assumed, see SOURCES.md; most also answer 403/404).
ERROR_TITLE = re.compile(
    r"^\s*(error|(sorry, )?something went wrong|access (required|denied)|sorry, you don.t have "
    r"access)\b",
    re.I,
)


def _reached(ctx: RunContext, url: str) -> str:
    """The page's title, once it is clear the page opened is the one asked for.

    After sign-in, a page that sends the browser back to a sign-in page, or shows an error
    page, fails the step at once: otherwise the next step waits out its timeout on it.
    """
    page = ctx.page
    title = page.title().strip()
    if ctx.display_name is None:
        return title  # before sign-in, landing on a sign-in page is the expected way
    asked, landed = urlsplit(url).hostname, urlsplit(page.url).hostname
    if landed != asked and current_view(page, ctx.targets) is not None:
        raise PageError(
            f"{short_url(url)} sent the browser to a sign-in page ({short_url(page.url)}, "
            f'"{title}"): the signed-in user cannot open it without signing in again. Check '
            "the address and that the user can open the page"
        )
    if ERROR_TITLE.search(title):
        raise PageError(
            f'{short_url(page.url)} shows an error page ("{title}"): check the address and '
            "that the user can open the page"
        )
    return title


def short_url(url: str) -> str:
    """Host and path only: queries (return URLs, correlation ids, tokens) make URLs unreadable."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}" if parts.netloc else url


@handler(ClickStep)
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
    pause = FIRST_PAUSE_S
    while time.monotonic() < deadline:
        opened = [p for p in ctx.context.pages if p not in before]
        if opened:
            ctx.switch_to(opened[0])
            break
        if ctx.page.url != url_before:
            break
        pause = _pause(ctx, pause)
    else:
        raise PageError(f"the click did not open a page within {timeout_s:g}s")
    ctx.page.wait_for_load_state("load", timeout=timeout_s * 1000)


@handler(FillStep)
def fill(ctx: RunContext, step: FillStep) -> StepOutcome:
    found = ctx.targets.find(ctx.page, step.target, step.timeout_s)
    found.locator.fill(ctx.resolve(step.text))
    if step.submit:
        with ctx.page.expect_navigation(timeout=step.timeout_s * 1000, wait_until="load"):
            found.locator.press("Enter")
    return StepOutcome(f"typed into {step.target}", {"strategy": found.strategy})


@handler(WaitForStep)
def wait_for(ctx: RunContext, step: WaitForStep) -> StepOutcome:
    found = ctx.targets.find(ctx.page, step.target, step.timeout_s)
    images_drawn(found.locator, step.timeout_s * 1000)
    return StepOutcome(
        f"{step.target} is visible (found by {found.strategy})", {"strategy": found.strategy}
    )


@handler(SelectTabStep)
def select_tab(ctx: RunContext, step: SelectTabStep) -> StepOutcome:
    found = ctx.targets.find(ctx.page, step.target, step.timeout_s)
    if found.locator.get_attribute("aria-selected") == "true":
        return StepOutcome(f"{step.target} is already selected", {"strategy": found.strategy})
    url_before = ctx.page.url
    found.locator.click()
    deadline = time.monotonic() + step.timeout_s
    pause = FIRST_PAUSE_S
    while ctx.page.url == url_before:
        again = ctx.targets.try_find(ctx.page, step.target)
        if again and again.locator.get_attribute("aria-selected") == "true":
            break  # a tab that switches in place, without loading a page
        if time.monotonic() >= deadline:
            raise PageError(f"{step.target} did not become selected within {step.timeout_s:g}s")
        pause = _pause(ctx, pause)
    ctx.page.wait_for_load_state("load", timeout=step.timeout_s * 1000)
    return StepOutcome(
        f"selected {step.target} (found by {found.strategy})",
        {"strategy": found.strategy, "landed_on": ctx.page.url},
    )


@handler(UploadPhotoStep)
def upload_photo(ctx: RunContext, step: UploadPhotoStep) -> StepOutcome:
    path = Path(ctx.resolve(step.file))
    content = read_image_file(path)
    found = ctx.targets.find(ctx.page, step.target, step.timeout_s)
    is_file_input = found.locator.evaluate("el => el.tagName === 'INPUT' && el.type === 'file'")
    if is_file_input:
        found.locator.set_input_files(path)
    else:  # a button that opens the operating system's file chooser
        with ctx.page.expect_file_chooser(timeout=step.timeout_s * 1000) as chooser:
            found.locator.click()
        chooser.value.set_files(path)
    ctx.targets.find(ctx.page, step.apply_target, step.timeout_s).locator.click()
    done = ctx.targets.find(ctx.page, step.done_target, step.timeout_s)
    ctx.capture(
        "photo-uploaded",
        ArtifactKind.PHOTO,
        content,
        path.suffix.lstrip(".").lower() or "bin",
        f"The photo uploaded as the new photo of record ({path.name})",
    )
    done.locator.click()
    return StepOutcome(
        f"uploaded {path.name} ({len(content):,} bytes), applied and closed the dialog",
        {"file": path.name, "bytes": len(content), "strategy": found.strategy},
    )


@contextlib.contextmanager
def fresh_page(ctx: RunContext, timeout_s: float) -> Iterator[Page]:
    """Reload the page with the browser cache disabled, and keep it disabled inside the block.

    What the page shows then is what the server holds now, not what this tab cached earlier.
    """
    page = ctx.page
    session = ctx.context.new_cdp_session(page)
    session.send("Network.enable")  # without it, setCacheDisabled does nothing
    session.send("Network.setCacheDisabled", {"cacheDisabled": True})
    try:
        page.reload(wait_until="load", timeout=timeout_s * 1000)
        yield page
    finally:
        session.send("Network.setCacheDisabled", {"cacheDisabled": False})
        session.detach()


@handler(ScreenshotStep)
def element_screenshot(ctx: RunContext, step: ScreenshotStep) -> StepOutcome:
    fresh = fresh_page(ctx, step.timeout_s) if step.fresh else contextlib.nullcontext()
    with fresh:
        found = ctx.targets.find(ctx.page, step.target, step.timeout_s)
        images_drawn(found.locator, step.timeout_s * 1000)
        image = found.locator.screenshot(timeout=step.timeout_s * 1000)
    description = f"{ctx.targets.get(step.target).description}, as the page shows it"
    ctx.capture(step.name, ArtifactKind.ELEMENT, image, "png", description)
    return StepOutcome(f"captured {step.target}", {"strategy": found.strategy})


def _pause(ctx: RunContext, pause: float) -> float:
    """Wait in the page between two looks (the URL and the tabs are known without asking the
    browser); the next pause, twice as long up to LAST_PAUSE_S."""
    ctx.page.wait_for_timeout(pause * 1000)
    return min(pause * 2, LAST_PAUSE_S)
