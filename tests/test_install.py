"""Installed without make: build the wheel, install it into a fresh virtual environment (as
pipx or uv tool install would), and run `troubleshooter demo` from there."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from tests.helpers import ROOT

pytestmark = pytest.mark.slow


def test_the_wheel_installs_into_a_fresh_venv_and_runs_the_demo(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(tmp_path), "."],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    [wheel] = tmp_path.glob("troubleshooter-*.whl")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    bin_dir = env_dir / ("Scripts" if os.name == "nt" else "bin")  # .venv\Scripts on Windows
    python = bin_dir / ("python.exe" if os.name == "nt" else "python")
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-compile", str(wheel)],
        capture_output=True,
        text=True,
    )
    assert install.returncode == 0, install.stderr

    command = bin_dir / ("troubleshooter.exe" if os.name == "nt" else "troubleshooter")
    clean = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    result = subprocess.run(
        [str(command), "demo", "--out", str(tmp_path / "evidence")],
        capture_output=True,
        text=True,
        cwd=tmp_path,  # not the repo: the installed package must carry its own data
        env={**clean, "NO_COLOR": "1"},
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Verdict: synced (exit 0)" in result.stdout
    [report] = (tmp_path / "evidence").glob("*/*/report.json")
    assert json.loads(report.read_text())["verdict"]["outcome"] == "synced"
    assert result.stdout.splitlines()[-1] == f"Open: {report.with_name('report.html')}"
