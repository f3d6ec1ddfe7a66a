"""Retention: find and delete run folders older than a given age."""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from troubleshooter.errors import BadInputError
from troubleshooter.evidence.recorder import REPORT

_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_AGE = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$", re.IGNORECASE)


def parse_age(text: str) -> timedelta:
    """``30d``, ``12h``, ``2w`` or ``90m`` as a timedelta."""
    match = _AGE.match(text)
    if not match:
        raise BadInputError(f"--older-than {text!r}: use a number and a unit, like 30d, 12h or 2w")
    return timedelta(**{_UNITS[match.group(2).lower()]: int(match.group(1))})


@dataclass(frozen=True)
class OldRun:
    folder: Path
    started: datetime
    bundle: Path | None

    def paths(self) -> list[Path]:
        return [self.folder, *([self.bundle] if self.bundle else [])]


def old_runs(out: Path, older_than: timedelta, now: datetime | None = None) -> list[OldRun]:
    """Run folders (``<out>/<group>/<run>/`` holding a report.json) started before the cut-off."""
    if not out.is_dir():
        raise BadInputError(f"{out}: no such evidence folder")
    cutoff = (now or datetime.now(UTC)) - older_than
    found = []
    for report in sorted(out.glob(f"*/*/{REPORT}")):
        folder = report.parent
        started = _started(report)
        if started < cutoff:
            bundle = folder.with_name(folder.name + ".zip")
            found.append(OldRun(folder, started, bundle if bundle.is_file() else None))
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


def _started(report: Path) -> datetime:
    """When the run started, from its report; the file's time if the report cannot say."""
    try:
        started = datetime.fromisoformat(json.loads(report.read_text("utf-8"))["started_at"])
    except (OSError, ValueError, KeyError, TypeError):
        started = datetime.fromtimestamp(report.stat().st_mtime, UTC)
    return started if started.tzinfo else started.replace(tzinfo=UTC)
