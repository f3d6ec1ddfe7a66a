"""Photo maths: read and check images, spot placeholders, and decide "same source image".

A true match is SharePoint's resample of the photo of record: resized, re-encoded, cropped
square, never turned, moved, relit or mirrored. :func:`compare` measures both at a common small
size: is each difference as small as a resample leaves (same), as large as a retake makes
(different), or between (cannot-tell)? Thresholds: the calibration set in tests/ (see RESULTS.md).

Pillow's C code and the standard library only: importing numpy would cost a short command more
CPU than all of typer (benchmarks/RESULTS.md).
"""

from __future__ import annotations

import io
import math
import operator
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache, cached_property, lru_cache
from pathlib import Path
from typing import Any

from PIL import Image, ImageFilter, ImageMath, ImageStat, UnidentifiedImageError

from troubleshooter.validate import read_image_file

# MD5 of SharePoint's "PersonPlaceholder" images seen in PnP code (reference, section 3a).
KNOWN_PLACEHOLDER_MD5 = frozenset(
    {"7ad602295f8386b7615b582d87bcc294", "4a48f26592f4e1498d7a478a4c48609c"}
)
SIZES = ("S", "M", "L")
HASH_SIZE = 8  # pHash: 8×8 low DCT frequencies of a 32×32 greyscale image, 64 bits
WORK_PX = 64  # both images are measured at min(their sizes, WORK_PX)...
MIN_WORK_PX = 16  # ...but never below this (a smaller image is scaled up to it)
BLUR_PX = 1.0  # a light blur first, so JPEG ringing at 48 px does not count as a change
LANCZOS = Image.Resampling.LANCZOS
BILINEAR = Image.Resampling.BILINEAR
BOX = Image.Resampling.BOX
AFFINE = Image.Transform.AFFINE
_LEVELS = range(256)
_SQUARES = tuple(level * level for level in _LEVELS)


class NotAnImageError(ValueError):
    """The bytes are not an image Pillow can read."""


def open_image(data: bytes) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise NotAnImageError(str(exc)) from None
    return image


def _normalised(image: Image.Image, mode: str = "RGB") -> Image.Image:
    """On white, centre-cropped square: what every photo coin shows (``mode``: RGB or L)."""
    if image.mode in ("RGBA", "LA", "P", "PA"):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba)
    image = image.convert(mode)
    side = min(image.size)
    left, top = (image.width - side) // 2, (image.height - side) // 2
    return image.crop((left, top, left + side, top + side))


@cache
def _dct_half_rows(n: int, keep: int) -> tuple[tuple[float, ...], ...]:
    """The first ``keep`` rows of scipy's unnormalised DCT-II matrix for an even length ``n``,
    left halves only: row k is symmetric about the middle for even k, antisymmetric for odd."""
    return tuple(
        tuple(2.0 * math.cos(math.pi * k * (2 * i + 1) / (2 * n)) for i in range(n // 2))
        for k in range(keep)
    )


def _folded(values: Sequence[float], half: int) -> tuple[list[float], list[float]]:
    """``values`` plus and minus its own mirror image, first halves: what the symmetric and the
    antisymmetric DCT rows multiply."""
    head, tail = values[:half], values[: half - 1 : -1]
    return list(map(operator.add, head, tail)), list(map(operator.sub, head, tail))


def phash_bits(image: Image.Image, hash_size: int = HASH_SIZE) -> int:
    """imagehash.phash's bits as one number: hash_size² bits, row-major, the first one highest.

    Plain Python in float64 (about 5k multiply-adds, the DCT rows folded in half): no numpy or
    scipy to import."""
    side, half = hash_size * 4, hash_size * 2
    grey = image if image.mode == "L" else image.convert("L")
    # Transposed, so each column of pixels is a contiguous run of bytes.
    flipped = grey.resize((side, side), LANCZOS).transpose(Image.Transpose.TRANSPOSE).tobytes()
    columns = [_folded(flipped[j : j + side], half) for j in range(0, side * side, side)]
    dct = _dct_half_rows(side, hash_size)
    mul = operator.mul
    # dct @ pixels, then (dct @ pixels) @ dct.T, each row of the first folded in turn.
    rows = [
        _folded([sum(map(mul, d, column[k % 2])) for column in columns], half)
        for k, d in enumerate(dct)
    ]
    low = [sum(map(mul, row[k % 2], d)) for row in rows for k, d in enumerate(dct)]
    ranked = sorted(low)
    middle = len(ranked) // 2
    median = (ranked[middle - 1] + ranked[middle]) / 2 if len(ranked) % 2 == 0 else ranked[middle]
    return int("".join("1" if value > median else "0" for value in low), 2)


def phash_hex(data: bytes) -> str:
    """The 64-bit pHash of an image as 16 hex digits (imagehash's str() of the same hash)."""
    return f"{phash_bits(_normalised(open_image(data))):0{HASH_SIZE * HASH_SIZE // 4}x}"


class Likeness(StrEnum):
    """The answer to "is this a resample of that image?"."""

    SAME = "same"
    DIFFERENT = "different"
    CANNOT_TELL = "cannot-tell"


@dataclass(frozen=True)
class Rule:
    """One measure's thresholds: same at or below ``same_max``, different from ``different_min``."""

    name: str
    unit: str
    same_max: float
    different_min: float
    about: str


# Calibrated on tests/calibration.py (benchmarks/calibrate.py prints the margins): every
# same-source variant stays at or below same_max, every retake proxy reaches different_min
# on at least one measure.
RULES: tuple[Rule, ...] = (
    Rule("phash", "bits", 8, 14, "pHash distance (of 64 bits)"),
    Rule("brightness", "levels", 1.5, 3.0, "difference of mean luminance (0-255)"),
    Rule("contrast", "%", 2.2, 3.2, "difference of luminance spread"),
    Rule("structure", "1/1000", 6.0, 20.0, "1 - correlation, best within half a pixel"),
    Rule("misalignment", "x", 1.15, 1.8, "how much better a slightly turned or moved copy fits"),
)


@dataclass(frozen=True)
class Comparison:
    """The measures between two images and the decision they lead to."""

    values: tuple[float, ...]  # one per RULES entry
    size_px: int  # the common size the pixel measures were taken at

    @property
    def verdict(self) -> Likeness:
        pairs = list(zip(RULES, self.values, strict=True))
        if any(value >= rule.different_min for rule, value in pairs):
            return Likeness.DIFFERENT
        if all(value <= rule.same_max for rule, value in pairs):
            return Likeness.SAME
        return Likeness.CANNOT_TELL

    @property
    def same(self) -> bool:
        return self.verdict is Likeness.SAME

    @property
    def distance(self) -> int:
        """The pHash distance (bits), the measure the report has always shown."""
        return int(self.values[0])

    @property
    def threshold(self) -> int:
        return int(RULES[0].same_max)

    def measures(self) -> dict[str, dict[str, Any]]:
        return {
            rule.name: {
                "value": round(value, 3),
                "unit": rule.unit,
                "same_max": rule.same_max,
                "different_min": rule.different_min,
            }
            for rule, value in zip(RULES, self.values, strict=True)
        }

    def table(self) -> list[str]:
        """Each measure with its value and thresholds, one line each, for a terminal."""
        head = f"  {'measure':<13}{'value':>9}  {'same <=':>8}  {'different >=':>12}  {'reads':<9}"
        lines = [head]
        for rule, value in zip(RULES, self.values, strict=True):
            reads = (
                "different"
                if value >= rule.different_min
                else "same"
                if value <= rule.same_max
                else "between"
            )
            lines.append(
                f"  {rule.name:<13}{value:>9.2f}  {rule.same_max:>8g}  {rule.different_min:>12g}"
                f"  {reads:<9}  {rule.unit:<6} {rule.about}"
            )
        lines.append(f"  (pixel measures taken at {self.size_px} px)")
        return lines

    def caption(self) -> str:
        """Two short lines of measures, for a 240 px panel."""
        phash, brightness, contrast, structure, misalignment = self.values
        return (
            f"pHash {phash:g} · structure {structure:.1f} · fit {misalignment:.2f}\n"
            f"brightness {brightness:.1f} · contrast {contrast:.1f}%"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict.value,
            "same": self.same,
            "distance": self.distance,
            "threshold": self.threshold,
            "size_px": self.size_px,
            "measures": self.measures(),
        }


# Small moves the misalignment measure tries: turns of 1-3 degrees, shifts of 1.5% and 3%
# (angle in degrees, shift in % of the side).
_MOVES: tuple[tuple[float, float, float], ...] = (
    *((a, 0.0, 0.0) for a in (-3, -2, -1, 1, 2, 3)),
    *((0.0, d, 0.0) for d in (-3, -1.5, 1.5, 3)),
    *((0.0, 0.0, d) for d in (-3, -1.5, 1.5, 3)),
)
# Offsets of up to half a pixel of the smaller image: resamplers differ in where they put
# pixel centres, so a true resample may sit that far off. A 5×5 grid of them (in half of
# that, identity first) counts as no move at all.
_HALF_PIXEL = (
    (0.0, 0.0),
    *((dx / 2, dy / 2) for dx in (-2, -1, 0, 1, 2) for dy in (-2, -1, 0, 1, 2) if dx or dy),
)


def _inset(side: int) -> int:
    """How much is cut from each edge of a ``side`` square to leave its centre: an eighth, so
    every small move still reads inside the image."""
    return side // 8


def _warp(side: int, angle: float, dx: float, dy: float) -> tuple[float, ...]:
    """Pillow AFFINE coefficients that take the centre of a ``side`` square through a turn of
    ``angle``° about the image's middle, then a shift of (dx, dy) px.

    Centre pixel (X, Y) reads the input at x = cos·u − sin·v + dx + (side − 1)/2 and
    y = sin·u + cos·v + dy + (side − 1)/2, where u, v are its offsets from the middle and pixel
    centres sit at whole numbers. Pillow evaluates a0·(X + ½) + a1·(Y + ½) + a2 and samples half
    a pixel lower, hence the ``side / 2`` terms."""
    t = math.radians(angle)
    cos, sin, k = math.cos(t), math.sin(t), _inset(side) - side / 2
    return (cos, -sin, (cos - sin) * k + dx + side / 2, sin, cos, (sin + cos) * k + dy + side / 2)


def _moved(image: Image.Image, moves: tuple[tuple[float, float, float], ...]) -> Image.Image:
    """The centre of ``image`` (mode F) under each move (angle °, dx px, dy px), bilinear, the
    tiles stacked top to bottom in one tall image."""
    side = image.width
    inset = _inset(side)
    n = side - 2 * inset
    strip = Image.new("F", (n, n * len(moves)))
    for index, (angle, dx, dy) in enumerate(moves):
        if angle:
            tile = image.transform((n, n), AFFINE, _warp(side, angle, dx, dy), resample=BILINEAR)
        else:
            # A shift alone: resizing a same-size box is the same bilinear read, twice as fast
            # (Pillow keeps the box in float32: the read moves by under 1e-6 px).
            x, y = inset + dx, inset + dy
            tile = image.resize((n, n), BILINEAR, box=(x, y, x + n, y + n))
        strip.paste(tile, (0, index * n))
    return strip


def _tile_sums(strip: Image.Image, count: int) -> list[float]:
    """The sum of each of ``count`` equal tiles stacked in ``strip`` (mode F)."""
    # Pillow averages each row in double precision (one float32 rounding per row), and the
    # rows are added up in float64: far less rounding than a float32 sum.
    means = array("f", strip.reduce((strip.width, 1)).tobytes())
    n = strip.height // count
    return [sum(means[i : i + n]) * strip.width for i in range(0, n * count, n)]


def _product(first: Image.Image, second: Image.Image) -> Image.Image:
    product: Image.Image = ImageMath.lambda_eval(lambda m: m["a"] * m["b"], a=first, b=second)
    return product


def _moments(image: Image.Image) -> tuple[int, int, int]:
    """Pixel count, sum and sum of squares of an 8-bit greyscale image, exact (from its
    histogram, as ImageStat does)."""
    histogram = image.histogram()
    return (
        sum(histogram),
        sum(map(operator.mul, histogram, _LEVELS)),
        sum(map(operator.mul, histogram, _SQUARES)),
    )


def _spread(moments: tuple[int, int, int]) -> int:
    """count² × variance: exact, a whole number."""
    count, total, squares = moments
    return count * squares - total * total


def _std(moments: tuple[int, int, int]) -> float:
    """The population standard deviation."""
    return math.sqrt(_spread(moments)) / moments[0]


def _decorrelation(
    x: Image.Image, y: Image.Image, shift_y: int, moves: tuple[tuple[float, float, float], ...]
) -> list[float]:
    """1 − Pearson correlation of the centre of ``x`` with the centre of ``y`` under each move
    (both mode L, the same size; ``shift_y``: a whole number near y's mean level)."""
    inset = _inset(x.width)
    centre = x.crop((inset, inset, x.width - inset, x.height - inset))
    pixels, sum_x, _ = moments = _moments(centre)
    spread_x, count = _spread(moments), len(moves)
    if spread_x == 0:  # Two flat images are alike; a flat one and a textured one are not.
        return [0.0] * count
    # Shifted by whole levels near their means, so the float32 products do not cancel (1 − r
    # of a resample is as small as 2e-5) and a flat tile's spread comes out exactly 0.
    shift_x = round(sum_x / pixels)
    ys = _moved(y.convert("F").point(lambda v: v - shift_y), moves)
    xs = Image.frombytes("L", ys.size, centre.tobytes() * count)
    xs = xs.convert("F").point(lambda v: v - shift_x)
    sum_y, sum_yy, sum_xy = (_tile_sums(s, count) for s in (ys, _product(ys, ys), _product(xs, ys)))
    sum_x -= shift_x * pixels
    result = []
    for sy, syy, sxy in zip(sum_y, sum_yy, sum_xy, strict=True):
        spread_y = pixels * syy - sy * sy
        covariance = pixels * sxy - sum_x * sy
        result.append(1.0 if spread_y <= 0 else 1.0 - covariance / math.sqrt(spread_x * spread_y))
    return result


def _grey(image: Image.Image, side: int) -> Image.Image:
    return image if image.width == side else image.resize((side, side), LANCZOS)


def _opened(data: bytes) -> Image.Image:
    """The image, header read but pixels not yet decoded."""
    try:
        return Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, OSError) as exc:
        raise NotAnImageError(str(exc)) from None


def _greyscale_square(image: Image.Image, at_least: int) -> Image.Image:
    """Decode as a greyscale square; a JPEG is decoded straight at a reduced scale (a DCT
    resample, 2-8× faster) when it is much larger than the measures need."""
    if image.format == "JPEG":
        image.draft("L", (at_least, at_least))
    try:
        image.load()
    except OSError as exc:
        raise NotAnImageError(str(exc)) from None
    return _normalised(image, "L")


def _measure(a: Image.Image, b: Image.Image, side: int, native: tuple[int, int]) -> Comparison:
    """The measures between two greyscale squares, the pixel ones at ``side`` px; ``native``:
    the images' sides as stored (before any reduced-scale decoding)."""
    grey_a, grey_b = _grey(a, side), _grey(b, side)
    (count_a, sum_a, _), (count_b, sum_b, _) = _moments(grey_a), _moments(grey_b)
    brightness = abs(sum_a / count_a - sum_b / count_b)
    blur = ImageFilter.GaussianBlur(BLUR_PX)
    soft_a, soft_b = grey_a.filter(blur), grey_b.filter(blur)
    moments_b = _moments(soft_b)
    spread = max(_std(_moments(soft_a)), 1e-6) / max(_std(moments_b), 1e-6)
    contrast = abs(math.log(spread)) * 100
    # Half a pixel of the smaller image, in pixels of the measuring size; at most the inset, so
    # an image under 4 px scaled up to 16 is still read inside its edges.
    half = min(round(0.5 * side / min(native), 2), _inset(side))
    still = tuple((0.0, dx * half, dy * half) for dx, dy in _HALF_PIXEL)
    moves = tuple((angle, dx * side / 100, dy * side / 100) for angle, dx, dy in _MOVES)
    shift_b = round(moments_b[1] / moments_b[0])
    decorrelation = _decorrelation(soft_a, soft_b, shift_b, still + moves)
    structure = min(decorrelation[: len(still)])
    misalignment = structure / max(min(decorrelation[len(still) :]), 1e-5)
    distance = (phash_bits(a) ^ phash_bits(b)).bit_count()
    return Comparison((distance, brightness, contrast, structure * 1000, misalignment), side)


@lru_cache(maxsize=64)  # a run asks about the same pair for the step, the verdict and the report
def compare(a: bytes, b: bytes) -> Comparison:
    """Is ``b`` a resample of the same source image as ``a`` (the reference)?"""
    first, second = _opened(a), _opened(b)
    native = (min(first.size), min(second.size))
    side = min(*native, WORK_PX)
    at_least = max(side, HASH_SIZE * 4)
    grey_a = _greyscale_square(first, at_least)
    grey_b = _greyscale_square(second, at_least)
    side = max(min(side, grey_a.width, grey_b.width), MIN_WORK_PX)
    return _measure(grey_a, grey_b, side, (max(native[0], 1), max(native[1], 1)))


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
    import hashlib  # here, not at the top: `compare` starts ~4 ms faster without OpenSSL

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
    retry_after: str = ""  # the Retry-After header of a 429 or 503
    failure: str = ""  # why there is no answer (status 0): e.g. the probe's deadline passed

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
        import hashlib

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
