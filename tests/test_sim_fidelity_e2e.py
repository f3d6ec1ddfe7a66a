"""Every form of the account picture, and self-diagnosis on a missed target, end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.helpers import ROOT, only_run_folder, run_cli, run_on
from troubleshooter.photo import compare
from troubleshooter.sim import SimOptions, SimTenant

pytestmark = pytest.mark.slow
ADELE = "adele.vance@contoso.onmicrosoft.com"
DIEGO = "diego.siciliani@contoso.onmicrosoft.com"


def report_of(tmp_path: Path) -> dict:
    return json.loads((only_run_folder(tmp_path / "out") / "report.json").read_text())


@pytest.mark.parametrize(
    ("me_photo", "form", "url_start"),
    [
        ("background", "background-image", "http://www.office.localhost"),
        ("blob", "background-image (blob)", "blob:http://www.office.localhost"),
        ("img", "img", "http://www.office.localhost"),
    ],
)
def test_photo_of_record_from_each_form(
    tmp_path: Path, me_photo: str, form: str, url_start: str
) -> None:
    with SimTenant(options=SimOptions(sync_delay=0.3, me_photo=me_photo)) as sim:  # type: ignore[arg-type]
        result = run_on(sim, tmp_path, "sharepoint-resync", ADELE, "--poll-timeout", "10")
        record = sim.state.photo_of_record(ADELE)
    assert result.returncode == 0, result.stdout + result.stderr
    report = report_of(tmp_path)
    reference = report["photos"]["reference"]
    assert reference["form"] == form
    assert form in reference["source"]
    assert reference["final_url"].startswith(url_start)
    folder = only_run_folder(tmp_path / "out")
    assert record is not None
    assert compare((folder / "photo-of-record.jpg").read_bytes(), record).same
    assert report["verdict"]["outcome"] == "synced"


def test_initials_only_is_no_photo_of_record(tmp_path: Path) -> None:
    with SimTenant(options=SimOptions(sync_delay=0.3)) as sim:
        result = run_on(sim, tmp_path, "sharepoint-resync", DIEGO, "--poll-timeout", "0")
    assert result.returncode == 4, result.stdout + result.stderr
    report = report_of(tmp_path)
    assert report["photos"]["reference"]["form"] == "initials"
    assert report["verdict"]["outcome"] == "no-photo-of-record"


def test_broken_target_ends_page_error_with_a_diagnosis(tmp_path: Path) -> None:
    data = yaml.safe_load((ROOT / "troubleshooter" / "targets.yaml").read_text())
    data["people_webpart"]["strategies"] = [
        {"css": "div[data-sp-feature-tag*='PeopleWebPartV2']"},
        {"role": "region", "name": "People"},
    ]
    broken = tmp_path / "broken.yaml"
    broken.write_text(yaml.safe_dump(data, sort_keys=False))
    with SimTenant(options=SimOptions(sync_delay=0.3)) as sim:
        result = run_on(
            sim,
            tmp_path,
            "sharepoint-resync",
            ADELE,
            "--targets",
            str(broken),
            "--poll-timeout",
            "2",
        )
    assert result.returncode == 20, result.stdout + result.stderr
    report = report_of(tmp_path)
    assert report["verdict"]["outcome"] == "page-error"
    folder = only_run_folder(tmp_path / "out")
    failed = next(s for s in report["steps"] if s["status"] == "failed")
    diagnosis = failed["data"]["diagnosis"]
    assert diagnosis["target"] == "people_webpart"
    assert [t["missed"] for t in diagnosis["tried"]] == ["no element matches"] * 2
    for name in ("diagnosis-page.html", "diagnosis-aria.yaml", "diagnosis-strategies.txt"):
        assert (folder / name).is_file(), name
        assert any(a["path"] == name and a["kind"] == "diagnosis" for a in report["artifacts"])
    assert any(a["kind"] == "page" and a["step"] == failed["index"] for a in report["artifacts"])
    strategies = (folder / "diagnosis-strategies.txt").read_text()
    assert "target: people_webpart" in strategies
    assert "PeopleWebPartV2" in strategies and "missed: no element matches" in strategies
    page = (folder / "diagnosis-page.html").read_text()
    assert "PeopleWebPart web part (People)" in page and "<script" not in page
    assert '<meta name="troubleshooter-expects" content="people_webpart">' in page
    assert '- heading "People"' in (folder / "diagnosis-aria.yaml").read_text()
    html = (folder / "report.html").read_text()
    assert "Target <code>people_webpart</code> not found" in html

    # The page is kept so the map can be fixed offline: the built-in map finds the web part.
    fixed = run_cli("pages", "check", str(folder))
    assert fixed.returncode == 0, fixed.stdout
    still = run_cli("pages", "check", str(folder), "--targets", str(broken))
    assert still.returncode == 1
    assert "needed target people_webpart not found" in still.stdout
