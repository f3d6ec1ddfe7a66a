"""Shared helpers for the end-to-end tests."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

from troubleshooter.sim import DEMO_USERS, SimUser

ROOT = Path(__file__).resolve().parent.parent


def run_cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 240, cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    """Run the real ``troubleshooter`` command in a subprocess."""
    secret = ("TROUBLESHOOTER_PASSWORD", "TROUBLESHOOTER_TOTP_SECRET")
    inherited = {k: v for k, v in os.environ.items() if k not in secret}
    full_env = {**inherited, "COLUMNS": "200", "NO_COLOR": "1", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "troubleshooter", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=full_env,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
    )


def tenant_profile(sim: object, folder: Path) -> Path:
    """Write a tenant profile pointing at a running simulated tenant."""
    urls = sim.urls  # type: ignore[attr-defined]
    path = folder / "sim-tenant.yaml"
    data = {
        "name": "sim-test",
        "home": urls.home,
        "sharepoint": urls.sharepoint,
        "mysite": urls.mysite,
        "site": urls.site,
        "outlook": urls.outlook,
        "simulated": True,
    }
    path.write_text(yaml.safe_dump(data))
    return path


def only_run_folder(out: Path) -> Path:
    """The single run folder below ``out`` (``<out>/<group>/<upn>-<stamp>``)."""
    folders = [p for p in out.glob("*/*") if p.is_dir()]
    assert len(folders) == 1, folders
    return folders[0]


def users_with(upn: str, **changes: object) -> list[SimUser]:
    """Fresh copies of the demo users, with ``changes`` applied to one of them."""
    return [
        dataclasses.replace(u, **changes) if u.upn == upn else dataclasses.replace(u)  # type: ignore[arg-type]
        for u in DEMO_USERS
    ]


def run_on(
    sim: object, tmp_path: Path, scenario: str, upn: str, *extra: str, password: bool = True
) -> subprocess.CompletedProcess[str]:
    """``troubleshooter run`` against a running simulated tenant, evidence in tmp_path/out."""
    from troubleshooter.sim import DEMO_PASSWORD

    return run_cli(
        "run",
        scenario,
        "--user",
        upn,
        "--tenant",
        str(tenant_profile(sim, tmp_path)),
        "--out",
        str(tmp_path / "out"),
        *extra,
        env={"TROUBLESHOOTER_PASSWORD": DEMO_PASSWORD} if password else None,
    )


ENVIRONMENT = {
    "tool_version": "0.1.0",
    "browser": "chromium",
    "browser_version": "140",
    "playwright_version": "1.65.0",
    "os": "Linux",
    "python": "3.11",
    "tenant": "contoso",
    "sign_in": "password",
    "headed": "False",
}


def report_data(**fields: object) -> dict[str, object]:
    """A finished first run's report.json as a dict, valid against the report model."""
    report: dict[str, object] = {
        "schema_version": 2,
        "run_id": "0b7e8a52-34a3-4a43-9a43-1a4a27f7c8e1",
        "status": "finished",
        "scenario": {"name": "sharepoint-resync", "title": "Re-sync", "steps": ["Open"]},
        "upn": "adele.vance@contoso.onmicrosoft.com",
        "tenant": "contoso",
        "ticket": None,
        "operator": None,
        "inputs": {"tenant": "contoso", "targets_file": None, "expected_photo": False},
        "started_at": "2026-01-01T10:00:00+00:00",
        "finished_at": "2026-01-01T10:01:00+00:00",
        "environment": dict(ENVIRONMENT),
        "last_step": None,
        "steps": [],
        "photos": {},
        "artifacts": [],
        "last_wait": None,
        "warnings": [],
        "rechecks": [],
        "verdict": {
            "outcome": "still-stale",
            "exit_code": 1,
            "summary": "SharePoint still shows a different photo.",
            "advice": "Wait 24 hours.",
            "failed_step": None,
            "detail": None,
            "comparison": {"reference": None, "before": None, "after": None},
        },
    }
    report.update(fields)
    return report


class QuietHandler(BaseHTTPRequestHandler):
    """A handler for :func:`serving`: ``answer`` sends a body; nothing is logged."""

    def answer(self, body: bytes, kind: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """A small HTTP server on 127.0.0.1 for one test module's pages; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True  # a handler still sleeping must not hold up the end
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def trace_events(trace_zip: Path) -> list[dict[str, Any]]:
    """The events of a Playwright trace (trace.zip's ``trace.trace``, one JSON per line)."""
    with zipfile.ZipFile(trace_zip) as trace:
        return [json.loads(line) for line in trace.read("trace.trace").decode().splitlines()]
