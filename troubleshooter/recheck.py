"""Recheck: repeat the photo check later, in a new private session, inside the same run folder.

This is the support article's "wait 24 hours and repeat", with proof: the entry lands in the
first run's report.json (``rechecks``), its captures next to the first run's, and the verdict is
updated from what SharePoint holds now.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.console import Console

from troubleshooter.composite import photo_panels, side_by_side
from troubleshooter.context import RunSettings, SessionOptions
from troubleshooter.credentials import credentials_for
from troubleshooter.errors import BadInputError, TroubleshooterError
from troubleshooter.events import (
    Capture,
    Event,
    EventBus,
    Listener,
    PhotoChecked,
    RunFinished,
    RunStarted,
    StepFinished,
    StepStarted,
    utc_now,
)
from troubleshooter.evidence.files import report_schema, slug, write_atomic, write_json
from troubleshooter.evidence.manifest import MANIFEST, Verification, verify, write_manifest
from troubleshooter.evidence.recorder import STAMPED_KINDS, write_derived
from troubleshooter.evidence.redact import redact_url, without_secrets
from troubleshooter.evidence.stamp import Stamp, stamp_png
from troubleshooter.photo import PhotoSample, file_sample
from troubleshooter.progress import ProgressPrinter
from troubleshooter.scenario import Scenario
from troubleshooter.targets import TargetBook
from troubleshooter.verdict import Outcome, info

REPORT = "report.json"
ESCALATE_AFTER_S = 24 * 3600  # the support article: contact the admin after 24 hours
SKIPPED_KINDS = frozenset({"har", "trace"})  # the first run's recorder owns their redaction


@dataclass
class RecheckRequest:
    """Everything ``troubleshooter recheck`` was asked to do."""

    run_dir: Path
    tenant: str | None = None
    poll_timeout_s: float | None = None
    session: SessionOptions = field(default_factory=SessionOptions)


@dataclass(frozen=True)
class RecheckResult:
    outcome: Outcome
    exit_code: int
    number: int
    elapsed_s: float
    folder: Path


def recheck_scenario(poll: bool) -> Scenario:
    """Sign in again, read the photo of record, and ask SharePoint for its copy once."""
    return Scenario.model_validate(
        {
            "name": "recheck",
            "title": "Recheck SharePoint's copy of the profile photo",
            "steps": [
                {
                    "action": "open",
                    "url": "${home}",
                    "title": "Open the Microsoft 365 home in a private session",
                },
                {"action": "sign_in", "title": "Sign in as the user"},
                {
                    "action": "capture_reference",
                    "title": "Read the photo of record from the account circle",
                },
                {
                    "action": "check_sharepoint_photo",
                    "label": "after",
                    "poll": poll,
                    "title": "Ask SharePoint for its copy of the photo now",
                },
            ],
        }
    )


def load_report(run_dir: Path) -> dict[str, Any]:
    """The first run's report.json, valid against the shipped schema; else one BadInputError."""
    path = run_dir / REPORT
    if not path.is_file():
        raise BadInputError(f"{run_dir}: no {REPORT} here; pass the folder of an earlier run")
    try:
        report = json.loads(path.read_bytes())
    except OSError as exc:
        raise BadInputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadInputError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(report, dict):
        raise BadInputError(f"{path}: not a troubleshooter report (not a JSON object)")
    problem = schema_problem(report)
    if problem:
        raise BadInputError(f"{path}: not a troubleshooter report ({problem})")
    try:
        datetime.fromisoformat(report["started_at"])
    except ValueError:
        raise BadInputError(f"{path}: started_at: not a timestamp") from None
    return report


def schema_problem(report: dict[str, Any]) -> str | None:
    """The most relevant way the report breaks report.schema.json, on one line; None if valid."""
    import jsonschema  # imported here: only a recheck needs it

    schema = report_schema()
    validator = jsonschema.validators.validator_for(schema)(schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(report))
    if error is None:
        return None
    where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
    message = " ".join(error.message.split())
    if len(message) > 160:
        message = message[:157] + "..."
    return f"{where}: {message}"


def check_untouched(run_dir: Path) -> None:
    """Refuse a run folder that no longer matches its manifest.

    A recheck writes a new manifest; on a changed folder it would vouch for the changes.
    """
    if not (run_dir / MANIFEST).is_file():
        return  # the first run was killed before its end: nothing to check against
    result = verify(run_dir)
    if result.ok:
        return
    raise BadInputError(
        f"{run_dir}: the folder no longer matches its {MANIFEST} ({_problems(result)}); "
        "a recheck would write a new manifest that covers these changes, so it stops. "
        "Restore the run folder (e.g. from its zip), or recheck a copy of the original"
    )


def _problems(result: Verification) -> str:
    problems = [
        *(f"modified: {name}" for name in result.modified),
        *(f"missing: {name}" for name in result.missing),
        *(f"added: {name}" for name in result.extra),
    ]
    shown = "; ".join(problems[:6])
    return shown + (f"; and {len(problems) - 6} more" if len(problems) > 6 else "")


def tenant_spec(requested: str | None, report: dict[str, Any]) -> str:
    """The --tenant to use: the one given, else the one the first run recorded."""
    recorded = (report.get("environment") or {}).get("tenant_spec") or None
    spec = requested or recorded
    if spec == "sim":
        raise BadInputError(
            "recheck needs the same tenant as the first run, and the embedded simulated tenant "
            "(--tenant sim) starts fresh every time, so its state is gone. Serve one with "
            "`troubleshooter sim serve`, run against it with --tenant PROFILE.yaml, then "
            "recheck with --tenant PROFILE.yaml"
        )
    if spec is None:
        raise BadInputError(
            f"{REPORT} does not say which tenant the first run used: pass --tenant "
            "(the tenant name or profile file of the first run)"
        )
    return spec


def elapsed_text(seconds: float) -> str:
    """``"1 d 2 h"``, ``"3 h 5 min"``, ``"4 min 10 s"`` or ``"12 s"``."""
    whole = int(seconds)
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {secs} s"
    return f"{secs} s"


def run_recheck(request: RecheckRequest, console: Console | None = None) -> RecheckResult:
    """Recheck a run folder; every problem with the inputs is raised before a browser starts."""
    from troubleshooter.jobs import tenant_for
    from troubleshooter.runner import run_scenario

    check_untouched(request.run_dir)
    report = load_report(request.run_dir)
    spec = tenant_spec(request.tenant, report)
    recorded_targets = (report.get("environment") or {}).get("targets_file") or None
    targets = TargetBook.load(Path(recorded_targets) if recorded_targets else None)
    expected = _expected_photo(request.run_dir, report)
    poll = bool(request.poll_timeout_s)
    with tenant_for(spec) as (profile, _):
        credentials = credentials_for(report["upn"], request.session.sign_in)
        settings = RunSettings(
            upn=report["upn"],
            tenant=profile,
            session=request.session,
            credentials=credentials,
            poll_timeout_s=request.poll_timeout_s,
            expected_photo=expected,
            tenant_spec=spec,
            targets_file=recorded_targets,
        )
        writer = RecheckWriter(
            request.run_dir, report, ProgressPrinter(console), credentials.secrets()
        )
        bus = EventBus([writer])
        try:
            run_scenario(recheck_scenario(poll), settings, bus, targets)
        except KeyboardInterrupt:  # Ctrl-C outside a step: the runner could not say so itself
            writer.abandon(Outcome.INTERRUPTED, "interrupted by the operator")
            raise
        except BaseException as exc:
            writer.abandon(*_failure(exc))
            raise
    verdict = writer.entry.get("verdict") if writer.entry else None
    if verdict is None:  # the writer failed (and the bus dropped it), or no verdict came
        problem = "; ".join(getattr(bus, "failures", [])) or "the recheck ended without a verdict"
        writer.abandon(Outcome.INTERNAL_ERROR, problem)
        raise TroubleshooterError(
            f"{request.run_dir}: recheck {writer.number} not recorded: {writer.clean(problem)}",
            outcome=Outcome.INTERNAL_ERROR,
        )
    outcome = Outcome(verdict["outcome"])
    return RecheckResult(
        outcome, info(outcome).exit_code, writer.number, writer.elapsed_s, request.run_dir
    )


def _failure(exc: BaseException) -> tuple[Outcome, str]:
    """The outcome and detail for an exception that escaped the run."""
    if isinstance(exc, TroubleshooterError):
        return exc.outcome, exc.message
    lines = str(exc).strip().splitlines()
    return Outcome.INTERNAL_ERROR, f"{exc.__class__.__name__}: {lines[0] if lines else ''}"


def _expected_photo(run_dir: Path, report: dict[str, Any]) -> Path | None:
    """The first run's --expected-photo, as kept in its folder; None when it used the home's."""
    reference = (report.get("photos") or {}).get("reference") or {}
    if reference.get("kind") != "expected-photo":
        return None
    path = _artifact(run_dir, report, "photo-of-record")
    if path is None:
        raise BadInputError(f"{run_dir}: the first run's --expected-photo file is missing")
    return path


def _artifact(run_dir: Path, report: dict[str, Any], stem: str) -> Path | None:
    for entry in report.get("artifacts") or []:
        path = run_dir / str(entry.get("path", ""))
        if path.stem == stem and path.is_file():
            return path
    return None


class RecheckWriter:
    """Listens to the recheck's events: writes its captures and keeps report.json current."""

    def __init__(
        self,
        folder: Path,
        report: dict[str, Any],
        forward: Listener,
        secrets: list[str] | None = None,
    ) -> None:
        self.folder = folder
        self.report = report
        self.forward = forward
        self.secrets = list(secrets or [])
        self.running: StepStarted | None = None
        self.first_started = datetime.fromisoformat(report["started_at"])
        self.number = len(report.get("rechecks") or []) + 1
        self.elapsed_s = 0.0
        self.files: dict[str, Path] = {}
        self.titles: dict[int, str] = {}
        self.entry: dict[str, Any] = {}

    def __call__(self, event: Event) -> None:
        if isinstance(event, RunStarted):
            self._start(event)
        elif isinstance(event, StepStarted):
            self.running = event
        elif isinstance(event, StepFinished):
            self.running = None
            self.entry["steps"].append(self._step(event))
        elif isinstance(event, Capture):
            if event.kind not in SKIPPED_KINDS:
                self._capture(event)
        elif isinstance(event, PhotoChecked):
            key = "samples" if event.label == "after" else event.label
            data = event.data.get("sizes", event.data) if key == "samples" else event.data
            self.entry[key] = self.clean(data)
        elif isinstance(event, RunFinished):
            event = self._finish(event)
        self._forward(event)
        if self.entry:
            self._save(final=isinstance(event, RunFinished))

    def _start(self, event: RunStarted) -> None:
        self.elapsed_s = max(0.0, (event.started_at - self.first_started).total_seconds())
        self.titles = dict(enumerate(event.steps, start=1))
        self.entry = {
            "number": self.number,
            "status": "running",
            "started_at": event.started_at.isoformat(),
            "finished_at": None,
            "elapsed_since_first_run_s": round(self.elapsed_s, 1),
            "elapsed_since_first_run": elapsed_text(self.elapsed_s),
            "tenant": event.tenant,
            "tenant_spec": event.environment.get("tenant_spec"),
            "environment": event.environment,
            "steps": [],
            "artifacts": [],
            "verdict": None,
        }
        self.report.setdefault("rechecks", []).append(self.entry)

    def _capture(self, event: Capture) -> None:
        suffix = f"recheck-{self.number}"
        if event.kind == "page":
            name = f"{suffix}-{event.index:02d}-{slug(event.name)}.{event.extension}"
        else:
            stem = slug(event.name).removesuffix("-after")
            name = f"{stem}-{suffix}.{event.extension}"
        content = event.content
        if event.kind in STAMPED_KINDS and event.extension == "png":
            content = stamp_png(content, self._stamp(event))
        path = self.folder / name
        write_atomic(path, content)
        self.files[event.name] = path
        entry = {
            "path": name,
            "size": len(content),
            "sha256": hashlib.sha256(content).hexdigest(),
            "kind": event.kind,
            "step": event.index,
            "description": f"Recheck {self.number}: {event.description}",
            "url": redact_url(event.url),
            "recheck": self.number,
        }
        self.entry["artifacts"].append(name)
        self.report.setdefault("artifacts", []).append(entry)

    def _stamp(self, event: Capture) -> Stamp:
        step = next((s for s in self.entry["steps"] if s["index"] == event.index), None)
        title = step["title"] if step else self.titles.get(event.index, "")
        return Stamp(
            ticket=self.report.get("ticket"),
            upn=self.report["upn"],
            at_utc=utc_now().strftime("%Y-%m-%d %H:%M:%S UTC"),
            step=f"Recheck {self.number}, step {event.index}/{len(self.titles)}: {title}",
            url=redact_url(event.url),
            what=None if event.description.startswith("Step ") else event.description,
        )

    def _finish(self, event: RunFinished) -> RunFinished:
        outcome = Outcome(event.outcome)
        first = (self.report.get("verdict") or {}).get("outcome")
        if outcome is Outcome.SYNCED and first == Outcome.ALREADY_IN_SYNC.value:
            outcome = Outcome.ALREADY_IN_SYNC
        about = info(outcome)
        summary, advice = about.summary, about.advice
        if outcome is Outcome.SYNCED:
            summary = "SharePoint's copy now matches the photo of record; it did not before."
        elif outcome in (Outcome.STILL_STALE, Outcome.PLACEHOLDER):
            advice = self._stale_advice(advice)
        prefix = f"Recheck {self.number}, {elapsed_text(self.elapsed_s)} after the first run: "
        self._composite()
        self.entry.update(
            status="error" if outcome in (Outcome.PAGE_ERROR, Outcome.BROWSER_ERROR) else "done",
            finished_at=event.finished_at.isoformat(),
            comparison=self.clean(event.comparison),
            verdict={
                "outcome": outcome.value,
                "exit_code": about.exit_code,
                "summary": summary,
                "advice": advice,
                "failed_step": event.failed_step,
                "detail": self.clean(event.detail) if event.detail else event.detail,
            },
        )
        return dataclasses.replace(
            event,
            outcome=outcome.value,
            exit_code=about.exit_code,
            summary=prefix + summary,
            advice=advice,
        )

    def _stale_advice(self, advice: str) -> str:
        if self.elapsed_s < ESCALATE_AFTER_S:
            return advice
        return (
            f"{elapsed_text(self.elapsed_s)} have passed since the first run, and the support "
            "article says to contact the admin now: check that the user profile property "
            "Picture is user-editable and that the user has an Exchange Online mailbox, run the "
            "Picture Sync diagnostic (https://aka.ms/PillarPictureSync), or open a Microsoft "
            "support case."
        )

    def _composite(self) -> None:
        """Photo of record | SharePoint at the end of the first run | SharePoint now."""
        first_run = _artifact(self.folder, self.report, "sharepoint-l-after") or _artifact(
            self.folder, self.report, "sharepoint-l-before"
        )
        panels = photo_panels(
            _sample(self.files.get("photo-of-record")),
            _sample(first_run),
            _sample(self.files.get("sharepoint-L-after")),
            after_title=f"SharePoint now (+{elapsed_text(self.elapsed_s)})",
        )
        panels[1] = dataclasses.replace(panels[1], title="SharePoint, first run")
        heading = f"{self.report['upn']}: recheck {self.number}"
        name = f"composite-recheck-{self.number}.png"
        image = side_by_side(panels, heading)
        write_atomic(self.folder / name, image)
        description = (
            f"Recheck {self.number}: photo of record | SharePoint at the first run | SharePoint "
            "now, with perceptual distances"
        )
        entry = {"path": name, "sha256": hashlib.sha256(image).hexdigest(), "kind": "composite"}
        entry.update(step=None, description=description, url=None, recheck=self.number)
        self.report.setdefault("artifacts", []).append(entry)
        self.entry["artifacts"].append(name)

    def _forward(self, event: Event) -> None:
        """Pass the event on (to the terminal); a listener that fails must not stop the writing."""
        try:
            self.forward(event)
        except Exception:
            self.forward = _ignore

    def abandon(self, outcome: Outcome, detail: str) -> None:
        """End a recheck the run could not end itself (Ctrl-C outside a step, an escaped error).

        Like the recorder's ``abandon``: the entry gets a verdict, the step that was running is
        marked failed, and report.json, summary.md, report.html and manifest.json are written
        again so the folder stays consistent.
        """
        if not self.entry or self.entry["status"] != "running":
            return
        detail = self.clean(detail)
        running = self.running
        if running is not None:
            self.entry["steps"].append(
                {
                    "index": running.index,
                    "action": running.action,
                    "title": running.title,
                    "status": "failed",
                    "detail": detail,
                    "at": utc_now().isoformat(),
                }
            )
        about = info(outcome)
        self.entry.update(
            status="interrupted" if outcome is Outcome.INTERRUPTED else "error",
            finished_at=utc_now().isoformat(),
            verdict={
                "outcome": outcome.value,
                "exit_code": about.exit_code,
                "summary": about.summary,
                "advice": about.advice,
                "failed_step": running.index if running else None,
                "detail": detail,
            },
        )
        self._save(final=True)

    def clean(self, value: Any) -> Any:
        """What may be written: the recorder's redaction, and no literal password or secret."""
        return without_secrets(value, self.secrets)

    def _step(self, event: StepFinished) -> dict[str, Any]:
        return {
            "index": event.index,
            "action": event.action,
            "title": event.title,
            "status": event.status,
            "duration_s": event.duration_s,
            "url": redact_url(event.url),
            "detail": self.clean(event.detail) if event.detail else event.detail,
            "data": self.clean(event.data),
            "at": utc_now().isoformat(),
        }

    def _save(self, final: bool) -> None:
        write_json(self.folder / REPORT, self.report)
        if final:
            self._derived()

    def _derived(self) -> None:
        """Re-render what was derived from report.json so it includes the recheck, as the
        recorder does: a failure there is noted in the report, and the manifest still written.
        """
        try:
            write_derived(self.folder, self.report)
        except Exception as exc:
            self.report.setdefault("warnings", []).append(f"report files not written: {exc!r}")
            write_json(self.folder / REPORT, self.report)
            write_manifest(self.folder, str(self.report.get("run_id", "")))


def _sample(path: Path | None) -> PhotoSample | None:
    return file_sample(path) if path is not None and path.is_file() else None


def _ignore(event: Event) -> None:
    return None
