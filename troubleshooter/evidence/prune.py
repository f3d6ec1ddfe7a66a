"""Retention: find and delete run folders older than a given age."""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from troubleshooter.artifacts import REPORT_JSON as REPORT
from troubleshooter.errors import BadInputError
from troubleshooter.evidence.model import SCHEMA_VERSION
from troubleshooter.validate import parse_duration

# make_run_folder's names: ``<upn lower-cased>-<UTC timestamp>`` and ``-2``, ``-3``… on clashes.
_RUN_NAME = re.compile(r"^(?P<upn>[^/\\]+)-\d{8}T\d{6}Z(?:-\d{1,3})?$")
# Older than this is no retention policy but a typo.
MAX_AGE = timedelta(days=3650)


def parse_age(text: str) -> timedelta:
    """``30d``, ``12h``, ``4w`` or ``90min``; ``m`` is refused (minutes or months?)."""
    return parse_duration(text, "--older-than", MAX_AGE)


@dataclass(frozen=True)
class OldRun:
    folder: Path
    started: datetime
    bundle: Path | None

    def paths(self) -> list[Path]:
        return [self.folder, *([self.bundle] if self.bundle else [])]


def old_runs(out: Path, older_than: timedelta, now: datetime | None = None) -> list[OldRun]:
    """Run folders (``<out>/<group>/<upn>-<stamp>/``) whose report says they started too early.

    Only folders this tool created count: see ``run_started``. Anything else is left alone.
    """
    if not out.is_dir():
        raise BadInputError(f"{out}: no such evidence folder")
    cutoff = (now or datetime.now(UTC)) - older_than
    found = []
    for report in sorted(out.glob(f"*/*/{REPORT}")):
        folder = report.parent
        if folder.is_symlink() or folder.parent.is_symlink():
            continue
        started = run_started(folder)
        if started is not None and started < cutoff:
            bundle = folder.with_name(folder.name + ".zip")
            keep_bundle = bundle.is_file() and not bundle.is_symlink()
            found.append(OldRun(folder, started, bundle if keep_bundle else None))
    return found


def delete(runs: list[OldRun]) -> None:
    """Delete the run folders and their zips, then any group folder left empty."""
    for run in runs:
        shutil.rmtree(run.folder)
        if run.bundle:
            run.bundle.unlink(missing_ok=True)
        group = run.folder.parent
        if group.is_dir() and not any(group.iterdir()):
            group.rmdir()


def run_started(folder: Path) -> datetime | None:
    """When the run in this folder started, or None when the folder is not a run of this tool.

    A run folder is named ``<upn>-YYYYMMDDTHHMMSSZ[-N]`` and holds a report.json with
    ``schema_version`` 1 or 2, a ``run_id`` and a ``started_at`` that parses; the file's time never
    counts (copying or touching a folder must not change what is deleted).
    """
    name = _RUN_NAME.match(folder.name)
    if not name:
        return None
    try:
        report = json.loads((folder / REPORT).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(report, dict):
        return None
    # check and guide folders (troubleshooter.audit.model) carry a kind and their own version
    audit = report.get("kind") in {"check", "guide"} and report.get("report_version") == 1
    if not audit and report.get("schema_version") not in {1, SCHEMA_VERSION}:
        return None
    run_id, started_at, upn = report.get("run_id"), report.get("started_at"), report.get("upn")
    if not isinstance(run_id, str) or not run_id or not isinstance(started_at, str):
        return None
    if isinstance(upn, str) and upn and upn.lower() != name.group("upn"):
        return None
    try:
        started = datetime.fromisoformat(started_at)
    except ValueError:
        return None
    return started if started.tzinfo else started.replace(tzinfo=UTC)
