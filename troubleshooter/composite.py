"""A side-by-side image for the ticket: photo of record | SharePoint before | SharePoint after."""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

from troubleshooter.photo import Likeness, PhotoSample, compare, open_image

PANEL_PX = 240
MARGIN = 16
TITLE_PX = 20
CAPTION_PX = 16
TEXT_ROWS = 3
BACKGROUND = (255, 255, 255)
EMPTY = (236, 236, 236)
INK = (32, 32, 32)
GOOD = (16, 124, 16)
BAD = (196, 43, 28)


_WORDS: dict[Likeness, tuple[str, bool | None]] = {
    Likeness.SAME: ("same photo", True),
    Likeness.DIFFERENT: ("different photo", False),
    Likeness.CANNOT_TELL: ("cannot tell: look at both", None),
}


@dataclass(frozen=True)
class Panel:
    """One column: a title, the image (None when there is nothing to show), and its caption."""

    title: str
    image: bytes | None
    caption: str
    good: bool | None = None  # colours the caption: green, red, or neutral


def photo_panels(
    reference: PhotoSample | None,
    before: PhotoSample | None,
    after: PhotoSample | None,
    after_title: str = "SharePoint after",
) -> list[Panel]:
    """The three standard panels, each SharePoint copy labelled with its measures."""
    if reference is None:
        first = Panel("Photo of record", None, "none: no photo of record", False)
    else:
        first = Panel("Photo of record", reference.content, "the reference")
    return [
        first,
        _sharepoint_panel("SharePoint before", before, reference),
        _sharepoint_panel(after_title, after, reference),
    ]


def _sharepoint_panel(
    title: str, sample: PhotoSample | None, reference: PhotoSample | None
) -> Panel:
    if sample is None:
        return Panel(title, None, "not checked")
    if not sample.ok:
        return Panel(title, None, f"HTTP {sample.status}", False)
    if sample.is_placeholder():
        return Panel(title, sample.content, "grey placeholder", False)
    if reference is None:
        return Panel(title, sample.content, "nothing to compare with")
    result = compare(sample.content, reference.content)
    word, good = _WORDS[result.verdict]
    return Panel(title, sample.content, f"{word}\n{result.caption()}", good)


def side_by_side(panels: list[Panel], heading: str | None = None) -> bytes:
    """Render the panels in one row as a PNG."""
    title_font = ImageFont.load_default(size=TITLE_PX)
    caption_font = ImageFont.load_default(size=CAPTION_PX)
    head = TITLE_PX + MARGIN if heading else 0
    width = MARGIN + len(panels) * (PANEL_PX + MARGIN)
    measure = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    captions = [_wrap(measure, p.caption, caption_font, PANEL_PX) for p in panels]
    rows = max([TEXT_ROWS, *(c.count("\n") + 1 for c in captions)])
    text_h = TITLE_PX + 6 + rows * (CAPTION_PX + 4)
    height = MARGIN + head + text_h + PANEL_PX + MARGIN
    canvas = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(canvas)
    if heading:
        draw.text((MARGIN, MARGIN), heading, fill=INK, font=title_font)
    for column, (panel, caption) in enumerate(zip(panels, captions, strict=True)):
        x = MARGIN + column * (PANEL_PX + MARGIN)
        y = MARGIN + head
        draw.text((x, y), panel.title, fill=INK, font=title_font)
        colour = INK if panel.good is None else (GOOD if panel.good else BAD)
        draw.multiline_text(
            (x, y + TITLE_PX + 6), caption, fill=colour, font=caption_font, spacing=4
        )
        top = y + text_h
        canvas.paste(_tile(panel.image), (x, top))
        if panel.good is not None:
            box = (x - 2, top - 2, x + PANEL_PX + 1, top + PANEL_PX + 1)
            draw.rectangle(box, outline=colour, width=3)
    out = io.BytesIO()
    canvas.save(out, format="PNG")
    return out.getvalue()


def _wrap(
    draw: ImageDraw.ImageDraw,
    text: str,
    font: ImageFont.FreeTypeFont | ImageFont.ImageFont,
    width: int,
) -> str:
    """Each caption line broken at its `` · `` separators so that it fits the panel."""
    out: list[str] = []
    for line in text.splitlines():
        current = ""
        for part in line.split(" · "):
            joined = f"{current} · {part}" if current else part
            if current and draw.textlength(joined, font=font) > width:
                out.append(current)
                current = part
            else:
                current = joined
        out.append(current)
    return "\n".join(out)


def _tile(data: bytes | None) -> Image.Image:
    """The image scaled to fit a square panel, on a light grey square."""
    tile = Image.new("RGB", (PANEL_PX, PANEL_PX), EMPTY)
    if data is None:
        return tile
    image = open_image(data).convert("RGBA")
    image.thumbnail((PANEL_PX, PANEL_PX), Image.Resampling.LANCZOS)
    offset = ((PANEL_PX - image.width) // 2, (PANEL_PX - image.height) // 2)
    tile.paste(image, offset, image)
    return tile
