"""Write evidence as the run happens: every capture at once, report.json after every event."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from troubleshooter.events import (
    Capture,
    ConsoleLine,
    Event,
    PhotoChecked,
    RunFinished,
    RunStarted,
    StepFinished,
    StepStarted,
    Waiting,
)
from troubleshooter.evidence.files import slug, write_atomic, write_json
from troubleshooter.evidence.redact import redact_url

SCHEMA_VERSION = 1
REPORT = "report.json"
CONSOLE_LOG = "console.log"
UNREDACTED_KINDS = frozenset({"har", "trace"})


def run_folder(out: Path, upn: str, started: datetime, ticket: str | None) -> Path:
    """``<out>/<ticket or date>/<upn>-<UTC timestamp>/``."""
    group = slug(ticket, 64) if ticket else started.strftime("%Y-%m-%d")
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    folder = out / group / f"{upn.lower()}-{stamp}"
    suffix = 1
    while folder.exists():
        suffix += 1
        folder = out / group / f"{upn.lower()}-{stamp}-{suffix}"
    return folder


class EvidenceRecorder:
    """Listens to run events and keeps the run folder complete and valid at every moment."""

    def __init__(self, out: Path, ticket: str | None = None, operator: str | None = None) -> None:
        self.out = out
        self.ticket = ticket
        self.operator = operator
        self.folder: Path | None = None
        self.report: dict[str, Any] = {}

    def __call__(self, event: Event) -> None:
        if isinstance(event, RunStarted):
            self._start(event)
            return
        if self.folder is None:
            return
        if isinstance(event, StepStarted):
            self._steps().append(
                {
                    "index": event.index,
                    "action": event.action,
                    "title": event.title,
                    "status": "running",
                    "started_at": _now(),
                    "captures": [],
                }
            )
        elif isinstance(event, StepFinished):
            step = self._step(event.index)
            step.update(
                status=event.status,
                duration_s=event.duration_s,
                url=redact_url(event.url),
                detail=event.detail,
                data=_redacted(event.data),
            )
        elif isinstance(event, Capture):
            if event.kind in UNREDACTED_KINDS:
                return  # not written until the redaction for its format exists
            self._capture(event)
        elif isinstance(event, ConsoleLine):
            self._console(event)
            return
        elif isinstance(event, PhotoChecked):
            self.report["photos"][event.label] = _redacted(event.data)
        elif isinstance(event, Waiting):
            self.report["last_wait"] = {"message": event.message, "elapsed_s": event.elapsed_s}
        elif isinstance(event, RunFinished):
            self._finish(event)
        self._save()

    # ---- internals -----------------------------------------------------------------------

    def _start(self, event: RunStarted) -> None:
        self.folder = run_folder(self.out, event.upn, event.started_at, self.ticket)
        self.folder.mkdir(parents=True)
        (self.folder / CONSOLE_LOG).touch()
        self.report = {
            "schema_version": SCHEMA_VERSION,
            "run_id": str(uuid.uuid4()),
            "status": "running",
            "scenario": {"name": event.scenario, "title": event.title, "steps": event.steps},
            "upn": event.upn,
            "tenant": event.tenant,
            "ticket": self.ticket,
            "operator": self.operator,
            "started_at": event.started_at.isoformat(),
            "finished_at": None,
            "environment": event.environment,
            "steps": [],
            "photos": {},
            "artifacts": [],
            "verdict": None,
        }
        self._save()

    def _capture(self, event: Capture) -> None:
        assert self.folder is not None
        if event.kind == "page":
            name = f"{event.index:02d}-{slug(event.name)}.{event.extension}"
        else:
            name = f"{slug(event.name)}.{event.extension}"
        path = self.folder / name
        if path.exists():
            path = self.folder / f"{path.stem}-{event.index:02d}{path.suffix}"
        write_atomic(path, event.content)
        entry = {
            "path": path.name,
            "kind": event.kind,
            "step": event.index,
            "description": event.description,
            "url": redact_url(event.url),
        }
        self.report["artifacts"].append(entry)
        step = self._step(event.index)
        if step is not None:
            step["captures"].append(path.name)

    def _console(self, event: ConsoleLine) -> None:
        assert self.folder is not None
        line = f"{event.at.isoformat()} [{event.level}] {event.text}"
        if event.url:
            line += f"  ({redact_url(event.url)})"
        with (self.folder / CONSOLE_LOG).open("a", encoding="utf-8") as handle:
            handle.write(line.replace("\n", "\n    ") + "\n")

    def _finish(self, event: RunFinished) -> None:
        self.report["status"] = _status(event.outcome)
        self.report["finished_at"] = event.finished_at.isoformat()
        self.report["verdict"] = {
            "outcome": event.outcome,
            "exit_code": event.exit_code,
            "summary": event.summary,
            "advice": event.advice,
            "failed_step": event.failed_step,
            "detail": event.detail,
            "comparison": event.comparison,
        }

    def _steps(self) -> list[dict[str, Any]]:
        return self.report["steps"]

    def _step(self, index: int) -> dict[str, Any] | None:
        return next((s for s in self._steps() if s["index"] == index), None)

    def _save(self) -> None:
        assert self.folder is not None
        write_json(self.folder / REPORT, self.report)


def _status(outcome: str) -> str:
    if outcome == "interrupted":
        return "interrupted"
    if outcome in {"page-error", "browser-error"}:
        return "error"
    return "finished"


def _redacted(data: Any) -> Any:
    """Redact every URL-looking string inside step data."""
    if isinstance(data, dict):
        return {k: _redacted(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_redacted(v) for v in data]
    if isinstance(data, str) and data.startswith(("http://", "https://")):
        return redact_url(data)
    return data


def _now() -> str:
    return datetime.now(UTC).isoformat()
