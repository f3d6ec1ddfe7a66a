"""Perceptual comparison: a photo matches its own thumbnails and not other people's photos."""

from __future__ import annotations

import io
import itertools
import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageEnhance, ImageOps

from troubleshooter.composite import PANEL_PX, photo_panels, side_by_side
from troubleshooter.errors import BadInputError
from troubleshooter.photo import (
    RULES,
    Likeness,
    PhotoSample,
    compare,
    file_sample,
    looks_like_placeholder,
)
from troubleshooter.sim.photos import demo_photo, placeholder_png
from troubleshooter.sim.users import current_photo, old_photo
from troubleshooter.validate import read_image_file
from troubleshooter.verdict import Outcome, PhotoFacts, all_outcomes, decide, exit_code, info

PEOPLE = [("adele.vance", "AV"), ("megan.bowen", "MB"), ("alex.wilber", "AW"), ("lee.gu", "LG")]


def encoded(image: Image.Image, fmt: str = "JPEG", quality: int = 90) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, quality=quality)
    return out.getvalue()


def thumbnail(data: bytes, px: int, quality: int) -> bytes:
    """SharePoint's copy: centre square crop, resampled to ``px``, JPEG."""
    image = Image.open(io.BytesIO(data)).convert("RGB")
    return encoded(ImageOps.fit(image, (px, px), Image.Resampling.LANCZOS), quality=quality)


def landscape(data: bytes) -> bytes:
    """A non-square photo of record: the demo photo without its top and bottom twentieths."""
    image = Image.open(io.BytesIO(data)).convert("RGB")
    w, h = image.size
    return encoded(image.crop((0, h // 20, w, h - h // 20)))


@pytest.mark.parametrize(("local", "initials"), PEOPLE)
@pytest.mark.parametrize("px", [48, 64, 96, 120, 200, 240, 300])
@pytest.mark.parametrize("quality", [60, 75, 95])
@pytest.mark.parametrize("crop", [False, True])
def test_photo_matches_its_thumbnails(
    local: str, initials: str, px: int, quality: int, crop: bool
) -> None:
    original = current_photo(local, initials)
    if crop:
        original = landscape(original)
    result = compare(original, thumbnail(original, px, quality))
    assert result.same, f"{local} at {px}px q{quality} crop={crop}: {result.as_dict()}"


def test_different_people_are_different() -> None:
    photos = [current_photo(local, initials) for local, initials in PEOPLE]
    photos += [demo_photo(f"stranger-{n}", "ZZ") for n in range(6)]
    for a, b in itertools.combinations(photos, 2):
        result = compare(a, b)
        assert not result.same, f"distance {result.distance}"
        assert not compare(thumbnail(a, 96, 70), b).same


def test_old_and_new_photo_of_one_person_are_different() -> None:
    assert not compare(old_photo("adele.vance", "AV"), current_photo("adele.vance", "AV")).same


@pytest.mark.parametrize("px", [48, 72, 96, 240])
def test_placeholder_is_recognised_without_its_hash(px: int) -> None:
    assert looks_like_placeholder(placeholder_png(px))
    assert looks_like_placeholder(thumbnail(placeholder_png(px), 120, 70))


@pytest.mark.parametrize(("local", "initials"), PEOPLE)
def test_real_photos_are_not_placeholders(local: str, initials: str) -> None:
    photo = current_photo(local, initials)
    assert not looks_like_placeholder(photo)
    grey = Image.open(io.BytesIO(photo)).convert("L")
    out = io.BytesIO()
    grey.save(out, format="JPEG")
    assert not looks_like_placeholder(out.getvalue()), "a black-and-white photo is a photo"


def test_read_image_file_errors(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match=r"missing\.jpg: file not found"):
        read_image_file(tmp_path / "missing.jpg")
    text = tmp_path / "notes.jpg"
    text.write_text("not an image")
    with pytest.raises(BadInputError, match=r"notes\.jpg: not an image Pillow can read"):
        read_image_file(text)
    big = tmp_path / "big.jpg"
    big.write_bytes(b"\xff" * (4 * 1024 * 1024 + 1))
    with pytest.raises(BadInputError, match="a profile photo may be at most 4 MB"):
        read_image_file(big)


def _sample(data: bytes, content_type: str = "image/jpeg", status: int = 200) -> PhotoSample:
    return PhotoSample("https://x/p", "https://x/p", status, content_type, data)


def test_file_sample_stands_in_for_a_fetched_photo(tmp_path: Path) -> None:
    path = tmp_path / "approved.png"
    Image.open(io.BytesIO(current_photo("adele.vance", "AV"))).save(path)
    sample = file_sample(path)
    assert sample.ok and sample.content_type == "image/png" and sample.extension == "png"
    assert sample.final_url == path.resolve().as_uri()
    assert compare(sample.content, current_photo("adele.vance", "AV")).same


def test_composite_panels_are_labelled_with_distances() -> None:
    reference = _sample(current_photo("adele.vance", "AV"))
    before = _sample(thumbnail(old_photo("adele.vance", "AV"), 240, 80))
    after = _sample(thumbnail(reference.content, 240, 80))
    first, stale, fresh = photo_panels(reference, before, after)
    assert (first.title, first.caption, first.good) == ("Photo of record", "the reference", None)
    assert stale.caption.startswith("different photo\npHash ") and stale.good is False
    assert fresh.caption.startswith("same photo\npHash ") and fresh.good is True
    result = compare(after.content, reference.content)
    assert fresh.caption == f"same photo\n{result.caption()}"
    assert result.caption().count("\n") == 1  # three caption rows in all


def test_composite_panel_that_cannot_tell_is_neutral() -> None:
    reference = current_photo("adele.vance", "AV")
    image = Image.open(io.BytesIO(reference)).convert("RGB")
    # 2.5% brighter: more than a resample changes, less than a retake the tool must catch.
    edited = encoded(ImageOps.fit(ImageEnhance.Brightness(image).enhance(1.025), (240, 240)))
    result = compare(reference, edited)
    panel = photo_panels(_sample(reference), _sample(edited), None)[1]
    assert result.verdict is Likeness.CANNOT_TELL, result.as_dict()
    assert panel.caption.startswith("cannot tell: look at both\n") and panel.good is None


def test_composite_panels_for_missing_and_placeholder_photos() -> None:
    grey = _sample(placeholder_png(240), "image/png")
    first, before, after = photo_panels(None, grey, _sample(b"", "text/html", 404))
    assert (first.image, first.caption) == (None, "none: no photo of record")
    assert before.caption == "grey placeholder"
    assert (after.image, after.caption) == (None, "HTTP 404")
    assert photo_panels(None, None, None)[1].caption == "not checked"


def test_side_by_side_is_one_png_row() -> None:
    panels = photo_panels(
        _sample(current_photo("lee.gu", "LG")), None, _sample(old_photo("lee.gu", "LG"))
    )
    image = Image.open(io.BytesIO(side_by_side(panels, "Lee Gu: profile photo")))
    assert image.format == "PNG"
    assert image.width == 16 + 3 * (PANEL_PX + 16)
    # The reference is drawn at full panel size in the first column, bottom row.
    ref = image.crop((16, image.height - 16 - PANEL_PX, 16 + PANEL_PX, image.height - 16))
    out = io.BytesIO()
    ref.save(out, format="PNG")
    assert compare(out.getvalue(), current_photo("lee.gu", "LG")).same


def test_comparison_is_plain_json() -> None:
    result = compare(current_photo("adele.vance", "AV"), old_photo("adele.vance", "AV"))
    data = result.as_dict()
    assert type(data["distance"]) is int and type(data["same"]) is bool
    assert data["verdict"] == "different" and data["same"] is False
    assert list(data["measures"]) == [rule.name for rule in RULES]
    for rule in RULES:
        measure = data["measures"][rule.name]
        assert (measure["same_max"], measure["different_min"]) == (
            rule.same_max,
            rule.different_min,
        )
        assert type(measure["value"]) is float or type(measure["value"]) is int
    assert json.loads(json.dumps(data)) == data


@pytest.mark.parametrize(
    ("facts", "outcome"),
    [
        (PhotoFacts(True, True, before_matches=True), Outcome.ALREADY_IN_SYNC),
        (PhotoFacts(True, True, after_matches=True), Outcome.SYNCED),
        (PhotoFacts(True, True, after_uncertain=True), Outcome.CANNOT_TELL),
        (PhotoFacts(True, True, after_is_placeholder=True), Outcome.PLACEHOLDER),
        (PhotoFacts(True, True), Outcome.STILL_STALE),
        (PhotoFacts(False, True, after_uncertain=True), Outcome.NO_PHOTO_OF_RECORD),
    ],
)
def test_decide_reads_the_three_way_comparison(facts: PhotoFacts, outcome: Outcome) -> None:
    assert decide(facts) is outcome


def test_cannot_tell_has_its_own_exit_code() -> None:
    codes = [about.exit_code for _, about in all_outcomes()]
    assert exit_code(Outcome.CANNOT_TELL) == 5 and codes.count(5) == 1
    assert "composite" in info(Outcome.CANNOT_TELL).advice


def test_compare_does_not_import_numpy() -> None:
    """numpy's import alone costs more CPU than typer's: the photo maths is Pillow's and ours."""
    code = (
        "import sys\n"
        "from troubleshooter.photo import compare\n"
        "from troubleshooter.sim.users import current_photo\n"
        "photo = current_photo('adele.vance', 'AV')\n"
        "assert compare(photo, photo).same\n"
        "print('numpy' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "False", result.stdout + result.stderr


@pytest.mark.parametrize("px", [1, 2, 3, 4, 15, 16, 17])
def test_tiny_images_compare(px: int) -> None:
    """Images under the 16 px measuring size are scaled up and still read inside their edges."""
    image = Image.effect_noise((px, px), 60).convert("RGB")
    assert compare(encoded(image, "PNG"), encoded(image, "PNG")).verdict is not Likeness.DIFFERENT


def test_flat_and_textured_are_not_alike() -> None:
    flat = encoded(Image.new("RGB", (64, 64), (120, 130, 140)), "PNG")
    noise = encoded(Image.effect_noise((64, 64), 60).convert("RGB"), "PNG")
    assert compare(flat, flat).same
    for first, second in ((flat, noise), (noise, flat)):
        assert compare(first, second).verdict is Likeness.DIFFERENT
    structure = compare(noise, flat).values[3]
    assert structure == 1000.0  # every moved copy of a flat image is flat: no correlation
