"""`troubleshooter compare A B`: same source image or not, as a command with exit codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from PIL import ImageEnhance

from tests.calibration import fit, shot, source
from tests.helpers import run_cli
from troubleshooter.photo import RULES
from troubleshooter.sim.photos import square_jpeg
from troubleshooter.sim.users import current_photo, old_photo, retake_photo
from troubleshooter.verdict import Outcome, exit_code


@pytest.fixture(scope="module")
def photos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The NASA astronaut portrait as a photo of record, its resample and retake proxies."""
    folder = tmp_path_factory.mktemp("compare")
    astronaut = source("astronaut")
    record = shot(astronaut)
    files = {
        "record": (record, "jpg"),
        "resample": (fit(record, 72), "png"),
        "rotated-3": (fit(shot(astronaut, angle=3), 240), "jpg"),
        "shifted-5": (fit(shot(astronaut, shift=(0.05, 0)), 240), "jpg"),
        "brighter-15": (fit(ImageEnhance.Brightness(record).enhance(1.15), 240), "webp"),
        # 4% more contrast: less than any retake the tool must catch, more than a resample.
        "borderline": (fit(ImageEnhance.Contrast(record).enhance(1.04), 240), "jpg"),
    }
    paths = {}
    for name, (image, ext) in files.items():
        paths[name] = folder / f"{name}.{ext}"
        image.save(paths[name], quality=90)
    for name, data in {
        "adele": current_photo("adele.vance", "AV"),
        "adele-2019": square_jpeg(old_photo("adele.vance", "AV"), 240),
        "miriam": current_photo("miriam.graham", "MG"),
        "miriam-retake": square_jpeg(retake_photo("miriam.graham", "MG"), 240),
    }.items():
        paths[name] = folder / f"{name}.jpg"
        paths[name].write_bytes(data)
    return paths


def _values(stdout: str) -> dict[str, float]:
    rows = [line.split() for line in stdout.splitlines()[2:] if line.startswith("  ")]
    return {row[0]: float(row[1]) for row in rows if row[0] in {r.name for r in RULES}}


def test_a_resample_is_the_same(photos: dict[str, Path]) -> None:
    result = run_cli("compare", str(photos["record"]), str(photos["resample"]))
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "same: a resample of the same source image"
    assert lines[1].split()[:5] == ["measure", "value", "same", "<=", "different"]
    values = _values(result.stdout)
    assert list(values) == [rule.name for rule in RULES]
    for rule in RULES:  # each row shows its thresholds
        row = next(line for line in lines if line.split()[:1] == [rule.name])
        assert row.split()[2:5] == [f"{rule.same_max:g}", f"{rule.different_min:g}", "same"]
        assert values[rule.name] <= rule.same_max
    assert lines[-1] == "  (pixel measures taken at 64 px)"


@pytest.mark.parametrize(
    ("other", "telling"),
    [
        ("rotated-3", "misalignment"),
        ("shifted-5", "structure"),
        ("brighter-15", "brightness"),
        ("adele-2019", "phash"),
    ],
)
def test_a_retake_is_different(photos: dict[str, Path], other: str, telling: str) -> None:
    first = "adele" if other.startswith("adele") else "record"
    result = run_cli("compare", str(photos[first]), str(photos[other]))
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout.startswith("different: not the same source image\n")
    rule = next(r for r in RULES if r.name == telling)
    assert _values(result.stdout)[telling] >= rule.different_min


def test_the_demo_retake_is_different(photos: dict[str, Path]) -> None:
    result = run_cli("compare", str(photos["miriam"]), str(photos["miriam-retake"]))
    assert result.returncode == 1, result.stdout
    assert _values(result.stdout)["phash"] <= 12  # the old "looks alike" test said same


def test_a_borderline_pair_cannot_tell(photos: dict[str, Path]) -> None:
    result = run_cli("compare", str(photos["record"]), str(photos["borderline"]))
    assert result.returncode == exit_code(Outcome.CANNOT_TELL) == 5, result.stdout
    assert result.stdout.startswith("cannot-tell: too close to call: look at both images\n")
    reads = [line.split()[4] for line in result.stdout.splitlines()[2:-1]]
    assert "between" in reads and "different" not in reads, result.stdout


def test_compare_imports_neither_playwright_nor_scipy_nor_asyncio(photos: dict[str, Path]) -> None:
    code = (
        "import sys\n"
        "from troubleshooter.cli import main\n"
        f"sys.argv = ['troubleshooter', 'compare', {str(photos['record'])!r}, "
        f"{str(photos['resample'])!r}]\n"
        "try:\n    main()\nexcept SystemExit as exit:\n    code = exit.code\n"
        "heavy = {'playwright', 'scipy', 'asyncio'}\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & heavy)\n"
        "print(code, heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines()[-1] == "0 []", out.stdout + out.stderr


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
