"""Photo steps: the photo of record from the account circle, and SharePoint's copy."""

from __future__ import annotations

import time
from typing import Any

from troubleshooter.context import RunContext
from troubleshooter.errors import PageError
from troubleshooter.photo import SIZES, PhotoSample, compare, userphoto_url
from troubleshooter.scenario import CaptureReferenceStep, CheckSharePointPhotoStep
from troubleshooter.steps import StepOutcome, handler

POLL_INTERVAL_S = 2.0


@handler("capture_reference")
def capture_reference(ctx: RunContext, step: CaptureReferenceStep) -> StepOutcome:
    found = ctx.targets.first_of(ctx.page, [step.target, "account_initials"], step.timeout_s)
    if found is None:
        raise PageError(ctx.targets.not_found_message(ctx.page, step.target, step.timeout_s))
    circle = ctx.targets.find(ctx.page, "account_button", 5).locator
    ctx.capture(
        "account-circle",
        "element",
        circle.screenshot(),
        "png",
        "The account circle on the Microsoft 365 home",
    )
    if found.target == "account_initials":
        ctx.photos.reference_source = "account circle shows initials: no photo of record"
        ctx.photo_checked("reference", {"present": False, "source": ctx.photos.reference_source})
        return StepOutcome(
            "the account circle shows initials: the user has no photo of record", {"present": False}
        )
    src = found.locator.evaluate("img => img.currentSrc || img.src")
    sample = ctx.probe.fetch(src)
    if not sample.ok:
        raise PageError(f"the photo of record at {src} answered HTTP {sample.status}")
    ctx.photos.reference = sample
    ctx.photos.reference_source = f"account circle on the Microsoft 365 home ({found.strategy})"
    ctx.capture(
        "photo-of-record",
        "photo",
        sample.content,
        sample.extension,
        "The photo of record, as the Microsoft 365 home loads it",
    )
    data = {"present": True, "source": ctx.photos.reference_source, **sample.as_dict()}
    ctx.photo_checked("reference", data)
    return StepOutcome(f"photo of record: {sample.final_url}", data)


@handler("check_sharepoint_photo")
def check_sharepoint_photo(ctx: RunContext, step: CheckSharePointPhotoStep) -> StepOutcome:
    sharepoint, upn = ctx.settings.tenant.sharepoint, ctx.settings.upn
    large = _fetch(ctx, userphoto_url(sharepoint, upn, "L"))
    reference = ctx.photos.reference
    if step.poll and reference is not None:
        timeout = ctx.settings.poll_timeout_s or step.timeout_s
        start = time.monotonic()
        while not _matches(large, reference) and time.monotonic() - start < timeout:
            ctx.waiting("waiting for SharePoint to refresh its copy…", time.monotonic() - start)
            ctx.page.wait_for_timeout(POLL_INTERVAL_S * 1000)
            large = _fetch(ctx, userphoto_url(sharepoint, upn, "L"))
    samples = {"L": large}
    for size in SIZES:
        if size != "L":
            samples[size] = _fetch(ctx, userphoto_url(sharepoint, upn, size))
    ctx.photos.sizes[step.label] = samples
    setattr(ctx.photos, step.label, large)
    data: dict[str, Any] = {"sizes": {}}
    for size in SIZES:
        sample = samples[size]
        entry = sample.as_dict()
        if reference is not None and sample.ok:
            entry["comparison"] = compare(sample.content, reference.content).as_dict()
        data["sizes"][size] = entry
        if sample.ok:
            ctx.capture(
                f"sharepoint-{size}-{step.label}",
                "photo",
                sample.content,
                sample.extension,
                f"SharePoint's copy, size {size}, {step.label}",
            )
    ctx.photo_checked(step.label, data)
    return StepOutcome(_describe(large, reference), data)


def _fetch(ctx: RunContext, url: str) -> PhotoSample:
    sample = ctx.probe.fetch(url)
    if sample.status >= 500 or sample.status == 0:
        raise PageError(f"{url} answered HTTP {sample.status}")
    return sample


def _matches(sample: PhotoSample, reference: PhotoSample) -> bool:
    return sample.ok and compare(sample.content, reference.content).same


def _describe(sample: PhotoSample, reference: PhotoSample | None) -> str:
    if not sample.ok:
        return f"SharePoint answered HTTP {sample.status} for the photo"
    if sample.is_placeholder():
        return "SharePoint serves the grey placeholder"
    if reference is None:
        return "SharePoint has a photo; there is no photo of record to compare"
    result = compare(sample.content, reference.content)
    word = "matches" if result.same else "differs from"
    return f"SharePoint's copy {word} the photo of record (distance {result.distance})"
