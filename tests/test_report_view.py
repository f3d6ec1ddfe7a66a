"""What a person sees first in report.html and summary.md, in real Chromium: the right file on
each photo card, the latest state on top after a recheck, one time format, a page that reflows
at 375 px and keeps headings with their content in print."""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.helpers import only_run_folder, run_cli, run_on, users_with
from troubleshooter.evidence.manifest import verify
from troubleshooter.sim import DEMO_PASSWORD, SimOptions, SimTenant

pytestmark = pytest.mark.slow

STALE = "adele.vance@contoso.onmicrosoft.com"
LATE_S = 3600.0  # SharePoint's refresh is due long after the run; the test runs it when it wants
ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d")
HUMAN = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC")


@dataclass
class StaleRun:
    sim: SimTenant
    tmp: Path
    folder: Path


@pytest.fixture(scope="module")
def stale_run(tmp_path_factory: pytest.TempPathFactory) -> StaleRun:
    """A still-stale first run with --zip; the sim refreshes the photo a few seconds later."""
    tmp = tmp_path_factory.mktemp("view")
    users = users_with(STALE, sync_delay=LATE_S)
    with SimTenant(options=SimOptions(sync_delay=0.3), users=users) as sim:
        result = run_on(sim, tmp, "sharepoint-resync", STALE, "--poll-timeout", "1", "--zip")
        assert result.returncode == 1, result.stdout + result.stderr
        yield StaleRun(sim, tmp, only_run_folder(tmp / "out"))


def test_after_card_names_the_after_file_when_bytes_match_before(
    stale_run: StaleRun, page: Page
) -> None:
    report = json.loads((stale_run.folder / "report.json").read_text())
    before = report["photos"]["before"]["sizes"]["L"]["sha256"]
    assert report["photos"]["after"]["sizes"]["L"]["sha256"] == before, "still stale"
    page.goto((stale_run.folder / "report.html").as_uri())
    cards = page.locator(".photos figure")
    after = cards.filter(has=page.get_by_role("heading", name="SharePoint's copy after"))
    expect(after.locator("figcaption")).to_contain_text("sharepoint-l-after.jpg")
    expect(after.locator("figcaption")).not_to_contain_text("before")
    before_card = cards.filter(has=page.get_by_role("heading", name="SharePoint's copy before"))
    expect(before_card.locator("figcaption")).to_contain_text("sharepoint-l-before.jpg")


def test_times_are_in_one_human_format(stale_run: StaleRun, page: Page) -> None:
    page.goto((stale_run.folder / "report.html").as_uri())
    text = page.locator("body").inner_text()
    assert not ISO.search(text), ISO.search(text)
    assert HUMAN.search(page.locator("header").inner_text())
    summary = (stale_run.folder / "summary.md").read_text()
    assert not ISO.search(summary) and HUMAN.search(summary)
    assert "unnamed operator" not in summary and "run by" not in summary
    report = json.loads((stale_run.folder / "report.json").read_text())
    assert ISO.match(report["started_at"]), "report.json keeps ISO 8601"


def test_reflows_at_375_px_without_sideways_scrolling(stale_run: StaleRun, page: Page) -> None:
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto((stale_run.folder / "report.html").as_uri())
    expect(page.locator("h1")).to_contain_text(STALE)
    widths = page.evaluate(
        "({scroll: document.documentElement.scrollWidth,"
        " client: document.documentElement.clientWidth})"
    )
    assert widths["scroll"] <= widths["client"], widths
    wider = page.evaluate(
        "Array.from(document.querySelectorAll('main *'))"
        ".filter(e => e.offsetParent !== null && e.getBoundingClientRect().right > 376)"
        ".map(e => e.tagName + '.' + e.className).slice(0, 5)"
    )
    assert wider == []


def test_print_keeps_headings_with_what_follows(stale_run: StaleRun, page: Page) -> None:
    page.goto((stale_run.folder / "report.html").as_uri())
    page.emulate_media(media="print")
    breaks = page.evaluate(
        "Array.from(document.querySelectorAll('h2, h3')).map(h => getComputedStyle(h).breakAfter)"
    )
    assert breaks and set(breaks) == {"avoid"}
    inside = page.evaluate(
        "Array.from(document.querySelectorAll('figure, ol.timeline > li'))"
        ".map(e => getComputedStyle(e).breakInside)"
    )
    assert inside and set(inside) == {"avoid"}
    assert len(page.pdf()) > 0


def test_recheck_puts_the_latest_state_on_top_and_rewrites_the_zip(
    stale_run: StaleRun, page: Page, tmp_path: Path
) -> None:
    folder = tmp_path / stale_run.folder.name
    shutil.copytree(stale_run.folder, folder)
    zipped = stale_run.folder.with_name(stale_run.folder.name + ".zip")
    assert zipped.is_file()
    bundle = shutil.copy(zipped, folder.with_name(zipped.name))
    assert stale_run.sim.state.run_due_refresh_now(STALE), "the first run triggered a refresh"

    result = run_cli("recheck", str(folder), env={"TROUBLESHOOTER_PASSWORD": DEMO_PASSWORD})
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Bundle: {bundle} (rewritten with recheck 1)" in result.stdout
    assert result.stdout.splitlines()[-1] == f"Open: {(folder / 'report.html').resolve()}"

    page.goto((folder / "report.html").as_uri())
    assert page.title().startswith("synced · ")
    verdict = page.locator("#verdict")
    expect(verdict).to_contain_text("synced (exit code 0)")
    expect(verdict).to_contain_text("Latest state, from recheck 1")
    expect(verdict).to_contain_text("the first run said still-stale")
    expect(page.locator("#first-run")).to_contain_text("still-stale (exit code 1)")

    summary = (folder / "summary.md").read_text()
    assert summary.startswith("**Profile photo re-sync: synced (exit 0)** — recheck 1, ")
    assert "  - First run (" in summary and "still-stale (exit 1)" in summary

    with zipfile.ZipFile(bundle) as archive:
        names = {Path(n).name for n in archive.namelist()}
        html = archive.read(f"{folder.name}/report.html").decode()
    assert "composite-recheck-1.png" in names
    assert "Latest state, from" in html
    assert verify(Path(bundle)).ok


def test_composite_has_a_verdict_banner_and_the_account_circle_is_enlarged(
    stale_run: StaleRun,
) -> None:
    from PIL import Image

    from troubleshooter.evidence.stamp import BAD_BG, SMALL_CAPTURE_PX

    with Image.open(stale_run.folder / "composite.png") as composite:
        assert composite.convert("RGB").getpixel((2, 2)) == BAD_BG, "still-stale: a red banner"
    with Image.open(stale_run.folder / "account-circle.png") as circle:
        assert circle.height >= SMALL_CAPTURE_PX + 60, circle.size
    assert verify(stale_run.folder).ok, "the bannered composite is the file the manifest lists"
