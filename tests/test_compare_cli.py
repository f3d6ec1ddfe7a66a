"""`troubleshooter compare A B`: same photo or not, as a command with exit codes."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from tests.helpers import run_cli
from troubleshooter.sim.users import current_photo, old_photo


def save(data: bytes, path: Path, px: int | None = None, quality: int = 85) -> Path:
    image = Image.open(io.BytesIO(data)).convert("RGB")
    if px:
        image = image.resize((px, px), Image.Resampling.LANCZOS)
    image.save(path, quality=quality)
    return path


@pytest.fixture
def photos(tmp_path: Path) -> dict[str, Path]:
    adele = current_photo("adele.vance", "AV")
    return {
        "adele": save(adele, tmp_path / "adele.jpg"),
        "adele-thumb": save(adele, tmp_path / "adele-72.png", px=72),
        "adele-2019": save(old_photo("adele.vance", "AV"), tmp_path / "adele-2019.jpg", px=240),
        "megan": save(current_photo("megan.bowen", "MB"), tmp_path / "megan.jpg", quality=60),
    }


def test_same_photo_at_another_size_and_format(photos: dict[str, Path]) -> None:
    result = run_cli("compare", str(photos["adele"]), str(photos["adele-thumb"]))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("same (distance ")
    assert result.stdout.endswith(", same when <= 12)\n")


@pytest.mark.parametrize("other", ["adele-2019", "megan"])
def test_different_photos(photos: dict[str, Path], other: str) -> None:
    result = run_cli("compare", str(photos["adele"]), str(photos[other]))
    assert result.returncode == 1, result.stderr
    assert result.stdout.startswith("different (distance ")
    distance = int(result.stdout.split("distance ")[1].split(",")[0])
    assert distance > 12


def test_bad_files_exit_2(tmp_path: Path, photos: dict[str, Path]) -> None:
    text = tmp_path / "notes.jpg"
    text.write_text("hello")
    missing = tmp_path / "missing.png"
    result = run_cli("compare", str(photos["adele"]), str(missing))
    assert (result.returncode, result.stderr) == (2, f"error: {missing}: file not found\n")
    result = run_cli("compare", str(text), str(photos["adele"]))
    assert (result.returncode, result.stderr) == (
        2,
        f"error: {text}: not an image Pillow can read\n",
    )
    assert result.stdout == ""
