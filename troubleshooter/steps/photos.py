"""Photo steps: the photo of record from the account circle, and SharePoint's copy."""

from __future__ import annotations

import base64
import contextlib
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image
from playwright.sync_api import Locator

from troubleshooter import artifacts as names
from troubleshooter.artifacts import ArtifactKind
from troubleshooter.composite import photo_panels, side_by_side
from troubleshooter.context import RunContext
from troubleshooter.errors import PageError, TroubleshooterError
from troubleshooter.photo import (
    SIZES,
    NotAnImageError,
    PhotoSample,
    compare,
    file_sample,
    open_image,
)
from troubleshooter.probe import userphoto_url
from troubleshooter.scenario import CaptureReferenceStep, CheckSharePointPhotoStep, CompositeStep
from troubleshooter.steps import StepOutcome, handler
from troubleshooter.steps.answers import ask, first_bytes, refuse
from troubleshooter.steps.navigation import fresh_page
from troubleshooter.validate import read_image_file

# Asking SharePoint again: fast at first (the copy often changes within seconds of the
# trigger), then slower, never more often than FIRST_POLL_S nor less than every MAX_POLL_S.
FIRST_POLL_S = 0.1
# Each wait is half the time already waited (×1.5 a step): a refreshed copy is seen at most a
# third of the elapsed time late (doubling: up to half).
GROWTH = 0.5
EARLY_POLL_S = 2.0  # the longest wait in the first 20 s
MAX_POLL_S = 60.0  # a real tenant can take hours: about one request a minute then


def poll_wait(elapsed_s: float) -> float:
    """Seconds to wait before asking again, from the time already waited: growing by half
    from FIRST_POLL_S, then a tenth of the time waited (~10% more requests per doubling of
    the wait), capped."""
    growing = max(FIRST_POLL_S, elapsed_s * GROWTH)
    return min(growing, max(EARLY_POLL_S, elapsed_s / 10), MAX_POLL_S)


@handler(CaptureReferenceStep)
def capture_reference(ctx: RunContext, step: CaptureReferenceStep) -> StepOutcome:
    fresh = fresh_page(ctx, step.timeout_s) if step.fresh else contextlib.nullcontext()
    with fresh:
        return _capture_reference(ctx, step)


def _capture_reference(ctx: RunContext, step: CaptureReferenceStep) -> StepOutcome:
    suffix = f"-{step.label}" if step.label else ""
    key = f"reference{suffix}"
    found = ctx.targets.first_of(ctx.page, [step.target, "account_initials"], step.timeout_s)
    if found is None:
        raise ctx.targets.not_found(ctx.page, step.target, step.timeout_s)
    circle = ctx.targets.find(ctx.page, "account_button", 5).locator
    ctx.capture(
        f"{names.ACCOUNT_CIRCLE}{suffix}",
        ArtifactKind.ELEMENT,
        circle.screenshot(),
        "png",
        "The account circle on the Microsoft 365 home",
    )
    if found.target == "account_initials":
        form = PhotoForm("initials")
    else:
        form = _photo_form(ctx, found.locator, step.timeout_s)
    shown = None if form.kind == "initials" else _circle_photo(ctx, form)
    if step.expect is not None:
        _expect_photo(ctx, shown, Path(ctx.resolve(step.expect)))
    if ctx.settings.expected_photo is not None:
        return _expected_reference(ctx, shown, suffix, key)
    if shown is None:
        ctx.photos.reference = None
        ctx.photos.reference_source = "account circle shows initials: no photo of record"
        data = {
            "present": False,
            "kind": "account-circle",
            "form": "initials",
            "source": ctx.photos.reference_source,
        }
        ctx.photo_checked(key, data)
        return StepOutcome(
            "the account circle shows initials: the user has no photo of record", data
        )
    ctx.photos.reference = shown
    ctx.photos.reference_source = (
        f"account circle on the Microsoft 365 home, {form.kind} ({found.strategy})"
    )
    ctx.capture(
        f"{names.PHOTO_OF_RECORD}{suffix}",
        ArtifactKind.PHOTO,
        shown.content,
        shown.extension,
        "The photo of record, as the Microsoft 365 home loads it",
    )
    data = {
        "present": True,
        "kind": "account-circle",
        "form": form.kind,
        "source": ctx.photos.reference_source,
        **shown.as_dict(),
    }
    ctx.photo_checked(key, data)
    return StepOutcome(f"photo of record ({form.kind}): {shown.final_url}", data)


@dataclass(frozen=True)
class PhotoForm:
    """How the account circle shows the photo: ``img``, ``background-image``,
    ``background-image (blob)`` or ``initials`` (no photo)."""

    kind: str
    url: str = ""


# The account circle's photo is an <img>, or the CSS background-image of the element (or of a
# child), with an http(s) or blob: URL; with neither it shows initials (SOURCES.md, me control).
_FORM_JS = r"""
(el) => {
  const img = el.tagName === "IMG" ? el : el.querySelector("img");
  if (img && (img.currentSrc || img.src)) return ["img", img.currentSrc || img.src];
  for (const node of [el, ...el.querySelectorAll("*")]) {
    const m = /url\(["']?(.*?)["']?\)/.exec(getComputedStyle(node).backgroundImage || "");
    if (m && m[1])
      return [m[1].startsWith("blob:") ? "background-image (blob)" : "background-image", m[1]];
  }
  return ["initials", "", (el.innerText || "").trim()];
}
"""

# A blob: URL lives only inside the page: read its bytes there.
_BLOB_JS = r"""
async (url) => {
  const response = await fetch(url);
  const bytes = new Uint8Array(await response.arrayBuffer());
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000)
    text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  return [response.headers.get("content-type") || response.type || "", btoa(text)];
}
"""


def _photo_form(ctx: RunContext, element: Locator, timeout_s: float) -> PhotoForm:
    """The photo's form; an empty circle (no URL, no initials yet) is given time to fill in."""
    deadline = time.monotonic() + timeout_s
    while True:
        kind, url, *text = element.evaluate(_FORM_JS)
        if kind != "initials" or (text and text[0]) or time.monotonic() >= deadline:
            return PhotoForm(kind, url)
        ctx.page.wait_for_timeout(200)


def _circle_photo(ctx: RunContext, form: PhotoForm) -> PhotoSample:
    if form.url.startswith("blob:"):
        content_type, encoded = ctx.page.evaluate(_BLOB_JS, form.url)
        content = base64.b64decode(encoded)
        if not content_type.startswith("image/"):
            content_type = _sniff(content)
        sample = PhotoSample(form.url, form.url, 200, content_type, content)
    else:
        sample = ctx.probe.fetch(form.url)
    if not sample.ok:
        raise PageError(f"the photo of record at {form.url} answered HTTP {sample.status}")
    return sample


def _sniff(content: bytes) -> str:
    try:
        return Image.MIME.get(open_image(content).format or "", "application/octet-stream")
    except NotAnImageError:
        return "application/octet-stream"


def _expect_photo(ctx: RunContext, shown: PhotoSample | None, path: Path) -> None:
    """Stop the run unless the account circle shows the photo in ``path``."""
    expected = read_image_file(path)
    if shown is None:
        raise PageError(f"the account circle shows initials, not the photo in {path.name}")
    result = compare(shown.content, expected)
    if not result.same:
        raise PageError(
            f"the Microsoft 365 home shows a different photo from {path.name} "
            f"(comparison: {result.verdict}, pHash distance {result.distance})"
        )


def _expected_reference(
    ctx: RunContext, shown: PhotoSample | None, suffix: str, key: str
) -> StepOutcome:
    """--expected-photo: the file is the reference; the account circle is recorded next to it."""
    path = ctx.settings.expected_photo
    assert path is not None
    reference = file_sample(path)
    ctx.photos.reference = reference
    ctx.photos.reference_source = f"--expected-photo {path.name}"
    ctx.capture(
        f"{names.PHOTO_OF_RECORD}{suffix}",
        ArtifactKind.PHOTO,
        reference.content,
        reference.extension,
        f"The expected photo of record, given with --expected-photo ({path.name})",
    )
    data: dict[str, Any] = {
        "present": True,
        "kind": "expected-photo",
        "source": ctx.photos.reference_source,
        **reference.as_dict(),
        "requested_url": path.name,
        "final_url": path.name,
    }
    if shown is not None:
        ctx.capture(
            f"{names.ACCOUNT_CIRCLE_PHOTO}{suffix}",
            ArtifactKind.PHOTO,
            shown.content,
            shown.extension,
            "The photo the account circle on the Microsoft 365 home loads",
        )
        data["account_circle"] = {
            **shown.as_dict(),
            "comparison": compare(shown.content, reference.content).as_dict(),
        }
    ctx.photo_checked(key, data)
    return StepOutcome(f"photo of record: {path.name} (--expected-photo)", data)


@handler(CompositeStep)
def composite(ctx: RunContext, step: CompositeStep) -> StepOutcome:
    photos = ctx.photos
    panels = photo_panels(photos.reference, photos.before, photos.after)
    image = side_by_side(panels, f"{ctx.display_name or ctx.settings.upn}: profile photo")
    ctx.capture(
        step.name,
        ArtifactKind.COMPOSITE,
        image,
        "png",
        "Photo of record | SharePoint before | SharePoint after, with perceptual distances",
    )
    return StepOutcome("photo of record, SharePoint before and after side by side")


@handler(CheckSharePointPhotoStep)
def check_sharepoint_photo(ctx: RunContext, step: CheckSharePointPhotoStep) -> StepOutcome:
    sharepoint, upn = ctx.settings.tenant.sharepoint, ctx.settings.upn
    urls = {size: userphoto_url(sharepoint, upn, size) for size in ("L", "M", "S")}
    retries: list[dict[str, Any]] = []
    samples = _fetch_all(ctx, step, urls, retries)
    reference = ctx.photos.reference
    if step.poll and reference is not None and not _matches(samples["L"], reference):
        chosen = ctx.settings.poll_timeout_s
        timeout = step.timeout_s if chosen is None else chosen
        start, large = time.monotonic(), samples["L"]
        while not _matches(large, reference) and (elapsed := time.monotonic() - start) < timeout:
            ctx.waiting("waiting for SharePoint to refresh its copy", elapsed, timeout)
            wait = min(poll_wait(elapsed), timeout - elapsed)
            large = _fetch_all(ctx, step, {"L": urls["L"]}, retries, after_s=wait)["L"]
        # The other sizes as they are now, with the large one that ended the wait.
        others = _fetch_all(ctx, step, {s: urls[s] for s in ("M", "S")}, retries)
        samples = {"L": large, **others}
    large = samples["L"]
    ctx.photos.checked(step.label, samples)
    data = _record(ctx, step, samples, retries)
    return StepOutcome(_describe(large, reference), data)


def _record(
    ctx: RunContext,
    step: CheckSharePointPhotoStep,
    samples: dict[str, PhotoSample],
    retries: list[dict[str, Any]],
) -> dict[str, Any]:
    """Keep what SharePoint answered at each size (and each retry) in the report."""
    reference = ctx.photos.reference
    data: dict[str, Any] = {"sizes": {}, "retries": retries}
    for size in SIZES:
        if size not in samples:
            continue
        sample = samples[size]
        entry = sample.as_dict()
        if reference is not None and sample.ok:
            entry["comparison"] = compare(sample.content, reference.content).as_dict()
        if not sample.ok and sample.content:
            entry["first_bytes"] = first_bytes(sample.content)
        if sample.failure:
            entry["failure"] = sample.failure
        data["sizes"][size] = entry
        if sample.ok:
            ctx.capture(
                names.sharepoint_photo(size, step.label),
                ArtifactKind.PHOTO,
                sample.content,
                sample.extension,
                f"SharePoint's copy, size {size}, {step.label}",
            )
    ctx.photo_checked(step.label, data)
    return data


def _fetch_all(
    ctx: RunContext,
    step: CheckSharePointPhotoStep,
    urls: dict[str, str],
    retries: list[dict[str, Any]],
    after_s: float = 0.0,
) -> dict[str, PhotoSample]:
    """Each size's photo, fetched at once (after ``after_s``); a throttled or broken answer
    ends the step, with what SharePoint answered kept in the report."""
    samples = ask(ctx, urls, retries, after_s)
    try:
        refuse(urls, samples, retries)
    except TroubleshooterError as exc:
        exc.data = _record(ctx, step, samples, retries)
        raise
    return samples


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
    word = {"same": "matches", "different": "differs from"}.get(result.verdict, "may match")
    return f"SharePoint's copy {word} the photo of record ({result.verdict})"
