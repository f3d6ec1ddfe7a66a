"""End to end: the real CLI drives real Chromium through the documented steps in the sim."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import only_run_folder, run_cli, run_on, tenant_profile, users_with
from troubleshooter.sim import DEMO_PASSWORD, SimOptions, SimTenant

pytestmark = pytest.mark.slow

STALE = "adele.vance@contoso.onmicrosoft.com"
IN_SYNC = "alex.wilber@contoso.onmicrosoft.com"
NO_COPY = "megan.bowen@contoso.onmicrosoft.com"
NEVER_REFRESHES = "lee.gu@contoso.onmicrosoft.com"
NO_PHOTO = "diego.siciliani@contoso.onmicrosoft.com"

STEP_SCREENSHOTS = [
    "01-open-the-microsoft-365-home-in-a-private-session.png",
    "02-sign-in-as-the-user.png",
    "03-select-the-sharepoint-icon.png",
    "04-wait-for-the-people-web-part-and-its-photos.png",
    "05-reload-the-page-and-capture-the-user-s-photo-now.png",
]


def test_demo_fixes_the_stale_user(tmp_path: Path) -> None:
    result = run_cli("demo", "--out", str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Verdict: synced (exit 0)" in result.stdout
    folder = only_run_folder(tmp_path)
    assert f"Evidence: {folder}" in result.stdout
    assert folder.name.startswith(f"{STALE}-")

    report = json.loads((folder / "report.json").read_text())
    assert report["status"] == "finished"
    assert report["verdict"]["outcome"] == "synced"
    comparison = report["verdict"]["comparison"]
    assert comparison["before"]["same"] is False, "SharePoint's photo differed before"
    assert comparison["after"]["same"] is True, "and matches the photo of record after"
    assert [s["status"] for s in report["steps"]] == ["ok"] * 11
    assert report["steps"][1]["data"]["signed_in_as"] == STALE

    files = sorted(p.name for p in folder.iterdir())
    expected = {
        *STEP_SCREENSHOTS,
        "account-circle.png",
        "photo-of-record.jpg",
        "sharepoint-photo-before.png",
        "sharepoint-photo-after.png",
        "composite.png",
        "report.json",
        "report.html",
        "summary.md",
        "console.log",
        "network.har",
        "trace.zip",
        "manifest.json",
    } | {f"sharepoint-{size}-{when}.jpg" for size in "sml" for when in ("before", "after")}
    assert set(files) == expected


@pytest.mark.parametrize(
    ("upn", "outcome", "code", "before_placeholder"),
    [
        (IN_SYNC, "already-in-sync", 0, False),
        (NO_COPY, "synced", 0, True),
        (NO_PHOTO, "no-photo-of-record", 4, True),
    ],
)
def test_other_demo_users(
    tmp_path: Path, upn: str, outcome: str, code: int, before_placeholder: bool
) -> None:
    result = run_cli("run", "sharepoint-resync", "--user", upn, "--out", str(tmp_path))
    assert result.returncode == code, result.stdout + result.stderr
    assert f"Verdict: {outcome} (exit {code})" in result.stdout
    report = json.loads((only_run_folder(tmp_path) / "report.json").read_text())
    assert report["verdict"]["outcome"] == outcome
    assert report["photos"]["before"]["sizes"]["L"]["placeholder"] is before_placeholder


def test_still_stale_when_sharepoint_never_refreshes(tmp_path: Path) -> None:
    result = run_cli(
        "run",
        "sharepoint-resync",
        "--user",
        NEVER_REFRESHES,
        "--out",
        str(tmp_path),
        "--poll-timeout",
        "3",
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Verdict: still-stale (exit 1)" in result.stdout
    assert "Wait 24 hours" in result.stdout


def test_placeholder_when_sharepoint_keeps_no_copy(tmp_path: Path) -> None:
    users = users_with(NO_COPY, picture_editable=False)
    with SimTenant(options=SimOptions(sync_delay=0.2), users=users) as sim:
        profile = tenant_profile(sim, tmp_path)
        result = run_cli(
            "run",
            "sharepoint-resync",
            "--user",
            NO_COPY,
            "--tenant",
            str(profile),
            "--out",
            str(tmp_path / "out"),
            "--poll-timeout",
            "2",
            env={"TROUBLESHOOTER_PASSWORD": DEMO_PASSWORD},
        )
    assert result.returncode == 3, result.stdout + result.stderr
    assert "Verdict: placeholder (exit 3)" in result.stdout


@pytest.mark.parametrize(
    "options",
    [
        {},
        # The reference is unsure about both: SharePoint without the CDN redirect, and a
        # tenant where a direct userphoto.aspx request already counts as the trigger.
        {"cdn_redirect": False},
        {"refresh_on_direct_request": True},
    ],
    ids=["cdn", "no-cdn", "direct-request-triggers"],
)
def test_sync_happens_in_the_tenant(tmp_path: Path, options: dict[str, bool]) -> None:
    with SimTenant(options=SimOptions(sync_delay=0.5, **options)) as sim:
        old = sim.state.sharepoint_photo(STALE)
        assert old != sim.state.photo_of_record(STALE)
        result = run_on(sim, tmp_path, "sharepoint-resync", STALE)
        assert result.returncode == 0, result.stdout + result.stderr
        assert sim.state.sharepoint_photo(STALE) == sim.state.photo_of_record(STALE)
        triggers = [entry for entry in sim.state.trigger_log if entry.triggered]
        assert triggers and all(entry.requester_upn == STALE for entry in triggers)
    report = json.loads((only_run_folder(tmp_path / "out") / "report.json").read_text())
    assert report["verdict"]["outcome"] == "synced"
    assert report["verdict"]["comparison"]["before"]["same"] is False


@pytest.mark.slow
def test_a_step_that_changed_nothing_on_screen_keeps_no_second_picture(tmp_path: Path) -> None:
    """Waiting for a web part that has already loaded shows what the page showed: the report
    says which step's picture it is, and the folder holds one file for both."""
    scenario = tmp_path / "twice.yaml"
    scenario.write_text(
        "name: twice\ntitle: The site, then its web part\nsteps:\n"
        "  - {action: open, url: '${home}', screenshot: false}\n"
        "  - {action: sign_in, screenshot: false}\n"
        "  - {action: open, url: '${site}', title: Open the site}\n"
        "  - {action: wait_for, target: people_webpart, title: Wait for the web part}\n"
    )
    with SimTenant(options=SimOptions(sync_delay=0.3)) as sim:
        result = run_on(sim, tmp_path, str(scenario), STALE)
    folder = only_run_folder(tmp_path / "out")
    report = json.loads((folder / "report.json").read_text())
    assert report["status"] == "finished", result.stdout + result.stderr
    steps = report["steps"]
    assert [step["status"] for step in steps] == ["ok"] * 4
    assert steps[2]["captures"] == ["01-open-the-site.png"]
    assert steps[3]["data"]["screenshot_same_as_step"] == 3
    assert not steps[3]["captures"]
    assert sorted(p.name for p in folder.glob("0*.png")) == ["01-open-the-site.png"]


def test_broken_scenario_file_gives_one_message_and_exit_2(tmp_path: Path) -> None:
    broken = Path("tests/bad_inputs/unknown-action.yaml")
    result = run_cli("run", str(broken), "--user", STALE, "--out", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr == (
        f"error: {broken}:6: step 2: action: unknown action 'clik' (known: open, sign_in, "
        "capture_reference, check_sharepoint_photo, click, fill, wait_for, screenshot, "
        "select_tab, upload_photo, composite)\n"
    )
    assert result.stdout == ""
    assert not any(tmp_path.iterdir()), "nothing is written for bad input"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("site", "says"),
    [
        ("/sites/boardportal", "sent the browser to a sign-in page"),
        ("/sites/nosuchsite", "answered HTTP 404"),
    ],
)
def test_a_site_that_ends_on_a_sign_in_or_error_page_fails_its_step_at_once(
    tmp_path: Path, site: str, says: str
) -> None:
    """The open step itself fails, quickly, with the URL cut to host and path."""
    with SimTenant(options=SimOptions(sync_delay=0.3)) as sim:
        url = sim.urls.sharepoint + site
        result = run_on(sim, tmp_path, "people-webpart", STALE, "--site", url)
    assert result.returncode == 20, result.stdout + result.stderr
    report = json.loads((only_run_folder(tmp_path / "out") / "report.json").read_text())
    opened = report["steps"][4]
    assert (opened["action"], opened["status"]) == ("open", "failed")
    assert report["verdict"]["failed_step"] == 5
    assert says in opened["detail"]
    assert "?" not in opened["detail"], "no query string: host and path only"
    assert opened["duration_s"] < 15, "no wait for a page that will never come"
    assert len(report["steps"]) == 5, "the run stops there, not at the next step's timeout"
