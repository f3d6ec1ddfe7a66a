"""Deterministic demo photos, the SharePoint placeholder and image resizing (Pillow only)."""

from __future__ import annotations

import hashlib
import io
import random
from functools import lru_cache

from PIL import Image, ImageDraw, ImageEnhance, ImageFont, ImageOps

PHOTO_SIZE = 648
SP_SIZES = {"S": 48, "M": 72, "L": 240}
MAX_UPLOAD = 4 * 1024 * 1024


def _rng(seed: str) -> random.Random:
    return random.Random(int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8], "big"))


def _colour(rng: random.Random, lo: int, hi: int) -> tuple[int, int, int]:
    return (rng.randint(lo, hi), rng.randint(lo, hi), rng.randint(lo, hi))


def _background(img: Image.Image, rng: random.Random) -> None:
    """Bold low-frequency structure: a random coarse grid plus one big geometric shape."""
    draw = ImageDraw.Draw(img)
    n = rng.choice([3, 4])
    cell = PHOTO_SIZE / n
    for gy in range(n):
        for gx in range(n):
            light = rng.random() < 0.5
            fill = _colour(rng, 150, 250) if light else _colour(rng, 10, 110)
            box = (gx * cell, gy * cell, (gx + 1) * cell, (gy + 1) * cell)
            draw.rectangle(box, fill=fill)
    kind = rng.choice(["circle", "triangle", "band"])
    fill = _colour(rng, 0, 255)
    if kind == "circle":
        cx, cy, r = rng.randint(0, PHOTO_SIZE), rng.randint(0, PHOTO_SIZE), rng.randint(90, 220)
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=fill)
    elif kind == "triangle":
        pts = [(rng.randint(0, PHOTO_SIZE), rng.randint(0, PHOTO_SIZE)) for _ in range(3)]
        draw.polygon(pts, fill=fill)
    else:
        y = rng.randint(0, PHOTO_SIZE - 120)
        draw.rectangle((0, y, PHOTO_SIZE, y + rng.randint(60, 140)), fill=fill)


def _person(
    img: Image.Image, rng: random.Random, initials: str, moved: tuple[int, int] = (0, 0)
) -> None:
    """A stylised head and shoulders with the person's initials on the chest."""
    draw = ImageDraw.Draw(img)
    skin = _colour(rng, 120, 235)
    shirt = _colour(rng, 20, 200)
    cx = PHOTO_SIZE // 2 + rng.randint(-60, 60) + moved[0]
    head_r = rng.randint(85, 120)
    head_y = rng.randint(200, 260) + moved[1]
    draw.ellipse((cx - 230, head_y + head_r + 20, cx + 230, PHOTO_SIZE + 260), fill=shirt)
    draw.ellipse((cx - head_r, head_y - head_r, cx + head_r, head_y + head_r), fill=skin)
    font = ImageFont.load_default(size=96)
    text_fill = (255, 255, 255) if sum(shirt) < 380 else (0, 0, 0)
    draw.text((cx, head_y + head_r + 150), initials, fill=text_fill, font=font, anchor="mm")


def _caption(img: Image.Image, text: str) -> None:
    """A yellow-on-black label at the top centre, inside the round crop SharePoint shows."""
    draw = ImageDraw.Draw(img)
    font = ImageFont.load_default(size=84)
    c = PHOTO_SIZE // 2
    draw.rectangle((c - 125, 24, c + 125, 124), fill=(0, 0, 0))
    draw.text((c, 74), text, fill=(255, 230, 0), font=font, anchor="mm")


def encode_jpeg(img: Image.Image, quality: int = 88) -> bytes:
    buf = io.BytesIO()
    img.convert("RGB").save(buf, format="JPEG", quality=quality)
    return buf.getvalue()


@lru_cache(maxsize=64)
def demo_photo(
    seed: str,
    initials: str,
    caption: str | None = None,
    moved: tuple[int, int] = (0, 0),
    light: float = 1.0,
) -> bytes:
    """A 648×648 JPEG that is clearly one person; the same arguments give the same bytes.

    ``moved`` (pixels) and ``light`` (a brightness factor) make a retake of the same scene:
    the person stepped aside and the lighting changed, as in a new headshot session.
    """
    rng = _rng(seed)
    img = Image.new("RGB", (PHOTO_SIZE, PHOTO_SIZE), (128, 128, 128))
    _background(img, rng)
    _person(img, rng, initials, moved)
    if caption:
        _caption(img, caption)
    if light != 1.0:
        img = ImageEnhance.Brightness(img).enhance(light)
    return encode_jpeg(img)


@lru_cache(maxsize=8)
def placeholder_png(px: int) -> bytes:
    """SharePoint's grey "PersonPlaceholder" silhouette as a PNG, ``px`` square."""
    scale = 4
    side = px * scale
    img = Image.new("RGB", (side, side), (234, 234, 234))
    draw = ImageDraw.Draw(img)
    grey = (166, 166, 166)
    c = side / 2
    r = side * 0.19
    draw.ellipse((c - r, side * 0.37 - r, c + r, side * 0.37 + r), fill=grey)
    draw.ellipse((c - side * 0.34, side * 0.62, c + side * 0.34, side * 1.25), fill=grey)
    img = img.resize((px, px), Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=False)
    return buf.getvalue()


def open_image(data: bytes) -> Image.Image:
    """Open and fully decode image bytes; raises ValueError when they are not an image."""
    try:
        img = Image.open(io.BytesIO(data))
        img.load()
    except Exception as exc:  # Pillow raises several types for bad data
        raise ValueError("not a supported image") from exc
    return ImageOps.exif_transpose(img)


def square_jpeg(data: bytes, px: int, quality: int = 85) -> bytes:
    """Centre-crop to a square and resample to ``px`` (how SharePoint makes S/M/L thumbnails)."""
    img = open_image(data).convert("RGB")
    img = ImageOps.fit(img, (px, px), Image.Resampling.LANCZOS)
    return encode_jpeg(img, quality)


def normalise_upload(data: bytes) -> bytes:
    """Make an uploaded image the stored photo of record: JPEG, at most 648 px."""
    img = open_image(data).convert("RGB")
    img.thumbnail((PHOTO_SIZE, PHOTO_SIZE), Image.Resampling.LANCZOS)
    return encode_jpeg(img, 90)


@lru_cache(maxsize=1)
def favicon_png() -> bytes:
    """A 32 px tile so browsers find a favicon on every host (no 404 noise in consoles)."""
    img = Image.new("RGB", (32, 32), (3, 120, 212))
    ImageDraw.Draw(img).rectangle((8, 8, 23, 23), fill=(255, 255, 255))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()
