"""The evidence bundle of real runs: file tree, schema, report.html in Chromium, verify, secrets,
the trace in Playwright's trace viewer, and runs stopped by Ctrl-C or killed outright."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import jsonschema
import pytest
from playwright.sync_api import Page, expect

from tests.helpers import ROOT, only_run_folder, run_cli, tenant_profile, trace_events
from troubleshooter.evidence.manifest import verify
from troubleshooter.evidence.model import Report, report_json_schema
from troubleshooter.pages.images import images_drawn
from troubleshooter.photo import compare
from troubleshooter.sim import DEMO_PASSWORD, SimOptions, SimTenant

pytestmark = pytest.mark.slow

STALE = "adele.vance@contoso.onmicrosoft.com"
NEVER_REFRESHES = "lee.gu@contoso.onmicrosoft.com"
TICKET, OPERATOR = "INC-1234", "Jane Doe"
SESSION_COOKIES = ("ESTSAUTH", "ESTSAUTHPERSISTENT", "FedAuth", "rtFa", "OhpSession")
SHOW_TRACE = [
    sys.executable,
    "-m",
    "playwright",
    "show-trace",
    "--host",
    "127.0.0.1",
    "--port",
    "0",
]
RUN = [sys.executable, "-m", "troubleshooter", "run", "sharepoint-resync"]
RUN_FILES = {
    "01-open-the-microsoft-365-home-in-a-private-session.png",
    "02-sign-in-as-the-user.png",
    "03-select-the-sharepoint-icon.png",
    "04-wait-for-the-people-web-part-and-its-photos.png",
    "05-reload-the-page-and-capture-the-user-s-photo-now.png",
    "account-circle.png",
    "photo-of-record.jpg",
    "sharepoint-photo-before.png",
    "sharepoint-photo-after.png",
    *(f"sharepoint-{size}-{when}.jpg" for size in "sml" for when in ("before", "after")),
    "composite.png",
    "console.log",
    "network.har",
    "trace.zip",
    "report.json",
    "report.html",
    "summary.md",
    "manifest.json",
}


@dataclass(frozen=True)
class FinishedRun:
    folder: Path
    result: subprocess.CompletedProcess[str]
    session_tokens: list[str]


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> FinishedRun:
    """One synced run with --zip, --ticket and --operator against a tenant this module owns."""
    base = tmp_path_factory.mktemp("evidence-run")
    with SimTenant(options=SimOptions(sync_delay=0.3)) as sim:
        result = run_cli(
            *("run", "sharepoint-resync", "--user", STALE, "--out", str(base / "out")),
            *("--tenant", str(tenant_profile(sim, base)), "--zip"),
            *("--ticket", TICKET, "--operator", OPERATOR),
            env={"TROUBLESHOOTER_PASSWORD": DEMO_PASSWORD},
        )
        tokens = list(sim.state.login_sessions) + [token for _, token in sim.state.rp_sessions]
    assert result.returncode == 0, result.stdout + result.stderr
    return FinishedRun(only_run_folder(base / "out"), result, tokens)


def _copy(folder: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(folder, tmp_path / folder.name))


def test_run_folder_has_exactly_the_evidence_files(finished: FinishedRun) -> None:
    folder = finished.folder
    assert folder.parent.name == "inc-1234"
    assert re.fullmatch(rf"{re.escape(STALE)}-\d{{8}}T\d{{6}}Z", folder.name)
    assert {p.name for p in folder.iterdir()} == RUN_FILES
    assert sorted(p.name for p in folder.parent.iterdir()) == [folder.name, f"{folder.name}.zip"]
    assert f"Bundle: {folder}.zip" in finished.result.stdout


def test_report_json_validates_against_the_shipped_schema(finished: FinishedRun) -> None:
    report = json.loads((finished.folder / "report.json").read_text())
    jsonschema.Draft202012Validator(report_json_schema()).validate(report)
    Report.model_validate(report, strict=False)
    assert (report["status"], report["ticket"], report["operator"]) == (
        "finished",
        TICKET,
        OPERATOR,
    )
    assert report["verdict"]["comparison"]["after"]["same"] is True
    by_path = {a["path"]: a for a in report["artifacts"]}
    assert set(by_path) == RUN_FILES - {
        "console.log",
        "report.json",
        "report.html",
        "summary.md",
        "manifest.json",
    }
    manifest = json.loads((finished.folder / "manifest.json").read_text())
    assert manifest["run_id"] == report["run_id"]
    listed = {f["path"]: f["sha256"] for f in manifest["files"]}
    assert set(listed) == RUN_FILES - {"manifest.json"}
    assert listed["photo-of-record.jpg"] == report["photos"]["reference"]["sha256"], (
        "photo files are the fetched bytes, not stamped"
    )


def test_summary_names_who_when_what_verdict_and_next_step(finished: FinishedRun) -> None:
    summary = (finished.folder / "summary.md").read_text()
    assert summary.startswith("**Profile photo re-sync: synced (exit 0)**\n")
    assert f"- **Who:** {STALE} on sim-test, ticket {TICKET}, run by {OPERATOR}" in summary
    for field in ("When", "What was done", "Verdict", "Next step", "Evidence"):
        assert f"- **{field}:** " in summary
    assert len(summary.splitlines()) <= 10


def test_report_html_works_offline_in_chromium(finished: FinishedRun, page: Page) -> None:
    errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    page.goto((finished.folder / "report.html").as_uri())

    expect(page.locator("#verdict")).to_be_visible()
    expect(page.locator("#verdict")).to_contain_text("synced (exit code 0)")
    assert page.locator("h1").count() == 1
    assert page.locator("h2").all_inner_texts() == [
        "Verdict",
        "Reference, before and after",
        "Timeline",
        "Environment",
        "Files in the run folder",
    ]
    images = page.locator("img")
    assert images.count() >= 3 + 2 * 8, "three photos, the composite, thumbnails and full sizes"
    broken = page.evaluate(
        "Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0).length"
    )
    assert broken == 0
    assert all(alt.strip() for alt in images.evaluate_all("all => all.map(i => i.alt)"))
    assert all(u.startswith(("file:", "data:")) for u in requests), requests

    expect(page.get_by_role("row", name="Operator Jane Doe")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile(r"^Browser .*chrom", re.I))).to_be_visible()
    thumb = page.get_by_role("link", name=re.compile(r"^Open full size: Step 4: Select"))
    thumb.click()
    full = page.locator(":target img")
    expect(full).to_be_visible()
    assert full.evaluate("i => i.naturalWidth") == 1280
    assert errors == []


def test_verify_passes_then_fails_for_edited_deleted_and_added_files(
    finished: FinishedRun, tmp_path: Path
) -> None:
    fresh = run_cli("verify", str(finished.folder))
    assert fresh.returncode == 0, fresh.stdout + fresh.stderr
    assert fresh.stdout.startswith(f"ok: {len(RUN_FILES) - 1} files match the manifest of run ")
    bundled = run_cli("verify", f"{finished.folder}.zip")
    assert bundled.returncode == 0, bundled.stdout + bundled.stderr

    cases = {
        "modified: summary.md": lambda f: (f / "summary.md").write_text("all good, honest"),
        "missing:  trace.zip": lambda f: (f / "trace.zip").unlink(),
        "extra:    notes.txt": lambda f: (f / "notes.txt").write_text("added later"),
    }
    for expected, change in cases.items():
        copy = _copy(finished.folder, tmp_path / expected[:5])
        change(copy)
        result = run_cli("verify", str(copy))
        assert result.returncode == 1, expected
        assert result.stdout.splitlines()[0] == expected
        assert result.stdout.splitlines()[-1].startswith("FAILED: 1 problem(s)")


def _blobs(path: Path, name: str) -> Iterator[tuple[str, bytes]]:
    """Every file's bytes, and every member of every zip inside, recursively."""
    content = path.read_bytes()
    yield name, content
    if zipfile.is_zipfile(path):
        yield from _zip_blobs(zipfile.ZipFile(path), name)


def _zip_blobs(archive: zipfile.ZipFile, name: str) -> Iterator[tuple[str, bytes]]:
    for member in archive.namelist():
        content = archive.read(member)
        yield f"{name}!{member}", content
        if member.endswith(".zip"):
            yield from _zip_blobs(zipfile.ZipFile(io.BytesIO(content)), f"{name}!{member}")


def test_no_password_cookie_or_token_in_any_file_or_output(finished: FinishedRun) -> None:
    assert len(finished.session_tokens) >= 3, "the sim issued session cookies to look for"
    secrets = [
        DEMO_PASSWORD,
        quote(DEMO_PASSWORD),
        quote_plus(DEMO_PASSWORD),
        *finished.session_tokens,
    ]
    cookie_value = re.compile(rb"(%s)=(?!REDACTED)[\w.-]{8,}" % "|".join(SESSION_COOKIES).encode())
    files = [*finished.folder.iterdir(), finished.folder.with_name(finished.folder.name + ".zip")]
    blobs = [blob for path in files for blob in _blobs(path, path.name)]
    blobs += [
        ("stdout", finished.result.stdout.encode()),
        ("stderr", finished.result.stderr.encode()),
    ]
    assert any(name.endswith("trace.zip!trace.network") for name, _ in blobs)
    for name, content in blobs:
        for secret in secrets:
            assert secret.encode() not in content, f"secret found in {name}"
        assert not cookie_value.search(content), f"a session cookie value is in {name}"

    har = json.loads((finished.folder / "network.har").read_text())
    entries = har["log"]["entries"]
    logins = [e for e in entries if e["request"].get("postData", {}).get("params")]
    posted = {p["name"]: p["value"] for e in logins for p in e["request"]["postData"]["params"]}
    assert "passwd" in posted and set(posted.values()) == {"REDACTED"}, "the HAR saw the form"
    sent = [h for e in entries for h in e["request"]["headers"] if h["name"].lower() == "cookie"]
    assert sent and {h["value"] for h in sent} == {"REDACTED"}


# True once the viewer's visible snapshot frame shows the DOM snapshot of call ``id``.
SHOWS_SNAPSHOT_OF = """id => document.querySelector("iframe.snapshot-visible")
    ?.contentWindow.location.pathname.endsWith("/snapshot/" + encodeURIComponent(id))"""


@contextlib.contextmanager
def _trace_viewer(trace_zip: Path) -> Iterator[str]:
    """``playwright show-trace`` serving ``trace_zip``; yields its address."""
    server = subprocess.Popen(
        [*SHOW_TRACE, str(trace_zip)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own group: the wrapper and the Node server it starts
    )
    try:
        assert server.stdout is not None
        lines = [server.stdout.readline() for _ in range(2)]
        match = re.search(r"Listening on (http://\S+)", "".join(lines))
        assert match, lines
        yield match.group(1)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)


# The trace viewer serves its snapshots from a service worker, which private contexts block.
@pytest.mark.browser_context_args(service_workers="allow")
def test_trace_opens_in_playwright_show_trace(finished: FinishedRun, page: Page) -> None:
    with _trace_viewer(finished.folder / "trace.zip") as address:
        page.goto(address)
        # The viewer lists the steps as groups of calls, not the raw calls.
        step6 = page.get_by_role("treeitem", name=re.compile(r"^Step 6: Browse to the site"))
        expect(step6).to_be_visible(timeout=20_000)
        # The photo checks are requests from the page (the probe's fetch): the Network tab.
        page.get_by_role("tab", name="Network").click()
        expect(page.get_by_text("userphoto.aspx").first).to_be_visible()
        expect(page.get_by_text("Could not load trace")).to_have_count(0)


@pytest.mark.browser_context_args(service_workers="allow")
def test_trace_viewer_shows_each_step_the_photo_of_that_moment(
    finished: FinishedRun, page: Page
) -> None:
    """The viewer opens on the last step, with the new photo; the People web part's DOM snapshot
    of step 7 must still show the 2019 photo it showed then (the photo's URL did not change)."""
    events = trace_events(finished.folder / "trace.zip")
    step7 = next(
        e["callId"]
        for e in events
        if e.get("method") == "tracingGroup" and e.get("title", "").startswith("Step 7:")
    )
    shot = next(
        e["callId"]
        for e in events
        if e.get("type") == "before" and e.get("parentId") == step7 and e["method"] == "screenshot"
    )
    shown = page.frame_locator("iframe.snapshot-visible")
    adele = shown.locator(".ms-Persona", has_text="Adele Vance").locator("img").first
    with _trace_viewer(finished.folder / "trace.zip") as address:
        page.goto(address)
        expect(adele).to_be_visible(timeout=20_000)
        assert images_drawn(adele, 10_000), "the last step's photos drew (and are cached)"
        page.get_by_role("treeitem", name=re.compile(r"^Step 7: ")).click()
        page.keyboard.press("ArrowRight")
        page.get_by_role("treeitem", name=re.compile(r"^Screenshot")).first.click()
        page.wait_for_function(SHOWS_SNAPSHOT_OF, arg=shot)
        assert images_drawn(adele, 10_000)
        drawn = adele.screenshot()
    before = (finished.folder / "sharepoint-l-before.jpg").read_bytes()
    after = (finished.folder / "sharepoint-l-after.jpg").read_bytes()
    to_before, to_after = compare(drawn, before).distance, compare(drawn, after).distance
    assert to_before < to_after, f"step 7 shows the new photo ({to_before=}, {to_after=})"


def test_trace_groups_each_step_under_its_title(finished: FinishedRun) -> None:
    """The trace viewer lists one group per step after sign-in, each holding that step's calls."""
    report = json.loads((finished.folder / "report.json").read_text())
    events = trace_events(finished.folder / "trace.zip")
    groups = {
        e["callId"]: e["title"]
        for e in events
        if e.get("type") == "before" and e.get("method") == "tracingGroup"
    }
    # Tracing starts after the sign-in step (typed values stay out of the trace).
    expected = [f"Step {s['index']}: {s['title']}" for s in report["steps"][2:]]
    assert list(groups.values()) == expected
    opened = next(i for i, t in groups.items() if t.startswith("Step 6: Browse to the site"))
    calls = [e for e in events if e.get("type") == "before" and e.get("parentId") == opened]
    assert "goto" in {e.get("method") for e in calls}, "the step's navigation is in its group"


def test_trace_shows_each_steps_dom_and_leaves_out_the_look_ups(finished: FinishedRun) -> None:
    """Every step that touches the page has a call with a DOM snapshot; the tool's own look-ups
    (which strategy shows a target, whether images have drawn) are not in the trace."""
    events = trace_events(finished.folder / "trace.zip")
    snapshotted = {e["snapshot"]["callId"] for e in events if e.get("type") == "frame-snapshot"}
    calls = [e for e in events if e.get("type") == "before"]
    groups = {e["callId"]: e["title"] for e in calls if e.get("method") == "tracingGroup"}
    methods = {e["method"] for e in calls}
    assert not methods & {"evalOnSelectorAll", "waitForFunction"}, "look-ups are traced"
    scripts = [str(e.get("params", {}).get("expression", "")) for e in calls]
    assert not [s for s in scripts if "img.complete" in s], "the image waits are traced"
    touching = 0
    for group, title in groups.items():
        own = [e for e in calls if e.get("parentId") == group]
        if own:
            touching += 1
            assert any(e["callId"] in snapshotted for e in own), f"no DOM snapshot in {title}"
    assert touching >= 7


# ---- runs that do not finish -------------------------------------------------------------------


def _start_polling_run(out: Path) -> tuple[subprocess.Popen[str], Path]:
    """A run that keeps polling SharePoint (this user never refreshes) and its report.json."""
    proc = subprocess.Popen(
        [*RUN, "--user", NEVER_REFRESHES, "--out", str(out), "--poll-timeout", "90"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "NO_COLOR": "1"},
        stdin=subprocess.DEVNULL,
        start_new_session=True,  # its own process group, like a command in a terminal
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        report = _polling_report(out)
        if report is not None:
            return proc, report
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.2)
    proc.kill()
    pytest.fail("the run never reached the SharePoint poll")


def _polling_report(out: Path) -> Path | None:
    for path in out.glob("*/*/report.json"):
        report = json.loads(path.read_text())  # always valid JSON, even mid-run
        if report.get("last_wait"):
            return path
    return None


def _read_valid(path: Path) -> dict[str, Any]:
    report = json.loads(path.read_text())
    jsonschema.Draft202012Validator(report_json_schema()).validate(report)
    Report.model_validate(report, strict=False)
    return report


def test_ctrl_c_leaves_an_interrupted_report_naming_the_step(tmp_path: Path) -> None:
    proc, path = _start_polling_run(tmp_path)
    # Ctrl-C in a terminal signals the whole process group: Playwright's driver included.
    os.killpg(proc.pid, signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stdout + stderr
    assert "Verdict: interrupted (exit 130)" in stdout

    report = _read_valid(path)
    last = report["steps"][-1]
    assert report["status"] == "interrupted"
    assert report["verdict"]["outcome"] == "interrupted"
    assert report["verdict"]["failed_step"] == last["index"] == report["last_step"]["index"]
    assert (last["action"], last["status"]) == ("check_sharepoint_photo", "failed")
    shots = [a for a in report["artifacts"] if a["kind"] == "page" and a["step"] == last["index"]]
    assert shots and (path.parent / shots[0]["path"]).is_file(), "a last screenshot was taken"
    assert verify(path.parent).ok
    kept = {p.name for p in path.parent.iterdir()}
    assert {"network.har", "trace.zip"} <= kept, "what was recorded survives the Ctrl-C"
    stopped = f"Stopped at step {last['index']}:</strong> {last['title']}"
    assert stopped in (path.parent / "report.html").read_text()
    assert (
        f"- **Stopped at:** step {last['index']}, {last['title']}"
        in (path.parent / "summary.md").read_text()
    )


def test_a_second_ctrl_c_while_the_evidence_is_saved_loses_nothing(tmp_path: Path) -> None:
    proc, path = _start_polling_run(tmp_path)
    os.killpg(proc.pid, signal.SIGINT)
    time.sleep(0.1)  # an impatient operator: the run is saving what it has
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stdout + stderr
    report = _read_valid(path)
    assert (report["status"], report["verdict"]["outcome"]) == ("interrupted", "interrupted")
    kept = {p.name for p in path.parent.iterdir()}
    assert {"network.har", "trace.zip", "report.html", "summary.md"} <= kept, stderr
    last = report["steps"][-1]
    shots = [a for a in report["artifacts"] if a["kind"] == "page" and a["step"] == last["index"]]
    assert shots, "the last screenshot was kept"
    assert verify(path.parent).ok
    assert "Ctrl-C again" in stderr, "the operator is told why the run has not stopped yet"


def test_sigterm_ends_like_ctrl_c_with_exit_143(tmp_path: Path) -> None:
    proc, path = _start_polling_run(tmp_path)
    # `kill PID`, `timeout` and container stops signal the tool's own process.
    proc.send_signal(signal.SIGTERM)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 143, stdout + stderr
    report = _read_valid(path)
    last = report["steps"][-1]
    assert report["status"] == "interrupted"
    assert report["verdict"]["outcome"] == "interrupted"
    assert last["detail"] == "stopped by SIGTERM"
    assert verify(path.parent).ok
    kept = {p.name for p in path.parent.iterdir()}
    assert {"network.har", "trace.zip"} <= kept, "what was recorded survives the SIGTERM"


def test_sigterm_to_the_process_group_still_ends_interrupted(tmp_path: Path) -> None:
    proc, path = _start_polling_run(tmp_path)
    # A service manager may stop the whole group: Playwright's driver then dies with it, so
    # the HAR and trace cannot be saved, but the report still says how the run ended.
    os.killpg(proc.pid, signal.SIGTERM)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 143, stdout + stderr
    report = _read_valid(path)
    assert (report["status"], report["verdict"]["outcome"]) == ("interrupted", "interrupted")
    assert verify(path.parent).ok


def test_a_killed_run_leaves_a_valid_report_naming_its_last_step(tmp_path: Path) -> None:
    proc, path = _start_polling_run(tmp_path)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)

    report = _read_valid(path)
    assert report["status"] == "running", "nobody could say more: the process was killed"
    last = report["steps"][-1]
    assert last["status"] == "running"
    assert report["last_step"] == {"index": last["index"], "title": last["title"]}
    assert last["action"] == "check_sharepoint_photo"
    kept = {p.name for p in path.parent.iterdir()}
    assert {"02-sign-in-as-the-user.png", "sharepoint-l-before.jpg", "console.log"} <= kept, (
        "what was captured before the kill is on disk"
    )
