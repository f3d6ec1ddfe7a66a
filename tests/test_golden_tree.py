"""Golden checks: the exact file tree of a `demo` run folder and of a folder after `recheck`.

Written before the evidence code was consolidated, so it proves the files and verdicts did not
change with it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import only_run_folder, run_cli, run_on, users_with
from troubleshooter.sim import DEMO_PASSWORD, SimOptions, SimTenant

STALE = "adele.vance@contoso.onmicrosoft.com"
LATE_S = 3600.0  # never within the first run; the test then lets SharePoint's job run

DEMO_TREE = [
    "01-open-the-microsoft-365-home-in-a-private-session.png",
    "02-sign-in-as-the-user.png",
    "03-select-the-sharepoint-icon.png",
    "04-wait-for-the-people-web-part-and-its-photos.png",
    "05-reload-the-page-and-capture-the-user-s-photo-now.png",
    "account-circle.png",
    "composite.png",
    "console.log",
    "manifest.json",
    "network.har",
    "photo-of-record.jpg",
    "report.html",
    "report.json",
    "sharepoint-l-after.jpg",
    "sharepoint-l-before.jpg",
    "sharepoint-m-after.jpg",
    "sharepoint-m-before.jpg",
    "sharepoint-photo-after.png",
    "sharepoint-photo-before.png",
    "sharepoint-s-after.jpg",
    "sharepoint-s-before.jpg",
    "summary.md",
    "trace.zip",
]

# Page screenshots are numbered as written: steps 3, 5, 7, 8, 9 and 11 keep none (step 7 only
# waits for what step 6's page already shows). A run that ends still-stale keeps none after
# the reload either: the page looks exactly as it did before.
RELOAD_SHOT = "05-reload-the-page-and-capture-the-user-s-photo-now.png"
STILL_STALE_TREE = [name for name in DEMO_TREE if name != RELOAD_SHOT]

RECHECK_FILES = [
    "account-circle-recheck-1.png",
    "composite-recheck-1.png",
    "photo-of-record-recheck-1.jpg",
    "recheck-1-01-open-the-microsoft-365-home-in-a-private-session.png",
    "recheck-1-02-sign-in-as-the-user.png",
    "sharepoint-l-recheck-1.jpg",
    "sharepoint-m-recheck-1.jpg",
    "sharepoint-s-recheck-1.jpg",
]


def _tree(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.mark.slow
def test_demo_run_folder_tree(tmp_path: Path) -> None:
    result = run_cli("demo", "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stdout + result.stderr
    folder = only_run_folder(tmp_path / "out")
    assert _tree(folder) == DEMO_TREE
    report = json.loads((folder / "report.json").read_text())
    assert report["status"] == "finished"
    assert report["verdict"]["outcome"] == "synced"
    steps = report["steps"]
    assert not steps[5]["captures"], "the site's picture is the web part step's"
    assert steps[6]["captures"] == ["04-wait-for-the-people-web-part-and-its-photos.png"]
    assert "05-reload-the-page-and-capture-the-user-s-photo-now.png" in steps[9]["captures"]
    assert sorted(a["path"] for a in report["artifacts"]) == sorted(
        set(DEMO_TREE)
        - {"console.log", "manifest.json", "report.html", "report.json", "summary.md"}
    )


@pytest.mark.slow
def test_recheck_folder_tree(tmp_path: Path) -> None:
    users = users_with(STALE, sync_delay=LATE_S)
    with SimTenant(options=SimOptions(sync_delay=0.3), users=users) as sim:
        first = run_on(sim, tmp_path, "sharepoint-resync", STALE, "--poll-timeout", "1")
        assert first.returncode == 1, first.stdout + first.stderr
        folder = only_run_folder(tmp_path / "out")
        before = _tree(folder)
        assert sim.state.run_due_refresh_now(STALE), "the first run triggered a refresh"
        result = run_cli("recheck", str(folder), env={"TROUBLESHOOTER_PASSWORD": DEMO_PASSWORD})
        assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads((folder / "report.json").read_text())
    # The reload's page looks as before when nothing changed, so it keeps no screenshot; on a
    # loaded machine the first look may have caught the page still drawing, and then it does.
    # Either way the report says which, and the tree must match what it says.
    reload_step = report["steps"][9]
    expected = STILL_STALE_TREE
    if "screenshot_same_as_step" not in (reload_step.get("data") or {}):
        expected = sorted([*STILL_STALE_TREE, RELOAD_SHOT])
        assert RELOAD_SHOT in reload_step["captures"]
    assert before == expected
    assert _tree(folder) == sorted(expected + RECHECK_FILES)
    assert report["verdict"]["outcome"] == "still-stale"
    [entry] = report["rechecks"]
    assert entry["status"] == "finished"  # one status word for every section (was "done")
    assert entry["verdict"]["outcome"] == "synced"
    assert sorted(entry["artifacts"]) == RECHECK_FILES
