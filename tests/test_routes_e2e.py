"""Every documented route, end to end: the real CLI drives real Chromium against the sim."""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.helpers import only_run_folder, run_cli, run_on, users_with
from troubleshooter.photo import compare
from troubleshooter.scenario import builtin_names
from troubleshooter.sim import SimOptions, SimTenant
from troubleshooter.sim.photos import demo_photo
from troubleshooter.sim.users import current_photo

STALE = "adele.vance@contoso.onmicrosoft.com"
NO_COPY = "megan.bowen@contoso.onmicrosoft.com"
IN_SYNC = "alex.wilber@contoso.onmicrosoft.com"
NEVER_REFRESHES = "lee.gu@contoso.onmicrosoft.com"
NO_PHOTO = "diego.siciliani@contoso.onmicrosoft.com"
ROUTES = ["sharepoint-resync", "people-webpart", "people-search", "onedrive-resync"]


def run_route(
    tmp_path: Path, scenario: str, upn: str, *extra: str, users: list[Any] | None = None
) -> tuple[subprocess.CompletedProcess[str], SimTenant]:
    """Run a scenario against a tenant of its own; the tenant is returned stopped."""
    with SimTenant(options=SimOptions(sync_delay=0.3), users=users) as sim:
        result = run_on(sim, tmp_path, scenario, upn, *extra)
    return result, sim


def report_of(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    folder = only_run_folder(tmp_path / "out")
    return folder, json.loads((folder / "report.json").read_text())


def check_people_search(report: dict[str, Any]) -> None:
    """Search for yourself → Show more results → the People tab (support article, 2a)."""
    by_action = {s["action"]: s for s in report["steps"]}
    assert by_action["fill"]["url"].endswith("/_layouts/15/search.aspx?q=Adele+Vance")
    assert "/_layouts/15/search.aspx/people?q=" in by_action["click"]["data"]["landed_on"]
    assert by_action["select_tab"]["detail"] == "people_tab is already selected"


def check_onedrive(report: dict[str, Any]) -> None:
    """The OneDrive tile, not a typed URL."""
    click = next(s for s in report["steps"] if s["action"] == "click")
    assert click["data"]["strategy"] == "role='link' name='OneDrive'"
    assert click["data"]["landed_on"].endswith(
        "/personal/adele_vance_contoso_onmicrosoft_com/_layouts/15/onedrive.aspx"
    )


ROUTE_CHECKS = {"people-search": check_people_search, "onedrive-resync": check_onedrive}


@pytest.mark.slow
@pytest.mark.parametrize("scenario", ROUTES)
def test_each_route_refreshes_a_stale_photo(tmp_path: Path, scenario: str) -> None:
    result, sim = run_route(tmp_path, scenario, STALE)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Verdict: synced (exit 0)" in result.stdout
    assert sim.state.sharepoint_photo(STALE) == sim.state.photo_of_record(STALE)
    triggers = [entry for entry in sim.state.trigger_log if entry.triggered]
    assert triggers, "the route's page asked SharePoint for the user's own large photo"
    # The "before" measurement was taken before any page triggered the refresh.
    first_trigger = triggers[0].time
    assert any(not e.triggered and e.time < first_trigger for e in sim.state.trigger_log)

    folder, report = report_of(tmp_path)
    assert report["scenario"]["name"] == scenario
    assert all(step["status"] == "ok" for step in report["steps"])
    files = {p.name for p in folder.iterdir()}
    assert {"sharepoint-photo-before.png", "sharepoint-photo-after.png", "composite.png"} <= files
    composite = Image.open(folder / "composite.png")
    assert composite.width > 3 * 240 and composite.height > 240
    captures = {a["path"]: a["kind"] for a in report["artifacts"]}
    assert captures["composite.png"] == "composite"
    assert captures["sharepoint-photo-after.png"] == "element"
    ROUTE_CHECKS.get(scenario, lambda _: None)(report)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("scenario", "upn", "outcome", "code", "extra"),
    [
        ("people-webpart", IN_SYNC, "already-in-sync", 0, ()),
        ("people-webpart", NO_COPY, "synced", 0, ()),
        ("people-search", NEVER_REFRESHES, "still-stale", 1, ("--poll-timeout", "2")),
        ("people-search", NO_PHOTO, "no-photo-of-record", 4, ("--poll-timeout", "1")),
        ("onedrive-resync", IN_SYNC, "already-in-sync", 0, ()),
    ],
)
def test_route_verdicts(
    tmp_path: Path, scenario: str, upn: str, outcome: str, code: int, extra: tuple[str, ...]
) -> None:
    result, _ = run_route(tmp_path, scenario, upn, *extra)
    assert result.returncode == code, result.stdout + result.stderr
    assert f"Verdict: {outcome} (exit {code})" in result.stdout
    _, report = report_of(tmp_path)
    assert report["verdict"]["outcome"] == outcome


@pytest.mark.slow
def test_onedrive_route_placeholder_when_sharepoint_keeps_no_copy(tmp_path: Path) -> None:
    users = users_with(NO_COPY, picture_editable=False)
    result, _ = run_route(tmp_path, "onedrive-resync", NO_COPY, "--poll-timeout", "1", users=users)
    assert result.returncode == 3, result.stdout + result.stderr
    assert "Verdict: placeholder (exit 3)" in result.stdout


# ---- change photo ----------------------------------------------------------------------------


@pytest.mark.slow
def test_change_photo_uploads_checks_and_resyncs(tmp_path: Path) -> None:
    new = tmp_path / "new-photo.png"
    Image.open(io.BytesIO(demo_photo("a brand new photo", "AW"))).save(new)
    result, sim = run_route(tmp_path, "change-photo", IN_SYNC, "--photo", str(new))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Verdict: synced (exit 0)" in result.stdout

    record = sim.state.photo_of_record(IN_SYNC)
    assert record is not None and compare(record, new.read_bytes()).same
    assert not compare(record, current_photo("alex.wilber", "AW")).same
    assert sim.state.sharepoint_photo(IN_SYNC) == record, "SharePoint picked up the new photo"

    folder, report = report_of(tmp_path)
    files = {p.name for p in folder.iterdir()}
    assert {"photo-of-record-old.jpg", "photo-uploaded.png", "photo-of-record.jpg"} <= files
    assert compare((folder / "photo-of-record.jpg").read_bytes(), new.read_bytes()).same
    assert report["photos"]["reference-old"]["kind"] == "account-circle"
    upload = next(s for s in report["steps"] if s["action"] == "upload_photo")
    assert upload["data"]["file"] == "new-photo.png"
    assert report["verdict"]["comparison"]["before"]["same"] is False


@pytest.mark.slow
def test_change_photo_gives_a_first_photo_to_a_user_without_one(tmp_path: Path) -> None:
    new = tmp_path / "diego.jpg"
    new.write_bytes(demo_photo("diego's first photo", "DS"))
    result, sim = run_route(tmp_path, "change-photo", NO_PHOTO, "--photo", str(new))
    assert result.returncode == 0, result.stdout + result.stderr
    assert sim.state.sharepoint_photo(NO_PHOTO) is not None
    _, report = report_of(tmp_path)
    assert report["photos"]["reference-old"]["present"] is False


def test_change_photo_without_photo_is_refused_before_the_browser(tmp_path: Path) -> None:
    result = run_cli("run", "change-photo", "--user", STALE, "--out", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr == (
        "error: this scenario needs ${photo}: pass --photo FILE "
        "(the new photo: an image of at most 4 MB)\n"
    )
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("option", ["--photo", "--expected-photo"])
def test_bad_photo_files_are_refused_before_the_browser(tmp_path: Path, option: str) -> None:
    scenario = "change-photo" if option == "--photo" else "sharepoint-resync"
    text = tmp_path / "notes.png"
    text.write_text("not an image")
    big = tmp_path / "big.bmp"
    Image.new("RGB", (1300, 1100), (200, 10, 10)).save(big)  # 4.3 MB uncompressed
    cases = {
        tmp_path / "missing.jpg": "file not found",
        text: "not an image Pillow can read",
        big: f"{big.stat().st_size:,} bytes; a profile photo may be at most 4 MB",
    }
    for path, message in cases.items():
        out = tmp_path / "out"
        result = run_cli("run", scenario, "--user", STALE, option, str(path), "--out", str(out))
        assert result.returncode == 2, result.stdout + result.stderr
        assert result.stderr == f"error: {option} {path}: {message}\n"
        assert not out.exists()


def test_photo_option_needs_a_scenario_that_uploads(tmp_path: Path) -> None:
    photo = tmp_path / "p.jpg"
    photo.write_bytes(demo_photo("x", "X"))
    result = run_cli(
        "run", "sharepoint-resync", "--user", STALE, "--photo", str(photo), "--out", str(tmp_path)
    )
    assert result.returncode == 2
    assert "--photo: this scenario uploads no photo" in result.stderr


# ---- --expected-photo ------------------------------------------------------------------------


@pytest.mark.slow
def test_expected_photo_is_the_reference(tmp_path: Path) -> None:
    # Alex's SharePoint copy matches the Microsoft 365 home, but not the photo we expect.
    expected = tmp_path / "expected.jpg"
    expected.write_bytes(demo_photo("the photo HR approved", "AW"))
    options = ("--expected-photo", str(expected), "--poll-timeout", "1")
    result, _ = run_route(tmp_path, "people-webpart", IN_SYNC, *options)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Verdict: still-stale (exit 1)" in result.stdout
    folder, report = report_of(tmp_path)
    reference = report["photos"]["reference"]
    assert reference["kind"] == "expected-photo"
    assert reference["source"] == "--expected-photo expected.jpg"
    assert reference["account_circle"]["comparison"]["same"] is False
    assert (folder / "photo-of-record.jpg").read_bytes() == expected.read_bytes()
    assert (folder / "account-circle-photo.jpg").is_file()


@pytest.mark.slow
def test_expected_photo_matching_a_resized_copy_is_in_sync(tmp_path: Path) -> None:
    expected = tmp_path / "expected.png"
    image = Image.open(io.BytesIO(current_photo("alex.wilber", "AW")))
    image.resize((300, 300)).save(expected)
    result, _ = run_route(tmp_path, "sharepoint-resync", IN_SYNC, "--expected-photo", str(expected))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Verdict: already-in-sync (exit 0)" in result.stdout


# ---- scenarios list | show | validate --------------------------------------------------------


def test_scenarios_list_names_every_route() -> None:
    result = run_cli("scenarios", "list")
    assert result.returncode == 0, result.stderr
    names = [line.split()[0] for line in result.stdout.splitlines()]
    assert names == builtin_names()
    assert set(ROUTES) | {"change-photo"} <= set(names)


def test_scenarios_show_prints_the_yaml() -> None:
    result = run_cli("scenarios", "show", "people-search")
    assert result.returncode == 0, result.stderr
    assert result.stdout == (Path("scenarios") / "people-search.yaml").read_text()


def test_scenarios_validate_builtins_and_own_files(tmp_path: Path) -> None:
    own = tmp_path / "mine.yaml"
    own.write_text(
        "name: mine\ntitle: Mine\nsteps:\n  - action: open\n    url: ${home}\n"
        "  - action: upload_photo\n    file: ${photo}\n  - action: composite\n"
    )
    broken = Path("tests/bad_inputs/extra-key.yaml")
    result = run_cli("scenarios", "validate", *ROUTES, "change-photo", str(own), str(broken))
    assert result.returncode == 2
    ok_lines = result.stdout.splitlines()
    assert ok_lines[-1] == f"ok: {own} (mine, 3 steps)"
    assert "ok: people-search (people-search, 13 steps)" in ok_lines
    assert len(ok_lines) == len(ROUTES) + 2
    assert result.stderr == f"error: {broken}:8: step 2 (wait_for): timout_s: unknown key\n"


def test_scenarios_validate_rejects_unknown_photo_like_variables(tmp_path: Path) -> None:
    own = tmp_path / "typo.yaml"
    own.write_text("name: typo\ntitle: Typo\nsteps:\n  - action: upload_photo\n    file: ${foto}\n")
    result = run_cli("scenarios", "validate", str(own))
    assert result.returncode == 2
    assert "unknown variable ${foto} (known: display_name, home, mysite, photo," in result.stderr
