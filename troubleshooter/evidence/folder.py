"""The run folder: where it goes, and how it is sealed (report.json, the files derived from
it, manifest.json last). Every kind of folder (run, recheck, check, guide) is sealed here."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from troubleshooter.artifacts import REPORT_HTML, REPORT_JSON, SUMMARY_MD
from troubleshooter.evidence.files import slug, write_atomic, write_json
from troubleshooter.evidence.manifest import write_manifest
from troubleshooter.evidence.model import Report
from troubleshooter.evidence.render import render_html, render_summary


def run_group(ticket: str | None, started: datetime) -> str:
    """The folder that groups runs: the ticket id, or the UTC date."""
    return slug(ticket, 64) if ticket else started.strftime("%Y-%m-%d")


def make_run_folder(out: Path, upn: str, started: datetime, ticket: str | None) -> Path:
    """Create ``<out>/<ticket or date>/<upn>-<UTC timestamp>[-N]/`` and return it."""
    parent = out / run_group(ticket, started)
    parent.mkdir(parents=True, exist_ok=True)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    for suffix in range(1, 1000):
        name = f"{upn.lower()}-{stamp}" + (f"-{suffix}" if suffix > 1 else "")
        try:
            (parent / name).mkdir()  # two runs in the same second get -2, -3…
            return parent / name
        except FileExistsError:
            continue
    raise FileExistsError(f"{parent}: too many runs for {upn} at {stamp}")


def write_report(folder: Path, report: Report) -> None:
    write_atomic(folder / REPORT_JSON, report.to_json())


def write_derived(folder: Path, report: Report) -> None:
    """summary.md, report.html, then manifest.json (which must come last) for a run folder."""
    summary = render_summary(report, folder.name).encode("utf-8")
    html = render_html(report, folder).encode("utf-8")
    seal(folder, report.run_id, derived={SUMMARY_MD: summary, REPORT_HTML: html})


def seal(
    folder: Path,
    run_id: str,
    report: dict[str, Any] | None = None,
    derived: dict[str, bytes] | None = None,
) -> None:
    """Write ``report`` (report.json, when given), the files derived from it, and last
    manifest.json, which vouches for everything else in the folder."""
    if report is not None:
        write_json(folder / REPORT_JSON, report)
    for name, content in (derived or {}).items():
        write_atomic(folder / name, content)
    write_manifest(folder, run_id)
