"""The photo comparison's calibration set: real photographs, their resamples and retake proxies.

A *same-source* pair is the photo of record and a copy SharePoint could make of it (resampled,
re-encoded, square-cropped, alpha flattened). A *retake* pair is the photo of record and a copy
of a different shot: the camera turned or moved a little, the light changed, the image mirrored,
or another person framed the same way. A *borderline* pair is a change smaller than any retake
the tool must catch; it is reported, not asserted. Sources and licences: data/calibration/README.md.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageOps

DATA = Path(__file__).parent / "data" / "calibration"
PHOTOS = ("astronaut", "camera", "coffee", "chelsea", "rocket")
FACES = 40  # 25 px greyscale faces in lfw-faces.png, 10 a row
RECORD_PX = 648
SHAREPOINT_PX = (48, 72, 240)
LANCZOS = Image.Resampling.LANCZOS


@dataclass(frozen=True)
class Pair:
    kind: str  # "same" | "retake" | "borderline"
    name: str
    first: Callable[[], bytes]  # the photo of record
    second: Callable[[], bytes]  # what SharePoint (or the home page) shows


def encode(image: Image.Image, fmt: str = "JPEG", quality: int = 85) -> bytes:
    out = io.BytesIO()
    if fmt == "JPEG":
        image.convert("RGB").save(out, "JPEG", quality=quality)
    elif fmt == "WEBP":
        image.save(out, "WEBP", quality=quality)
    else:
        image.save(out, fmt)
    return out.getvalue()


def fit(image: Image.Image, px: int, method: Image.Resampling = LANCZOS) -> Image.Image:
    """SharePoint's thumbnail: centre square crop, resampled to ``px``."""
    return ImageOps.fit(image, (px, px), method=method)


@cache
def source(name: str) -> Image.Image:
    return Image.open(DATA / f"{name}.jpg").convert("RGB")


@cache
def face(index: int) -> Image.Image:
    sheet = Image.open(DATA / "lfw-faces.png").convert("RGB")
    row, col = divmod(index, 10)
    return sheet.crop((col * 25, row * 25, col * 25 + 25, row * 25 + 25))


def shot(
    src: Image.Image,
    angle: float = 0.0,
    shift: tuple[float, float] = (0.0, 0.0),
    size: tuple[int, int] = (RECORD_PX, RECORD_PX),
    window: float = 0.8,
) -> Image.Image:
    """What a camera aimed at the centre of ``src`` records: a window ``window`` of the short
    side wide, turned by ``angle`` degrees and moved by ``shift`` (fractions of the window)."""
    w = window * min(src.size)
    scale = w / min(size)
    cx = src.width / 2 + shift[0] * w
    cy = src.height / 2 + shift[1] * w
    cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    ox, oy = size[0] / 2, size[1] / 2
    # Output pixel (x, y) reads source pixel A·(x - ox, y - oy) + (cx, cy).
    a, b, d, e = scale * cos, -scale * sin, scale * sin, scale * cos
    data = (a, b, cx - a * ox - b * oy, d, e, cy - d * ox - e * oy)
    return src.transform(size, Image.Transform.AFFINE, data, Image.Resampling.BICUBIC)


def with_alpha(image: Image.Image) -> Image.Image:
    """An RGBA version whose transparent corners hide junk colour: only white may show there."""
    mask = Image.new("L", image.size, 0)
    inset = image.width // 8
    ImageDraw.Draw(mask).ellipse((-inset, -inset, image.width + inset, image.height + inset), 255)
    mask = mask.filter(ImageFilter.GaussianBlur(image.width / 60))
    rgba = Image.new("RGBA", image.size, (200, 0, 120, 0))
    rgba.paste(image, (0, 0))
    rgba.putalpha(mask)
    return rgba


def on_white(rgba: Image.Image) -> Image.Image:
    background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return Image.alpha_composite(background, rgba).convert("RGB")


@cache
def record(name: str) -> Image.Image:
    """The photo of record made from a source: the camera's straight shot."""
    return shot(source(name))


@cache
def record_bytes(name: str) -> bytes:
    return encode(record(name), quality=90)


def _same_pairs(name: str) -> Iterator[Pair]:
    def p(label: str, make: Callable[[], bytes], first: Callable[[], bytes] | None = None) -> Pair:
        return Pair("same", f"{name}: {label}", first or (lambda: record_bytes(name)), make)

    for px in (48, 72, 96, 120, 240, 360, 480, 648):
        yield p(f"{px}px q85", lambda px=px: encode(fit(record(name), px)))
    for px in (48, 72, 240):
        yield p(f"{px}px q60", lambda px=px: encode(fit(record(name), px), quality=60))
    yield p("240px q95", lambda: encode(fit(record(name), 240), quality=95))
    for px in (72, 240):
        yield p(f"{px}px PNG", lambda px=px: encode(fit(record(name), px), "PNG"))
    for px in (48, 240):
        yield p(f"{px}px WebP", lambda px=px: encode(fit(record(name), px), "WEBP", 75))
    for method in (Image.Resampling.BICUBIC, Image.Resampling.BILINEAR):
        for px in (72, 240):
            label = f"{px}px {method.name.lower()}"
            yield p(label, lambda px=px, m=method: encode(fit(record(name), px, m)))
    for px in (48, 72, 240):
        # Another resampler's pixel-centre convention: the copy sits half a pixel off.
        half = (0.5 / px, 0.5 / px)
        yield p(
            f"{px}px half a pixel off",
            lambda px=px, half=half: encode(fit(shot(source(name), shift=half), px)),
        )
    yield p("240px then 48px", lambda: encode(fit(fit(record(name), 240), 48)))
    yield p(
        "48px vs 240px",
        lambda: encode(fit(record(name), 48)),
        lambda: encode(fit(record(name), 240)),
    )
    rgba = cache(lambda: with_alpha(record(name)))
    flat = cache(lambda: encode(on_white(rgba()), quality=90))
    for px in (72, 240):
        yield p(f"alpha {px}px PNG", lambda px=px: encode(fit(rgba(), px), "PNG"), flat)
    wide = cache(lambda: shot(source(name), size=(RECORD_PX, RECORD_PX * 3 // 4)))
    wide_ref = cache(lambda: encode(wide(), quality=90))
    for px in (48, 240):
        yield p(f"4:3 record, {px}px square", lambda px=px: encode(fit(wide(), px)), wide_ref)


def _change(
    name: str, kind: str, label: str, make_old: Callable[[], Image.Image]
) -> Iterator[Pair]:
    """SharePoint's S, M and L copies of an old photo made by ``make_old``."""
    old = cache(make_old)
    for px in SHAREPOINT_PX:
        yield Pair(
            kind,
            f"{name}: {label} {px}px",
            lambda: record_bytes(name),
            lambda px=px: encode(fit(old(), px)),
        )


def _retakes(name: str, kind: str, scale: float) -> Iterator[Pair]:
    """Changes of ``scale`` × the smallest retake the tool must call different."""
    k = scale

    def src() -> Image.Image:
        return source(name)

    yield from _change(name, kind, f"rotated {2 * k:g}°", lambda: shot(src(), angle=2 * k))
    yield from _change(name, kind, f"rotated -{2 * k:g}°", lambda: shot(src(), angle=-2 * k))
    x, y = (0.03 * k, 0.0), (0.0, 0.03 * k)
    yield from _change(name, kind, f"shifted {3 * k:g}% x", lambda: shot(src(), shift=x))
    yield from _change(name, kind, f"shifted {3 * k:g}% y", lambda: shot(src(), shift=y))
    bright, contrast = ImageEnhance.Brightness, ImageEnhance.Contrast
    for f in (1 + 0.1 * k, 1 - 0.1 * k):
        yield from _change(
            name, kind, f"brightness ×{f:g}", lambda f=f: bright(record(name)).enhance(f)
        )
        yield from _change(
            name, kind, f"contrast ×{f:g}", lambda f=f: contrast(record(name)).enhance(f)
        )
    if kind == "retake":
        yield from _change(name, kind, "rotated 3°", lambda: shot(src(), angle=3))
        yield from _change(name, kind, "shifted 5% x+y", lambda: shot(src(), shift=(0.05, 0.05)))
        yield from _change(
            name,
            kind,
            "brightness ×1.15",
            lambda: ImageEnhance.Brightness(record(name)).enhance(1.15),
        )
        yield from _change(name, kind, "mirrored", lambda: ImageOps.mirror(record(name)))


@cache
def _face_shot(index: int) -> Image.Image:
    return shot(face(index), window=1.0, size=(240, 240))


@cache
def _face_record(index: int) -> bytes:
    return encode(_face_shot(index), quality=90)


def _faces() -> Iterator[Pair]:
    """Different people, the same tight framing: every pair of faces, at one SharePoint size."""
    for i in range(FACES):
        for j in range(i + 1, FACES):
            px = SHAREPOINT_PX[(i + j) % len(SHAREPOINT_PX)]
            yield Pair(
                "retake",
                f"face {i} vs face {j} {px}px",
                lambda i=i: _face_record(i),
                lambda j=j, px=px: encode(fit(_face_shot(j), px)),
            )


def pairs() -> list[Pair]:
    """Every calibration pair, same-source first."""
    out: list[Pair] = []
    for name in PHOTOS:
        out += _same_pairs(name)
    for name in PHOTOS:
        out += _retakes(name, "retake", 1.0)
    out += _faces()
    for name in PHOTOS:
        out += _retakes(name, "borderline", 0.4)
    return out
