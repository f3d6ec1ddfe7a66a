"""End to end, the hard case: SharePoint's stale copy is a retake of the photo of record.

Miriam's old photo is the same drawing with the person moved and the light dimmed, close
enough that a "looks alike" test called it the same. A run must say stale before the
refresh and `synced` only once SharePoint's copy has really changed.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from tests.helpers import only_run_folder, run_on, users_with
from troubleshooter.photo import RULES
from troubleshooter.sim import SimOptions, SimTenant, demo_users
from troubleshooter.sim.photos import SP_SIZES, square_jpeg
from troubleshooter.sim.users import current_photo, retake_photo

pytestmark = pytest.mark.slow

RETAKE = "miriam.graham@contoso.onmicrosoft.com"
RECORD = current_photo("miriam.graham", "MG")
OLD = retake_photo("miriam.graham", "MG")


def _report(tmp_path: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((only_run_folder(tmp_path / "out") / "report.json").read_text())


def _check_before_is_stale(report: dict) -> None:  # type: ignore[type-arg]
    for size, px in SP_SIZES.items():
        entry = report["photos"]["before"]["sizes"][size]
        assert entry["sha256"] == hashlib.sha256(square_jpeg(OLD, px)).hexdigest()
        assert entry["comparison"]["verdict"] == "different", entry["comparison"]
        assert set(entry["comparison"]["measures"]) == {r.name for r in RULES}
    before = report["verdict"]["comparison"]["before"]
    assert (before["verdict"], before["same"]) == ("different", False)


def test_retake_user_is_synced_only_after_sharepoint_changed(tmp_path: Path) -> None:
    with SimTenant(options=SimOptions(sync_delay=1.0), users=demo_users()) as sim:
        assert sim.state.sharepoint_photo(RETAKE) == OLD
        result = run_on(sim, tmp_path, "sharepoint-resync", RETAKE)
        now = sim.state.sharepoint_photo(RETAKE)
        triggers = [r for r in sim.state.trigger_log if r.photo_upn == RETAKE and r.triggered]
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Verdict: synced (exit 0)" in result.stdout
    assert now == RECORD and triggers, "SharePoint's copy really changed, after a trigger"
    report = _report(tmp_path)
    assert report["verdict"]["outcome"] == "synced"
    _check_before_is_stale(report)
    after = report["verdict"]["comparison"]["after"]
    assert (after["verdict"], after["same"]) == ("same", True)
    assert after["sha256"] == hashlib.sha256(square_jpeg(RECORD, 240)).hexdigest()


def test_retake_that_never_refreshes_is_still_stale(tmp_path: Path) -> None:
    users = users_with(RETAKE, picture_editable=False)
    with SimTenant(options=SimOptions(sync_delay=0.2), users=users) as sim:
        result = run_on(sim, tmp_path, "sharepoint-resync", RETAKE, "--poll-timeout", "2")
        assert sim.state.sharepoint_photo(RETAKE) == OLD
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Verdict: still-stale (exit 1)" in result.stdout
    report = _report(tmp_path)
    _check_before_is_stale(report)
    assert report["verdict"]["comparison"]["after"]["verdict"] == "different"
