"""The same-source test on real photographs: every resample is same, every retake different.

The pairs come from tests/calibration.py; benchmarks/calibrate.py writes their distribution
(min and max of each measure, per class) to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import io

import imagehash
import pytest
from PIL import Image

from tests.calibration import PHOTOS, Pair, face, pairs, record, shot, source
from troubleshooter.photo import RULES, Likeness, _normalised, compare, phash_bits, phash_hex
from troubleshooter.sim.users import DEMO_USERS

# Every same pair stays this far inside each "same" threshold, and every retake goes this far
# past at least one "different" threshold: the margins the thresholds were chosen with.
MARGIN = 1.15
PAIRS = [p for p in pairs() if p.kind != "borderline"]


@pytest.mark.parametrize("pair", PAIRS, ids=lambda p: f"{p.kind}: {p.name}")
def test_calibration_pair(pair: Pair) -> None:
    result = compare(pair.first(), pair.second())
    values = dict(zip([r.name for r in RULES], result.values, strict=True))
    if pair.kind == "same":
        assert result.verdict is Likeness.SAME, values
        for rule in RULES:
            assert values[rule.name] * MARGIN <= rule.same_max, (rule.name, values)
    else:
        assert result.verdict is Likeness.DIFFERENT, values
        assert any(values[r.name] >= r.different_min * MARGIN for r in RULES), values


def test_the_set_covers_what_the_issue_names() -> None:
    names = " | ".join(p.name for p in PAIRS)
    for needle in ("48px q60", "648px q85", "PNG", "WebP", "alpha", "4:3 record", "half a pixel"):
        assert needle in names
    for needle in ("rotated 2°", "shifted 3%", "brightness ×0.9", "contrast ×1.1", "mirrored"):
        assert needle in names
    assert sum(p.name.startswith("face ") for p in PAIRS) == 40 * 39 // 2
    assert {p.kind for p in PAIRS} == {"same", "retake"}


def _test_images() -> list[Image.Image]:
    images = [source(name) for name in PHOTOS] + [record(name) for name in PHOTOS]
    images += [face(i) for i in range(0, 40, 3)]
    images += [shot(source("astronaut"), angle=a) for a in (0.5, 2, 7)]
    for user in DEMO_USERS:
        for data in (user.photo_of_record, user.sharepoint_photo):
            if data:
                images.append(Image.open(io.BytesIO(data)))
    return images


@pytest.mark.parametrize("hash_size", [8, 16])
def test_phash_has_imagehash_bits(hash_size: int) -> None:
    for image in _test_images():
        square = _normalised(image)
        theirs = imagehash.phash(square, hash_size=hash_size).hash.ravel()
        expected = int("".join("1" if bit else "0" for bit in theirs), 2)
        assert phash_bits(square, hash_size) == expected, image.size


def test_phash_hex_is_imagehash_str() -> None:
    for user in DEMO_USERS[:4]:
        data = user.photo_of_record
        assert data is not None
        expected = str(imagehash.phash(_normalised(Image.open(io.BytesIO(data)))))
        assert phash_hex(data) == expected
