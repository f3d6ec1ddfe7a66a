"""`troubleshooter recheck`: the "wait and repeat" step, in a new session, in the same evidence."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.helpers import only_run_folder, run_cli, tenant_profile, users_with
from troubleshooter.evidence.files import report_schema
from troubleshooter.evidence.manifest import verify
from troubleshooter.recheck import elapsed_text
from troubleshooter.sim import DEMO_PASSWORD, SimOptions, SimTenant

STALE = "adele.vance@contoso.onmicrosoft.com"
NEVER_REFRESHES = "lee.gu@contoso.onmicrosoft.com"
ENV = {"TROUBLESHOOTER_PASSWORD": DEMO_PASSWORD}
LATE_S = 8.0  # SharePoint's refresh comes this long after the trigger: after the first run


def first_run(sim: SimTenant, tmp_path: Path, upn: str) -> tuple[Path, dict[str, Any]]:
    """sharepoint-resync with a short wait: it ends still-stale."""
    result = run_cli(
        "run",
        "sharepoint-resync",
        "--user",
        upn,
        "--tenant",
        str(tenant_profile(sim, tmp_path)),
        "--out",
        str(tmp_path / "out"),
        "--poll-timeout",
        "1",
        env=ENV,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    folder = only_run_folder(tmp_path / "out")
    return folder, json.loads((folder / "report.json").read_text())


@pytest.mark.slow
def test_recheck_sees_a_late_refresh(tmp_path: Path) -> None:
    users = users_with(STALE, sync_delay=LATE_S)
    with SimTenant(options=SimOptions(sync_delay=0.3), users=users) as sim:
        folder, first = first_run(sim, tmp_path, STALE)
        assert first["verdict"]["outcome"] == "still-stale"
        assert first["environment"]["tenant_spec"] == str(tmp_path / "sim-tenant.yaml")
        due = sim.state.refresh_pending(STALE)
        assert due is not None, "the first run triggered the refresh; it is not due yet"
        triggers_before = len(sim.state.trigger_log)
        time.sleep(max(0.0, due - time.time()) + 0.2)

        result = run_cli("recheck", str(folder), env=ENV)
        assert result.returncode == 0, result.stdout + result.stderr
        recheck_log = sim.state.trigger_log[triggers_before:]
        assert sim.state.sharepoint_photo(STALE) == sim.state.photo_of_record(STALE)

    assert "Verdict: synced (exit 0) — Recheck 1, " in result.stdout
    assert f"Evidence: {folder} (recheck 1)" in result.stdout
    assert recheck_log and not any(e.triggered for e in recheck_log), "it only looked"

    report = json.loads((folder / "report.json").read_text())
    jsonschema.validate(report, report_schema())
    assert report["verdict"] == first["verdict"], "the first run's verdict stays as it was"
    [entry] = report["rechecks"]
    assert entry["number"] == 1
    assert entry["status"] == "done"
    assert entry["verdict"]["outcome"] == "synced"
    assert entry["verdict"]["exit_code"] == 0
    assert entry["elapsed_since_first_run_s"] >= LATE_S - 2
    assert entry["elapsed_since_first_run"].endswith(" s")
    assert entry["samples"]["L"]["comparison"]["same"] is True
    assert entry["comparison"]["after"]["same"] is True
    assert [s["status"] for s in entry["steps"]] == ["ok"] * 4
    assert entry["steps"][1]["data"]["signed_in_as"] == STALE

    files = {p.name for p in folder.iterdir()}
    recheck_files = {
        "composite-recheck-1.png",
        "photo-of-record-recheck-1.jpg",
        "account-circle-recheck-1.png",
        "recheck-1-01-open-the-microsoft-365-home-in-a-private-session.png",
        "recheck-1-02-sign-in-as-the-user.png",
    } | {f"sharepoint-{size}-recheck-1.jpg" for size in "sml"}
    assert recheck_files <= files
    assert set(entry["artifacts"]) == recheck_files
    assert {a["path"] for a in report["artifacts"] if a.get("recheck") == 1} == recheck_files
    assert verify(folder).ok, verify(folder).lines()
    html = (folder / "report.html").read_text()
    assert "Recheck 1, " in html and 'alt="Recheck 1: photo of record' in html
    summary = (folder / "summary.md").read_text()
    assert "- **Recheck 1** (" in summary and "synced (exit 0)" in summary


@pytest.mark.slow
def test_recheck_still_stale_appends_each_time(tmp_path: Path) -> None:
    with SimTenant(options=SimOptions(sync_delay=0.3)) as sim:
        folder, _ = first_run(sim, tmp_path, NEVER_REFRESHES)
        first = run_cli("recheck", str(folder), env=ENV)
        second = run_cli(
            "recheck", str(folder), "--tenant", str(tmp_path / "sim-tenant.yaml"), env=ENV
        )
    for result in (first, second):
        assert result.returncode == 1, result.stdout + result.stderr
        assert "Verdict: still-stale (exit 1)" in result.stdout
        assert "Wait 24 hours and run `troubleshooter recheck`" in result.stdout
    report = json.loads((folder / "report.json").read_text())
    assert [e["number"] for e in report["rechecks"]] == [1, 2]
    assert [e["verdict"]["outcome"] for e in report["rechecks"]] == ["still-stale"] * 2
    assert (folder / "composite-recheck-2.png").is_file()


def write_report(folder: Path, **fields: Any) -> Path:
    folder.mkdir(parents=True)
    report = {"upn": STALE, "started_at": "2026-01-01T10:00:00+00:00", **fields}
    (folder / "report.json").write_text(json.dumps(report))
    return folder


@pytest.mark.parametrize(
    ("environment", "args", "message"),
    [
        ({"tenant_spec": "sim"}, (), "the embedded simulated tenant (--tenant sim) starts fresh"),
        ({"tenant_spec": "contoso"}, ("--tenant", "sim"), "(--tenant sim) starts fresh"),
        ({}, (), "report.json does not say which tenant the first run used: pass --tenant"),
    ],
)
def test_recheck_needs_the_same_tenant(
    tmp_path: Path, environment: dict[str, str], args: tuple[str, ...], message: str
) -> None:
    folder = write_report(tmp_path / "run", environment=environment)
    result = run_cli("recheck", str(folder), *args)
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and message in result.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["report.json"]


def test_recheck_needs_a_run_folder(tmp_path: Path) -> None:
    result = run_cli("recheck", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr == (
        f"error: {tmp_path}: no report.json here; pass the folder of an earlier run\n"
    )
    (tmp_path / "report.json").write_text("{not json")
    result = run_cli("recheck", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {tmp_path / 'report.json'}: not valid JSON")


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(12.9, "12 s"), (250, "4 min 10 s"), (3 * 3600 + 300, "3 h 5 min"), (93600, "1 d 2 h")],
)
def test_elapsed_text(seconds: float, text: str) -> None:
    assert elapsed_text(seconds) == text
