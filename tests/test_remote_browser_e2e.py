"""A remote browser: the tool connects to `playwright run-server` instead of launching one."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Playwright

from tests.helpers import ROOT, only_run_folder, run_cli
from troubleshooter.browser import choose_browser

pytestmark = pytest.mark.slow


def _browsers_folder(tmp_path: Path, playwright: Playwright) -> dict[str, str]:
    """Environment for run-server: Playwright's own browser, or a folder of symlinks to ours.

    run-server launches the browser build it was released with; where that download is not
    possible, point PLAYWRIGHT_BROWSERS_PATH at a folder holding our Chromium at those paths.
    """
    choice = choose_browser(playwright)
    if choice.source == "playwright":
        return {}
    folder = tmp_path / "browsers"
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "from playwright.sync_api import sync_playwright as s\n"
            "with s() as p: print(p.chromium.executable_path)",
        ],
        env={"PLAYWRIGHT_BROWSERS_PATH": str(folder), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    full = Path(probe.stdout.strip())
    match = re.search(r"chromium-(\d+)/chrome-linux64/chrome$", str(full))
    if not match or not sys.platform.startswith("linux"):
        pytest.skip(f"no known headless-shell layout next to {full}")
    shell = folder / f"chromium_headless_shell-{match.group(1)}" / "chrome-headless-shell-linux64"
    for link in (full, shell / "chrome-headless-shell"):
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(choice.executable or "")
    return {"PLAYWRIGHT_BROWSERS_PATH": str(folder)}


@pytest.fixture
def run_server(tmp_path: Path, playwright: Playwright) -> Iterator[str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, **_browsers_folder(tmp_path, playwright)}
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "playwright"),
            "run-server",
            "--port",
            str(port),
            "--host",
            "127.0.0.1",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        assert "Listening on" in line, line
        yield f"ws://127.0.0.1:{port}/"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_run_through_a_remote_browser(tmp_path: Path, run_server: str) -> None:
    result = run_cli(
        "run",
        "sharepoint-resync",
        "--user",
        "adele.vance@contoso.onmicrosoft.com",
        "--browser-endpoint",
        run_server,
        "--out",
        str(tmp_path / "out"),
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Verdict: synced (exit 0)" in result.stdout
    report = json.loads((only_run_folder(tmp_path / "out") / "report.json").read_text())
    assert report["environment"]["browser"] == f"{run_server} (remote)"
