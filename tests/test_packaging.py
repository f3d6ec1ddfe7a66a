"""The wheel carries what an installed tool needs: scenarios, targets, templates, schema."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.helpers import ROOT

pytestmark = pytest.mark.slow


def test_wheel_ships_the_builtin_scenarios_and_data(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(tmp_path), "."],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    [wheel] = tmp_path.glob("troubleshooter-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    scenarios = {p.name for p in (ROOT / "scenarios").glob("*.yaml")}
    assert scenarios, "the repo has built-in scenarios"
    assert {f"troubleshooter/builtin_scenarios/{name}" for name in scenarios} <= names
    assert {
        "troubleshooter/targets.yaml",
        "troubleshooter/schemas/report.schema.json",
        "troubleshooter/evidence/templates/report.html.j2",
        "troubleshooter/sim/templates/base.html",
    } <= names
