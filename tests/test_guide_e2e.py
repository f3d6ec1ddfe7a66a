"""`troubleshooter guide` end to end: the operator watches while a second browser plays the user.

The guide runs as the real command in a subprocess (its own Playwright); the user is
pytest-playwright's browser in this process, in a private context of its own.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.helpers import ROOT, run_cli, tenant_profile
from tests.test_check_e2e import tree, valid_against
from troubleshooter.sim import DEMO_PASSWORD, OPERATOR_UPN, SimTenant

pytestmark = pytest.mark.slow
ADELE = "adele.vance@contoso.onmicrosoft.com"
ENV = {"TROUBLESHOOTER_PASSWORD": DEMO_PASSWORD}


def guide_args(sim: SimTenant, tmp_path: Path, upn: str, *extra: str) -> list[str]:
    return [
        "guide",
        "--user",
        upn,
        "--as",
        OPERATOR_UPN,
        "--tenant",
        str(tenant_profile(sim, tmp_path)),
        "--out",
        str(tmp_path / "out"),
        *extra,
    ]


def start_guide(args: list[str]) -> subprocess.Popen[str]:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1", **ENV}
    return subprocess.Popen(
        [sys.executable, "-m", "troubleshooter", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        env=env,
        cwd=ROOT,
    )


def wait_for_message(out: Path, process: subprocess.Popen[str], timeout_s: float = 120) -> Path:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = list(out.glob("*/*/message.md"))
        if found:
            return found[0]
        assert process.poll() is None, process.communicate()[0]
        time.sleep(0.2)
    raise AssertionError("guide wrote no message.md")


def guide_folder(out: Path) -> Path:
    (folder,) = [p for p in out.glob("*/*") if p.is_dir()]
    return folder


def test_the_user_follows_the_message_and_guide_sees_the_sync(
    make_sim: Callable[..., SimTenant],
    new_context: Callable[[], BrowserContext],
    classic_sign_in: Callable[..., None],
    tmp_path: Path,
) -> None:
    sim = make_sim()
    args = guide_args(sim, tmp_path, ADELE, "--watch-timeout", "180", "--watch-interval", "1")
    process = start_guide(args)
    try:
        message = wait_for_message(tmp_path / "out", process).read_text(encoding="utf-8")
        home = re.search(r"go to (\S+) and sign in", message)
        sharepoint = re.search(r"\(or go to (\S+)\)", message)
        site = re.search(r"shows your photo: (\S+)", message)
        assert home and sharepoint and site, message
        assert "Ctrl+Shift+N" in message and "Adele Vance" in message
        assert not any(r.triggered for r in sim.state.trigger_log), "nothing yet"

        # The user, in a private window of their own, does exactly what the message says.
        page = new_context().new_page()
        page.goto(home.group(1))
        page.get_by_role("link", name="Sign in").first.click()
        classic_sign_in(page, ADELE)
        page.locator("#idBtn_Back").click()  # "Stay signed in?" No
        page.wait_for_url(home.group(1) + "/**")
        page.goto(sharepoint.group(1))
        page.goto(site.group(1))
        page.wait_for_load_state("networkidle")  # the People web part's photos are loaded
        expect(page.get_by_role("img", name="Adele Vance").first).to_be_visible()
        page.context.close()

        output, _ = process.communicate(timeout=240)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, output
    assert "Verdict: synced" in output
    folder = guide_folder(tmp_path / "out")
    report = json.loads((folder / "report.json").read_text())
    valid_against("guide.schema.json", report)
    assert report["outcome"] == "synced"
    assert report["before"]["verdict"] == "stale" and report["after"]["verdict"] == "in-sync"
    events = [e["event"] for e in report["timeline"]]
    assert events[:2] == ["checked before", "message issued"]
    assert "SharePoint's copy changed" in events and events[-1] == "verdict"
    files = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert {
        "message.md",
        "message.html",
        "composite.png",
        "photos/record.jpg",
        "photos/sharepoint-L-before.jpg",
        "photos/sharepoint-L-after.jpg",
        "report.json",
        "summary.md",
        "manifest.json",
    } <= files
    triggered = {(r.requester_upn, r.photo_upn) for r in sim.state.trigger_log if r.triggered}
    assert triggered == {(ADELE, ADELE)}, "only the user's own visit triggered"
    assert run_cli("verify", str(folder)).returncode == 0


def test_without_the_user_it_ends_still_stale_and_recheck_sees_a_later_sync(
    make_sim: Callable[..., SimTenant], tmp_path: Path
) -> None:
    sim = make_sim()
    args = guide_args(sim, tmp_path, ADELE, "--watch-timeout", "3", "--watch-interval", "1")
    done = run_cli(*args, env=ENV)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Verdict: still-stale" in done.stdout
    folder = guide_folder(tmp_path / "out")
    report = json.loads((folder / "report.json").read_text())
    assert report["outcome"] == "still-stale"
    assert "24 hours" in report["advice"] and "PillarPictureSync" in report["advice"]
    assert [e["event"] for e in report["timeline"]].count("checked") >= 2
    assert "24 hours" in (folder / "summary.md").read_text()

    # Later, SharePoint has caught up (say, the user visited from another device).
    record = sim.state.photo_of_record(ADELE)
    sim.state.set_sharepoint_photo(ADELE, record)
    again = run_cli("recheck", str(folder), env=ENV)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Verdict: synced" in again.stdout and "(recheck 1)" in again.stdout
    report = json.loads((folder / "report.json").read_text())
    valid_against("guide.schema.json", report)
    assert report["outcome"] == "synced" and report["rechecks"] == 1
    assert (folder / "photos" / "sharepoint-L-recheck-1.jpg").is_file()
    assert run_cli("verify", str(folder)).returncode == 0


def test_a_user_already_in_sync_gets_no_message(
    make_sim: Callable[..., SimTenant], tmp_path: Path
) -> None:
    sim = make_sim()
    done = run_cli(*guide_args(sim, tmp_path, "alex.wilber@contoso.onmicrosoft.com"), env=ENV)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Verdict: already-in-sync" in done.stdout
    folder = guide_folder(tmp_path / "out")
    assert tree(folder) == {
        "composite.png",
        "manifest.json",
        "photos/record.jpg",
        "photos/sharepoint-L-before.jpg",
        "report.json",
        "summary.md",
    }
    assert json.loads((folder / "report.json").read_text())["outcome"] == "already-in-sync"


def test_guide_refuses_the_user_as_operator(tmp_path: Path) -> None:
    done = run_cli("guide", "--user", OPERATOR_UPN, "--out", str(tmp_path / "out"))
    assert done.returncode == 2
    assert done.stderr.startswith("error: --as is the user being helped")
