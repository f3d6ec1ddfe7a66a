"""Photos: fetch them inside the signed-in context, spot placeholders, compare perceptually."""

from __future__ import annotations

import contextlib
import hashlib
import io
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import imagehash
from PIL import Image, ImageOps, ImageStat, UnidentifiedImageError
from playwright.sync_api import BrowserContext, CDPSession, Page
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from troubleshooter.errors import BadInputError

# pHash (64 bits) distance at or below which two images show the same photo. Resizing to
# 48-300 px, square crops and JPEG quality 60-95 stay far below it; different people land
# far above it (see tests/test_photo.py and benchmarks/).
HASH_SIZE = 8
SAME_PHOTO_MAX_DISTANCE = 12

# MD5 of SharePoint's "PersonPlaceholder" images seen in PnP code (reference, section 3a).
KNOWN_PLACEHOLDER_MD5 = frozenset(
    {"7ad602295f8386b7615b582d87bcc294", "4a48f26592f4e1498d7a478a4c48609c"}
)
SIZES = ("S", "M", "L")
SIGN_IN_WAIT_S = 15.0  # how long the probe tab may take to come back signed in


class NotAnImageError(ValueError):
    """The bytes are not an image Pillow can read."""


def open_image(data: bytes) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError) as exc:
        raise NotAnImageError(str(exc)) from None
    return image


def _normalised(image: Image.Image) -> Image.Image:
    """RGB on white, centre-cropped square: what every photo coin shows."""
    if image.mode in ("RGBA", "LA", "P"):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba)
    image = image.convert("RGB")
    side = min(image.size)
    return ImageOps.fit(image, (side, side), method=Image.Resampling.LANCZOS)


def perceptual_hash(data: bytes) -> imagehash.ImageHash:
    return imagehash.phash(_normalised(open_image(data)), hash_size=HASH_SIZE)


@dataclass(frozen=True)
class Comparison:
    distance: int
    threshold: int

    @property
    def same(self) -> bool:
        return self.distance <= self.threshold

    def as_dict(self) -> dict[str, Any]:
        return {"distance": self.distance, "threshold": self.threshold, "same": self.same}


def compare(a: bytes, b: bytes, threshold: int = SAME_PHOTO_MAX_DISTANCE) -> Comparison:
    """Perceptual distance between two images (0 = identical)."""
    # imagehash returns a numpy integer; reports need plain JSON numbers and booleans.
    return Comparison(int(perceptual_hash(a) - perceptual_hash(b)), threshold)


MAX_PHOTO_BYTES = 4 * 1024 * 1024  # Microsoft Graph's upload limit for a profile photo


def read_image_file(path: Path) -> bytes:
    """An image file's bytes, checked: it exists, Pillow reads it, and it is at most 4 MB."""
    if not path.is_file():
        raise BadInputError(f"{path}: file not found")
    data = path.read_bytes()
    if len(data) > MAX_PHOTO_BYTES:
        raise BadInputError(f"{path}: {len(data):,} bytes; a profile photo may be at most 4 MB")
    try:
        open_image(data)
    except NotAnImageError:
        raise BadInputError(f"{path}: not an image Pillow can read") from None
    return data


def file_sample(path: Path, data: bytes | None = None) -> PhotoSample:
    """A checked image file as a PhotoSample, so it can stand in for a fetched photo."""
    content = read_image_file(path) if data is None else data
    mime = Image.MIME.get(open_image(content).format or "", "application/octet-stream")
    url = path.resolve().as_uri()
    return PhotoSample(url, url, 200, mime, content)


def compare_files(first: Path, second: Path) -> Comparison:
    return compare(read_image_file(first), read_image_file(second))


def looks_like_placeholder(data: bytes) -> bool:
    """True for SharePoint's grey silhouette: a known hash, or few grey tones and no colour."""
    if hashlib.md5(data).hexdigest() in KNOWN_PLACEHOLDER_MD5:
        return True
    image = _normalised(open_image(data)).resize((64, 64))
    saturation = image.convert("HSV").getchannel("S")
    if ImageStat.Stat(saturation).mean[0] > 12:
        return False
    grey = image.convert("L").quantize(16)
    counts = sorted(grey.histogram(), reverse=True)
    # A silhouette is two or three flat tones; a black-and-white photo spreads over many.
    return sum(counts[:3]) >= 0.75 * 64 * 64


@dataclass(frozen=True)
class PhotoSample:
    """One photo as fetched: where from, what came back, and what it is."""

    requested_url: str
    final_url: str
    status: int
    content_type: str
    content: bytes

    @cached_property
    def ok(self) -> bool:
        """HTTP 200 with an image Pillow can decode (a truncated image is not a photo)."""
        if self.status != 200 or not self.content_type.startswith("image/"):
            return False
        try:
            open_image(self.content)
        except NotAnImageError:
            return False
        return True

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    @property
    def extension(self) -> str:
        kind = self.content_type.split(";")[0].split("/")[-1].lower()
        return {"jpeg": "jpg", "svg+xml": "svg"}.get(kind, kind or "bin")

    def is_placeholder(self) -> bool:
        return self.ok and looks_like_placeholder(self.content)

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "requested_url": self.requested_url,
            "final_url": self.final_url,
            "status": self.status,
            "content_type": self.content_type,
            "bytes": len(self.content),
            "sha256": self.sha256,
        }
        if self.ok:
            image = open_image(self.content)
            data.update(width=image.width, height=image.height, placeholder=self.is_placeholder())
        return data


def userphoto_url(sharepoint: str, upn: str, size: str) -> str:
    return f"{sharepoint}/_layouts/15/userphoto.aspx?size={size}&accountname={quote(upn)}"


class PhotoProbe:
    """A tab of its own in the signed-in context that opens photo URLs directly.

    A direct navigation carries no Referer and bypasses the browser cache, so it reads what
    the server holds now without itself being the "SharePoint page" that triggers a refresh.
    It also leaves nothing in the cache: a page that later asks for the same photo URL must
    reach SharePoint (and so trigger the refresh), not get the probe's cached answer.
    """

    def __init__(self, context: BrowserContext) -> None:
        self._context = context
        self._page: Page | None = None
        self._session: CDPSession | None = None

    def _tab(self) -> Page:
        if self._page is None or self._page.is_closed():
            self._page = self._context.new_page()
            self._session = self._context.new_cdp_session(self._page)
            self._session.send("Network.enable")
            self._session.send("Network.setCacheDisabled", {"cacheDisabled": True})
        return self._page

    def _forget(self) -> None:
        """Drop what the probe's requests put in the context's HTTP cache."""
        if self._session is not None:
            self._session.send("Network.clearBrowserCache")

    def fetch(self, url: str, timeout_s: float = 30.0) -> PhotoSample:
        """What the server answers for ``url`` now, signing the tab in first if it must."""
        page = self._tab()
        sample = self._get(page, url, timeout_s)
        if sample is None:
            # The first request to a host went through the sign-in chain (SSO): let it come
            # back signed in, then measure again with a clean request.
            self._wait_for_host(page, urlsplit(url).netloc, timeout_s)
            sample = self._get(page, url, timeout_s)
        self._forget()
        return sample or PhotoSample(url, page.url, 0, "", b"")

    @staticmethod
    def _get(page: Page, url: str, timeout_s: float) -> PhotoSample | None:
        """One direct request; None when it ended on another host's page (sign-in)."""
        response = page.goto(url, timeout=timeout_s * 1000, wait_until="commit")
        if response is None:
            return PhotoSample(url, url, 0, "", b"")
        content_type = response.headers.get("content-type", "")
        elsewhere = urlsplit(response.url).netloc != urlsplit(url).netloc
        if elsewhere and not content_type.startswith("image/"):
            return None
        try:
            body = response.body()
        except PlaywrightError:
            return None  # the page navigated on (an auto-posting sign-in form)
        return PhotoSample(url, response.url, response.status, content_type, body)

    @staticmethod
    def _wait_for_host(page: Page, netloc: str, timeout_s: float) -> None:
        with contextlib.suppress(PlaywrightTimeoutError):  # then the second request says why
            page.wait_for_url(
                lambda url: urlsplit(url).netloc == netloc,
                timeout=min(timeout_s, SIGN_IN_WAIT_S) * 1000,
                wait_until="commit",
            )
