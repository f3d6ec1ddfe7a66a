"""`troubleshooter recheck`: the "wait and repeat" step, in a new session, in the same evidence."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from PIL import Image

from tests.helpers import ENVIRONMENT, only_run_folder, report_data, run_cli, run_on, users_with
from troubleshooter.artifacts import ArtifactKind
from troubleshooter.errors import BadInputError
from troubleshooter.events import Capture, RunStarted, StepFinished, StepStarted, utc_now
from troubleshooter.evidence.folder import write_derived
from troubleshooter.evidence.manifest import verify
from troubleshooter.evidence.model import Report, report_json_schema
from troubleshooter.recheck import RecheckRequest, load_report, run_recheck
from troubleshooter.sim import DEMO_PASSWORD, SimOptions, SimTenant
from troubleshooter.verdict import elapsed_text

STALE = "adele.vance@contoso.onmicrosoft.com"
NEVER_REFRESHES = "lee.gu@contoso.onmicrosoft.com"
ENV = {"TROUBLESHOOTER_PASSWORD": DEMO_PASSWORD}
PASSWORD = "Recheck-Pa55word!"
SECRET_CODE = "0.AXkAcodeSECRET1234567890"


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 120, 200)).save(out, "PNG")
    return out.getvalue()


PNG = _png()
# SharePoint's refresh is due this long after the trigger: never within the first run, however
# slow the machine; the test then lets it happen (the sim's background job runs at once).
LATE_S = 3600.0


def first_run(sim: SimTenant, tmp_path: Path, upn: str) -> tuple[Path, dict[str, Any]]:
    """sharepoint-resync with a short wait: it ends still-stale."""
    result = run_on(sim, tmp_path, "sharepoint-resync", upn, "--poll-timeout", "1")
    assert result.returncode == 1, result.stdout + result.stderr
    folder = only_run_folder(tmp_path / "out")
    return folder, json.loads((folder / "report.json").read_text())


@pytest.mark.slow
def test_recheck_sees_a_late_refresh(tmp_path: Path) -> None:
    users = users_with(STALE, sync_delay=LATE_S)
    with SimTenant(options=SimOptions(sync_delay=0.3), users=users) as sim:
        folder, first = first_run(sim, tmp_path, STALE)
        assert first["verdict"]["outcome"] == "still-stale"
        assert first["inputs"]["tenant"] == str(tmp_path / "sim-tenant.yaml")
        # The first run triggered the refresh and ended still-stale; later, SharePoint's
        # background job brings its copy up to date.
        triggers_before = len(sim.state.trigger_log)
        assert sim.state.run_due_refresh_now(STALE), "the first run triggered a refresh"

        result = run_cli("recheck", str(folder), env=ENV)
        assert result.returncode == 0, result.stdout + result.stderr
        recheck_log = sim.state.trigger_log[triggers_before:]
        assert sim.state.sharepoint_photo(STALE) == sim.state.photo_of_record(STALE)

    assert "Verdict: synced (exit 0) — Recheck 1, " in result.stdout
    assert f"Evidence: {folder} (recheck 1)" in result.stdout
    assert recheck_log and not any(e.triggered for e in recheck_log), "it only looked"

    report = json.loads((folder / "report.json").read_text())
    jsonschema.Draft202012Validator(report_json_schema()).validate(report)
    assert report["verdict"] == first["verdict"], "the first run's verdict stays as it was"
    [entry] = report["rechecks"]
    assert entry["number"] == 1
    assert entry["status"] == "finished"
    assert entry["verdict"]["outcome"] == "synced"
    assert entry["verdict"]["exit_code"] == 0
    assert entry["elapsed_since_first_run_s"] > 0
    assert entry["elapsed_since_first_run"].endswith(" s")
    assert entry["photos"]["after"]["sizes"]["L"]["comparison"]["same"] is True
    assert entry["verdict"]["comparison"]["after"]["same"] is True
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
    assert "  - Recheck 1 (" in summary and "synced (exit 0)" in summary


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


def valid_report(**fields: Any) -> dict[str, Any]:
    """A finished first run's report.json, valid against the report model."""
    inputs = {"tenant": "contoso", "targets_file": None, "expected_photo": False}
    inputs.update(fields.pop("inputs", {}))
    report = report_data(inputs=inputs, **fields)
    Report.model_validate(report)
    return report


def write_report(folder: Path, **fields: Any) -> Path:
    folder.mkdir(parents=True)
    (folder / "report.json").write_text(json.dumps(valid_report(**fields)))
    return folder


def finished_run(folder: Path) -> Path:
    """A first run's folder as the recorder leaves it: report, a capture, derived files."""
    write_report(folder)
    (folder / "01-open.png").write_bytes(PNG)
    write_derived(folder, Report.model_validate_json((folder / "report.json").read_text()))
    assert verify(folder).ok
    return folder


@pytest.mark.parametrize(
    ("inputs", "args", "message"),
    [
        ({"tenant": "sim"}, (), "the embedded simulated tenant (--tenant sim) starts fresh"),
        ({"tenant": "contoso"}, ("--tenant", "sim"), "(--tenant sim) starts fresh"),
        ({"tenant": None}, (), "report.json does not say which tenant the first run used"),
    ],
)
def test_recheck_needs_the_same_tenant(
    tmp_path: Path, inputs: dict[str, str], args: tuple[str, ...], message: str
) -> None:
    folder = write_report(tmp_path / "run", inputs=inputs)
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


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"[1, 2]", "not a troubleshooter report (not a JSON object)"),
        (b"\xff\xfe not utf-8", "not valid JSON"),
        (
            json.dumps({"upn": STALE, "started_at": "2026-01-01T10:00:00+00:00"}).encode(),
            "Field required",
        ),
        (
            json.dumps({**valid_report(), "schema_version": 1}).encode(),
            "written by another version of troubleshooter (schema_version 1, not 2)",
        ),
        (
            json.dumps({**valid_report(), "upn": 42}).encode(),
            "not a troubleshooter report (upn: Input should be a valid string)",
        ),
        (
            json.dumps({**valid_report(), "started_at": "yesterday"}).encode(),
            "not a troubleshooter report (started_at: ",
        ),
    ],
)
def test_load_report_refuses_what_the_schema_refuses(
    tmp_path: Path, content: bytes, message: str
) -> None:
    (tmp_path / "report.json").write_bytes(content)
    with pytest.raises(BadInputError) as caught:
        load_report(tmp_path)
    assert caught.value.message.startswith(f"{tmp_path / 'report.json'}: ")
    assert message in caught.value.message
    assert "\n" not in caught.value.message


def test_recheck_refuses_a_folder_changed_since_the_run(tmp_path: Path) -> None:
    folder = finished_run(tmp_path / "run")
    (folder / "01-open.png").write_bytes(PNG + b"edited")
    (folder / "summary.md").unlink()
    (folder / "note.txt").write_text("added later")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    result = run_cli("recheck", str(folder), "--tenant", "contoso")
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith(f"error: {folder}: the folder no longer matches its ")
    for problem in ("modified: 01-open.png", "missing: summary.md", "added: note.txt"):
        assert problem in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before, "nothing written"
    assert not verify(folder).ok


def _fake_run(raised: BaseException):  # type: ignore[no-untyped-def]
    """A run_scenario that starts, captures, finishes step 1, starts step 2, then fails."""

    def run(scenario, settings, bus, *args):  # type: ignore[no-untyped-def]
        titles = ["Open", "Sign in"]
        bus.emit(RunStarted("recheck", "Recheck", STALE, "contoso", titles, utc_now(), ENVIRONMENT))
        bus.emit(StepStarted(1, "open", "Open"))
        bus.emit(
            Capture(1, "Open", ArtifactKind.PAGE, PNG, "png", "Step 1: Open", "https://x.example/")
        )
        leak = f"went to https://login.example/cb?code={SECRET_CODE}&x=1 typing {PASSWORD}"
        bus.emit(StepFinished(1, "open", "Open", "ok", 0.1, None, leak, {"note": leak}))
        bus.emit(StepStarted(2, "sign_in", "Sign in"))
        raise raised

    return run


@pytest.mark.parametrize(
    ("raised", "status", "outcome"),
    [
        (KeyboardInterrupt(), "interrupted", "interrupted"),
        (
            RuntimeError(f"boom https://login.example/?code={SECRET_CODE} {PASSWORD}"),
            "error",
            "internal-error",
        ),
    ],
)
def test_an_interrupted_recheck_leaves_a_consistent_folder(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    raised: BaseException,
    status: str,
    outcome: str,
) -> None:
    from troubleshooter import runner

    folder = finished_run(tmp_path / "run")
    monkeypatch.setenv("TROUBLESHOOTER_PASSWORD", PASSWORD)
    monkeypatch.setattr(runner, "run_scenario", _fake_run(raised))
    with pytest.raises(type(raised)):
        run_recheck(RecheckRequest(folder, tenant="contoso"))

    report = json.loads((folder / "report.json").read_text())
    jsonschema.Draft202012Validator(report_json_schema()).validate(report)
    [entry] = report["rechecks"]
    assert entry["status"] == status
    assert entry["finished_at"] is not None
    assert entry["verdict"]["outcome"] == outcome
    assert entry["verdict"]["failed_step"] == 2
    assert [(s["index"], s["status"]) for s in entry["steps"]] == [(1, "ok"), (2, "failed")]
    assert verify(folder).ok, verify(folder).lines()
    assert "recheck-1-01-open.png" in {p.name for p in folder.iterdir()}
    assert "Recheck 1" in (folder / "report.html").read_text()
    assert f"{outcome} (exit" in (folder / "summary.md").read_text()
    for path in folder.iterdir():
        content = path.read_bytes()
        for secret in (PASSWORD, SECRET_CODE):
            assert secret.encode() not in content, f"{secret} in {path.name}"
    assert "code=REDACTED" in entry["steps"][0]["detail"]

    again = run_cli("recheck", str(folder), "--tenant", "sim")
    assert again.returncode == 2 and "no longer matches" not in again.stderr, again.stderr


def test_a_recheck_whose_writer_failed_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from troubleshooter import runner
    from troubleshooter.errors import TroubleshooterError

    def run(scenario, settings, bus, *args):  # type: ignore[no-untyped-def]
        environment = ENVIRONMENT
        bus.emit(
            RunStarted("recheck", "Recheck", STALE, "contoso", ["Open"], utc_now(), environment)
        )
        bus.emit(StepStarted(1, "open", "Open"))
        bus.emit(Capture(1, "Open", ArtifactKind.PAGE, b"not a png", "png", "Step 1: Open"))
        return None

    folder = finished_run(tmp_path / "run")
    monkeypatch.setenv("TROUBLESHOOTER_PASSWORD", PASSWORD)
    monkeypatch.setattr(runner, "run_scenario", run)
    with pytest.raises(TroubleshooterError) as caught:
        run_recheck(RecheckRequest(folder, tenant="contoso"))
    assert caught.value.outcome.value == "internal-error"
    assert caught.value.message.startswith(f"{folder}: recheck 1 not recorded: ")
    assert caught.value.message.count("\n") == 0
    [entry] = json.loads((folder / "report.json").read_text())["rechecks"]
    assert (entry["status"], entry["verdict"]["outcome"]) == ("error", "internal-error")
    assert verify(folder).ok
