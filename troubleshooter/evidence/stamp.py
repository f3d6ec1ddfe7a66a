"""Burn a small banner into a screenshot, so an image pasted alone still says what it is."""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache

from PIL import Image, ImageDraw, ImageFont

from troubleshooter.evidence.pngsplice import splice_png

BANNER_BG = (17, 24, 39)  # near black; white text on it is far above WCAG AA contrast
BANNER_FG = (255, 255, 255)
FONT_PX = 13
PAD = 6
MIN_WIDTH = 560  # element captures are small: widen the canvas so the banner stays readable


@dataclass(frozen=True)
class Stamp:
    """What the banner says."""

    ticket: str | None
    upn: str
    at_utc: str
    step: str
    url: str | None
    what: str | None = None

    def lines(self) -> list[str]:
        ticket = f"Ticket {self.ticket}" if self.ticket else "No ticket"
        what = [self.what] if self.what else []
        return [f"{ticket} · {self.upn} · {self.at_utc}", self.step, *what, self.url or "(no URL)"]


def stamp_png(content: bytes, stamp: Stamp) -> bytes:
    """The PNG with a banner added above it (nothing of the original image is covered)."""
    font = _font(FONT_PX)
    line_height = FONT_PX + 5
    lines = stamp.lines()
    banner = _banner(_width(content), PAD * 2 + line_height * len(lines), BANNER_BG)
    draw = ImageDraw.Draw(banner)
    for number, line in enumerate(lines):
        text = _fit(draw, line, font, banner.width - 2 * PAD)
        draw.text((PAD, PAD + number * line_height), text, fill=BANNER_FG, font=font)
    return above(content, banner)


def above(content: bytes, banner: Image.Image) -> bytes:
    """The PNG ``content`` with ``banner`` (RGB, at least as wide) on top of it.

    A browser's screenshot keeps its compressed rows: only the banner's rows are compressed
    and put in front of them (``spliced``). Other images are decoded and encoded again.
    """
    spliced = splice_png(content, banner)
    if spliced is not None:
        return spliced
    with Image.open(io.BytesIO(content)) as original:
        image = original.convert("RGB")
    canvas = Image.new("RGB", (banner.width, image.height + banner.height), (255, 255, 255))
    canvas.paste(banner, (0, 0))
    canvas.paste(image, (0, banner.height))
    out = io.BytesIO()
    canvas.save(out, format="PNG")  # optimize=True: ~3% smaller for ~3× the time
    return out.getvalue()


def _width(content: bytes) -> int:
    """The banner's width for an image: its own, at least MIN_WIDTH (header only, no decode)."""
    with Image.open(io.BytesIO(content)) as image:
        return max(image.width, MIN_WIDTH)


def _banner(width: int, height: int, background: tuple[int, int, int]) -> Image.Image:
    """An empty banner with a black rule as its last row: the image's first row may be
    filtered against the row above it, which PNG takes to be zeros (see pngsplice)."""
    banner = Image.new("RGB", (width, height + 1), background)
    ImageDraw.Draw(banner).line((0, height, width, height), fill=(0, 0, 0))
    return banner


@cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Pillow's built-in font at ``size`` px, loaded once (each load decodes the font)."""
    return ImageFont.load_default(size=size)


def _fit(
    draw: ImageDraw.ImageDraw,
    text: str,
    font: ImageFont.FreeTypeFont | ImageFont.ImageFont,
    width: int,
) -> str:
    """The text, cut with an ellipsis so that it fits the width (the longest cut that does,
    found by halving: a long URL would otherwise be measured once per character)."""
    if draw.textlength(text, font=font) <= width:
        return text
    fits, too_long = 0, len(text)
    while too_long - fits > 1:
        middle = (fits + too_long) // 2
        if draw.textlength(text[:middle] + "…", font=font) <= width:
            fits = middle
        else:
            too_long = middle
    return text[:fits] + "…"


# ---- whole-picture banners and small captures --------------------------------------------------

GOOD_BG = (20, 83, 45)  # dark green / dark red: white text stays far above WCAG AA contrast
BAD_BG = (127, 29, 29)
HEADLINE_PX = 18
SMALL_CAPTURE_PX = 160  # element captures smaller than this are enlarged to be recognisable


def banner_png(content: bytes, headline: str, lines: list[str], good: bool | None) -> bytes:
    """The PNG with a banner above it: a large headline (the verdict) and smaller lines."""
    big = _font(HEADLINE_PX)
    font = _font(FONT_PX)
    line_height = FONT_PX + 5
    height = PAD * 3 + HEADLINE_PX + line_height * len(lines)
    background = BANNER_BG if good is None else (GOOD_BG if good else BAD_BG)
    banner = _banner(_width(content), height, background)
    width = banner.width
    draw = ImageDraw.Draw(banner)
    draw.text((PAD, PAD), _fit(draw, headline, big, width - 2 * PAD), fill=BANNER_FG, font=big)
    top = PAD * 2 + HEADLINE_PX
    for number, line in enumerate(lines):
        text = _fit(draw, line, font, width - 2 * PAD)
        draw.text((PAD, top + number * line_height), text, fill=BANNER_FG, font=font)
    return above(content, banner)


def enlarged(content: bytes, smallest: int = SMALL_CAPTURE_PX) -> tuple[bytes, int]:
    """A small capture (a 32 px account circle) scaled up by a whole factor; and that factor."""
    with Image.open(io.BytesIO(content)) as original:
        image = original.convert("RGB")
    side = min(image.width, image.height)
    if side <= 0 or side >= smallest:
        return content, 1
    factor = -(-smallest // side)  # ceil
    image = image.resize((image.width * factor, image.height * factor), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue(), factor
