"""Write evidence as the run happens: every capture at once, report.json after every event.

When the run ends (normally, with an error or interrupted) the recorder also writes
summary.md, report.html and, last, manifest.json. Captures that arrive after the end (the HAR
and the trace are handed over when the browser context closes) are redacted, written, and the
derived files are written again, so the manifest always describes the folder.
"""

from __future__ import annotations

import hashlib
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
from troubleshooter.evidence.manifest import write_manifest
from troubleshooter.evidence.redact import redact_har, redact_text, redact_trace, redact_url
from troubleshooter.evidence.render import REPORT_HTML, SUMMARY_MD, render_html, render_summary
from troubleshooter.evidence.stamp import Stamp, stamp_png
from troubleshooter.verdict import Outcome, info

SCHEMA_VERSION = 1
REPORT = "report.json"
CONSOLE_LOG = "console.log"
STAMPED_KINDS = frozenset({"page", "element"})
REDACTORS = {"har": redact_har, "trace": redact_trace}


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


def write_derived(folder: Path, report: dict[str, Any]) -> None:
    """summary.md, report.html, then manifest.json (which must come last) for a run folder."""
    write_atomic(folder / SUMMARY_MD, render_summary(report, folder.name).encode("utf-8"))
    write_atomic(folder / REPORT_HTML, render_html(report, folder).encode("utf-8"))
    write_manifest(folder, str(report.get("run_id", "")))


class EvidenceRecorder:
    """Listens to run events and keeps the run folder complete and valid at every moment."""

    def __init__(self, out: Path, ticket: str | None = None, operator: str | None = None) -> None:
        self.out = out
        self.ticket = ticket
        self.operator = operator
        self.folder: Path | None = None
        self.report: dict[str, Any] = {}

    @property
    def ended(self) -> bool:
        return bool(self.report) and self.report["status"] != "running"

    def __call__(self, event: Event) -> None:
        if isinstance(event, RunStarted):
            self._start(event)
            return
        if self.folder is None:
            return
        if isinstance(event, ConsoleLine):
            self._console(event)
            if self.ended:
                write_manifest(self.folder, self.report["run_id"])
            return
        if isinstance(event, StepStarted):
            self._step_started(event)
        elif isinstance(event, StepFinished):
            self._step_finished(event)
        elif isinstance(event, Capture):
            self._capture(event)
        elif isinstance(event, PhotoChecked):
            self.report["photos"][event.label] = _redacted(event.data)
        elif isinstance(event, Waiting):
            self.report["last_wait"] = {"message": event.message, "elapsed_s": event.elapsed_s}
        elif isinstance(event, RunFinished):
            self._finish(event)
        self._save()
        if self.ended:
            self._derived()

    def abandon(self, outcome: str, detail: str) -> None:
        """End a run the runner could not end itself (e.g. Ctrl-C outside a step)."""
        if self.folder is None or self.ended:
            return
        running = [s for s in self.report["steps"] if s["status"] == "running"]
        for step in running:
            step.update(status="failed", detail=detail)
        self.report.update(status=_status(outcome), finished_at=_now())
        about = info(Outcome(outcome))
        self.report["verdict"] = {
            "outcome": outcome,
            "exit_code": about.exit_code,
            "summary": about.summary,
            "advice": about.advice,
            "failed_step": running[-1]["index"] if running else None,
            "detail": detail,
            "comparison": {},
        }
        self._save()
        self._derived()

    # ---- internals -----------------------------------------------------------------------

    def _start(self, event: RunStarted) -> None:
        self.folder = make_run_folder(self.out, event.upn, event.started_at, self.ticket)
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
            "last_step": None,
            "steps": [],
            "photos": {},
            "artifacts": [],
            "verdict": None,
        }
        self._save()

    def _step_started(self, event: StepStarted) -> None:
        self.report["last_step"] = {"index": event.index, "title": event.title}
        self.report["steps"].append(
            {
                "index": event.index,
                "action": event.action,
                "title": event.title,
                "status": "running",
                "started_at": _now(),
                "captures": [],
            }
        )

    def _step_finished(self, event: StepFinished) -> None:
        step = self._step(event.index)
        if step is None:
            return
        step.update(
            status=event.status,
            duration_s=event.duration_s,
            url=redact_url(event.url),
            detail=redact_text(event.detail) if event.detail else event.detail,
            data=_redacted(event.data),
        )

    def _capture(self, event: Capture) -> None:
        assert self.folder is not None
        content = event.content
        if event.kind in REDACTORS:
            try:
                content = REDACTORS[event.kind](content)
            except Exception as exc:  # never write what could not be redacted
                self.report.setdefault("warnings", []).append(
                    f"{event.name}.{event.extension} not kept: redaction failed ({exc})"
                )
                return
        elif event.kind in STAMPED_KINDS and event.extension == "png":
            content = stamp_png(content, self._stamp(event))
        if event.kind == "page":
            name = f"{event.index:02d}-{slug(event.name)}.{event.extension}"
        else:
            name = f"{slug(event.name)}.{event.extension}"
        path = self.folder / name
        if path.exists():
            path = self.folder / f"{path.stem}-{event.index:02d}{path.suffix}"
        write_atomic(path, content)
        self.report["artifacts"].append(
            {
                "path": path.name,
                "kind": event.kind,
                "step": event.index,
                "description": event.description,
                "url": redact_url(event.url),
                "size": len(content),
                "sha256": hashlib.sha256(content).hexdigest(),
            }
        )
        step = self._step(event.index)
        if step is not None and event.kind not in REDACTORS:
            step["captures"].append(path.name)

    def _stamp(self, event: Capture) -> Stamp:
        step = self._step(event.index)
        total = len(self.report["scenario"]["steps"])
        label = f"Step {event.index}/{total}: {step['title'] if step else ''}"
        what = None if event.description.startswith("Step ") else event.description
        return Stamp(
            ticket=self.ticket,
            upn=self.report["upn"],
            at_utc=datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
            step=label,
            url=redact_url(event.url),
            what=what,
        )

    def _console(self, event: ConsoleLine) -> None:
        assert self.folder is not None
        line = f"{event.at.isoformat()} [{event.level}] {redact_text(event.text)}"
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
            "detail": redact_text(event.detail) if event.detail else event.detail,
            "comparison": event.comparison,
        }

    def _derived(self) -> None:
        """The files written at the end; a failure there must not take the run down with it."""
        assert self.folder is not None
        try:
            write_derived(self.folder, self.report)
        except Exception as exc:
            self.report.setdefault("warnings", []).append(f"report files not written: {exc!r}")
            self._save()
            write_manifest(self.folder, self.report["run_id"])

    def _step(self, index: int) -> dict[str, Any] | None:
        return next((s for s in self.report["steps"] if s["index"] == index), None)

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
    """Redact every string inside step data: secret query values, tokens, bearer credentials."""
    if isinstance(data, dict):
        return {k: _redacted(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_redacted(v) for v in data]
    if isinstance(data, str):
        return redact_url(data) if data.startswith(("http://", "https://")) else redact_text(data)
    return data


def _now() -> str:
    return datetime.now(UTC).isoformat()
