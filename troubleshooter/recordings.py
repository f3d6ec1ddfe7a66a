"""What a run records besides events: the trace (grouped by step), the HAR, page screenshots."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError

from troubleshooter.artifacts import HAR, TRACE, ArtifactKind
from troubleshooter.context import RunContext
from troubleshooter.events import Capture, EventBus
from troubleshooter.pages.images import images_drawn

HAR_NAME = f"{HAR}.har"
TRACE_NAME = f"{TRACE}.zip"


def trace_group(ctx: RunContext, name: str) -> contextlib.ExitStack:
    """Group the trace's calls under the step's name (the trace viewer shows one entry per step).

    Returns a stack whose ``close()`` ends the group; nothing is grouped while not tracing.
    """
    stack = contextlib.ExitStack()
    if ctx.tracing:
        with contextlib.suppress(PlaywrightError):
            ctx.context.tracing.group(name)
            tracing = ctx.context.tracing
            stack.callback(lambda: _suppressed(tracing.group_end))
    return stack


def _suppressed(call: Callable[[], object]) -> None:
    with contextlib.suppress(PlaywrightError):
        call()


def start_trace(ctx: RunContext) -> None:
    """Trace with DOM snapshots of every action; ``full`` also keeps the filmstrip."""
    mode = ctx.settings.session.trace
    if mode == "off":
        return
    ctx.context.tracing.start(screenshots=mode == "full", snapshots=True, sources=False)
    ctx.tracing = True


def save_recordings(ctx: RunContext, folder: Path, bus: EventBus) -> None:
    """Stop the trace and close the context (which writes the HAR), then hand both over."""
    trace = folder / TRACE_NAME
    with contextlib.suppress(PlaywrightError):
        if ctx.tracing:
            ctx.context.tracing.stop(path=trace)
        ctx.context.close()
    for path, kind, description in (
        (trace, ArtifactKind.TRACE, "Playwright trace of the run after sign-in"),
        (folder / HAR_NAME, ArtifactKind.HAR, "Network log (HAR), secrets removed"),
    ):
        if path.is_file():
            bus.emit(
                Capture(
                    ctx.step_index, path.stem, kind, path.read_bytes(), path.suffix[1:], description
                )
            )


IMAGES_WAIT_MS = 3000
Shot = tuple[int, str]  # the step whose page screenshot was kept, and its pixels' sha256


def page_screenshot(
    ctx: RunContext, index: int, title: str, masked: bool, last: Shot | None
) -> Shot | None:
    """Keep a full-page screenshot unless it shows exactly what the last one kept did.

    A step that changes nothing on screen (waiting for what has already loaded) would
    otherwise add a second, identical picture. Where a run stopped is always kept.
    """
    with contextlib.suppress(PlaywrightError):  # a picture of photos still loading proves little
        images_drawn(ctx.page, IMAGES_WAIT_MS)
    try:
        image = ctx.page.screenshot(
            full_page=True,
            mask=ctx.targets.mask_locators(ctx.page, "secret_inputs"),
            timeout=15_000,
        )
    except PlaywrightError:
        return last  # the page or browser is gone; the report still names the step
    digest = hashlib.sha256(image).hexdigest()
    if last and last[1] == digest and not masked:
        return last
    description = f"Step {index}: {title}" + (" (where it stopped)" if masked else "")
    ctx.capture(title, ArtifactKind.PAGE, image, "png", description)
    return index, digest
