"""One session runner for run, demo, recheck, check and guide: evidence that could not be written,
and the signed-in context handed to a job."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import ENVIRONMENT
from troubleshooter.artifacts import ArtifactKind
from troubleshooter.errors import TroubleshooterError
from troubleshooter.events import Capture, RunStarted, StepStarted, utc_now
from troubleshooter.jobs import RunRequest, run_job
from troubleshooter.runner import RunResult
from troubleshooter.verdict import Outcome

UPN = "adele.vance@contoso.onmicrosoft.com"
PASSWORD = "Session-Pa55word!"


def _run_with_a_broken_capture(scenario: Any, settings: Any, bus: Any, *args: Any) -> RunResult:
    """Starts, then hands the recorder a page capture it cannot stamp; ends "synced"."""
    bus.emit(RunStarted("s", "S", UPN, "contoso", ["Open"], utc_now(), ENVIRONMENT))
    bus.emit(StepStarted(1, "open", "Open"))
    bus.emit(Capture(1, "Open", ArtifactKind.PAGE, b"not a png", "png", f"typed {PASSWORD}"))
    return RunResult(Outcome.SYNCED, 0, None, None)


def test_a_run_whose_evidence_was_lost_never_exits_0(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from troubleshooter import runner

    monkeypatch.setenv("TROUBLESHOOTER_PASSWORD", PASSWORD)
    monkeypatch.setattr(runner, "run_scenario", _run_with_a_broken_capture)
    site = "https://contoso.sharepoint.com/sites/team"
    request = RunRequest("sharepoint-resync", UPN, "contoso", site, out=tmp_path / "out")
    with pytest.raises(TroubleshooterError) as caught:
        run_job(request)
    assert caught.value.outcome is Outcome.INTERNAL_ERROR
    assert ": the run not recorded: EvidenceRecorder stopped: " in caught.value.message
    assert PASSWORD not in caught.value.message
    [report_path] = (tmp_path / "out").glob("*/*/report.json")
    report = json.loads(report_path.read_text())
    assert (report["status"], report["verdict"]["outcome"]) == ("error", "internal-error")
    for path in report_path.parent.iterdir():
        assert PASSWORD.encode() not in path.read_bytes(), path.name


@pytest.mark.slow
def test_signed_in_session_hands_a_signed_in_context_to_a_job_then_closes_it() -> None:
    """check and guide get the operator's private context signed in, identity confirmed; the
    browser is gone once the job's block ends."""
    from playwright.sync_api import Error as PlaywrightError

    from troubleshooter.context import SessionOptions
    from troubleshooter.session import signed_in_session
    from troubleshooter.sim import OPERATOR_UPN

    def job() -> None:
        with signed_in_session("sim", OPERATOR_UPN, SessionOptions()) as signed:
            assert (signed.confirmed_as or "").lower() == OPERATOR_UPN
            assert signed.tenant.simulated and signed.upn == OPERATOR_UPN
            page = signed.context.new_page()  # a job's own tab, signed in by the shared cookies
            page.goto(signed.tenant.home)
            assert "login" not in page.url
            assert signed.context.cookies()
        with pytest.raises(PlaywrightError):
            signed.context.new_page()

    # In a thread of its own: pytest-playwright's session-wide Playwright may already run in
    # this one, and one thread cannot hold two sync Playwright instances.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(job).result()
