"""What the terminal says before and around a run: no display, doctor's browser and display
rows, scenario names in --help and a "did you mean" for a misspelt one."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.helpers import run_cli
from troubleshooter.doctor import CHANNEL_PATHS
from troubleshooter.scenario import builtin_names

NO_DISPLAY = {"DISPLAY": "", "WAYLAND_DISPLAY": ""}
UPN = "adele.vance@contoso.onmicrosoft.com"
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11/Wayland")


@linux_only
@pytest.mark.parametrize(
    "extra", [("--headed",), ("--sign-in", "interactive"), ("--sign-in", "interactive", "--zip")]
)
def test_a_window_without_a_display_is_refused_before_anything_starts(
    tmp_path: Path, extra: tuple[str, ...]
) -> None:
    out = tmp_path / "out"
    args = ["run", "sharepoint-resync", "--user", UPN, "--out", str(out), *extra]
    result = run_cli(*args, env=NO_DISPLAY)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith("error: a browser window was asked for")
    assert "xvfb-run" in result.stderr and "--headless" in result.stderr
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr
    assert not out.exists(), "no run folder, not even an empty one"


@linux_only
def test_demo_headed_without_a_display_is_refused(tmp_path: Path) -> None:
    result = run_cli("demo", "--headed", "--out", str(tmp_path / "out"), env=NO_DISPLAY)
    assert result.returncode == 2 and "no display here" in result.stderr
    assert not (tmp_path / "out").exists()


@linux_only
def test_doctor_notes_a_missing_display_without_failing(tmp_path: Path) -> None:
    result = run_cli("doctor", "--browser-only", env=NO_DISPLAY)
    assert result.returncode == 0, result.stdout + result.stderr
    row = next(line for line in result.stdout.splitlines() if "Display" in line)
    assert "note" in row and "xvfb-run" in row


def test_doctor_does_not_call_a_missing_channel_found() -> None:
    if any(Path(p).is_file() for p in CHANNEL_PATHS["msedge"]):
        pytest.skip("Edge is installed here")
    result = run_cli("doctor", "--browser-only", "--channel", "msedge")
    assert result.returncode == 1
    rows = [line for line in result.stdout.splitlines() if "Browser" in line]
    assert rows and "FAILED" in rows[0] and "msedge: not installed" in rows[0]
    assert not any(" ok " in row for row in rows), rows


def test_run_help_lists_the_built_in_scenarios() -> None:
    result = run_cli("run", "--help")
    assert result.returncode == 0
    # click wraps help text at hyphens too: "people-" / "search"
    text = " ".join(result.stdout.split()).replace("- ", "-")
    assert ", ".join(builtin_names()) in text


def test_a_misspelt_scenario_gets_did_you_mean() -> None:
    result = run_cli("run", "sharepoint-resinc", "--user", UPN)
    assert result.returncode == 2
    assert result.stderr.startswith(
        "error: unknown scenario 'sharepoint-resinc': did you mean sharepoint-resync? "
    )
    far = run_cli("run", "zzz", "--user", UPN)
    assert far.returncode == 2 and "did you mean" not in far.stderr
