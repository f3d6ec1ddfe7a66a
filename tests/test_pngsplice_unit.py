"""Rows put on top of a PNG without decoding it decode to the same pixels as a new canvas."""

from __future__ import annotations

import io
import random
import zlib

import pytest
from PIL import Image, ImageDraw

from troubleshooter.evidence.pngsplice import adler32_combine, splice_png


def _photo_like(width: int, height: int, mode: str = "RGB") -> Image.Image:
    """Gradients, noise and shapes: the encoder picks Sub, Up, Average and Paeth rows."""
    rng = random.Random(7)
    image = Image.linear_gradient("L").resize((width, height)).convert(mode)
    draw = ImageDraw.Draw(image)
    for _ in range(40):
        x, y = rng.randrange(width), rng.randrange(height)
        draw.ellipse((x, y, x + 30, y + 20), fill=(rng.randrange(256), 90, 200))
    noise = Image.effect_noise((width, height), 40).convert(mode)
    return Image.blend(image, noise, 0.3)


def _png(image: Image.Image, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", **options)
    return out.getvalue()


def _banner(width: int, height: int = 30) -> Image.Image:
    banner = Image.new("RGB", (width, height), (17, 24, 39))
    ImageDraw.Draw(banner).text((4, 4), "Ticket 1 · step 2", fill=(255, 255, 255))
    ImageDraw.Draw(banner).line((0, height - 1, width, height - 1), fill=(0, 0, 0))
    return banner


def test_adler32_combine_matches_zlib() -> None:
    rng = random.Random(1)
    for _ in range(100):
        a = rng.randbytes(rng.randrange(0, 3000))
        b = rng.randbytes(rng.randrange(0, 90000))
        assert adler32_combine(zlib.adler32(a), zlib.adler32(b), len(b)) == zlib.adler32(a + b)


@pytest.mark.parametrize("level", [1, 6, 9])
def test_spliced_png_decodes_to_the_banner_above_the_image(level: int) -> None:
    image = _photo_like(320, 200)
    banner = _banner(320)
    spliced = splice_png(_png(image, compress_level=level), banner)
    assert spliced is not None
    expected = Image.new("RGB", (320, 230))
    expected.paste(banner, (0, 0))
    expected.paste(image, (0, 30))
    with Image.open(io.BytesIO(spliced)) as result:
        assert result.size == (320, 230) and result.mode == "RGB"
        assert result.tobytes() == expected.tobytes()


def test_other_pngs_are_left_to_the_caller() -> None:
    rgb = _photo_like(320, 100)
    assert splice_png(_png(rgb.convert("RGBA")), _banner(320)) is None, "alpha"
    assert splice_png(_png(rgb.convert("L")), _banner(320)) is None, "grey"
    assert splice_png(_png(rgb), _banner(400)) is None, "a wider banner"
    no_rule = Image.new("RGB", (320, 30), (17, 24, 39))
    assert splice_png(_png(rgb), no_rule) is None, "the last banner row must be black"
    assert splice_png(b"not a png", _banner(320)) is None
