"""Write evidence as a session happens: every capture at once, report.json after each step.

One recorder writes any section of a run folder: the first run (which creates the folder), or
a later section added to it (recheck N), each with its own file-name prefix. When the session
ends (normally, with an error or interrupted) the recorder also writes summary.md, report.html
and, last, manifest.json. Captures that arrive after the end (the HAR and the trace are handed
over when the browser context closes) are redacted, written, and the derived files written
again, so the manifest always describes the folder.
"""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path
from typing import Any

from troubleshooter.artifacts import (
    CONSOLE_LOG,
    STAMPED_KINDS,
    ArtifactKind,
)
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
    utc_now,
)
from troubleshooter.evidence.files import write_atomic
from troubleshooter.evidence.folder import make_run_folder, write_derived, write_report
from troubleshooter.evidence.manifest import write_manifest
from troubleshooter.evidence.model import (
    Artifact,
    Check,
    Environment,
    Inputs,
    LastWait,
    Recheck,
    Reference,
    Report,
    ScenarioInfo,
    Section,
    Step,
    StepRef,
    Verdict,
    VerdictComparison,
)
from troubleshooter.evidence.naming import Naming
from troubleshooter.evidence.redact import redact_har, redact_trace, redact_url, without_secrets
from troubleshooter.evidence.render import human_time
from troubleshooter.evidence.stamp import Stamp, banner_png, enlarged, stamp_png
from troubleshooter.verdict import Decision, Outcome, decision, elapsed_text, status_of

REDACTORS = {ArtifactKind.HAR: redact_har, ArtifactKind.TRACE: redact_trace}
SAVED_AFTER = (StepFinished, Waiting, RunFinished)


class EvidenceRecorder:
    """Listens to one session's events and keeps its run folder complete and valid."""

    def __init__(
        self,
        out: Path,
        ticket: str | None = None,
        operator: str | None = None,
        inputs: Inputs | None = None,
    ) -> None:
        self.out = out
        self.ticket = ticket
        self.operator = operator
        self.inputs = inputs or Inputs(tenant=None)
        self.folder: Path | None = None
        self.report: Report | None = None
        self.section: Section | None = None
        self.naming = Naming()
        self.elapsed_s = 0.0
        self.total = 0  # steps in the scenario
        self.secrets: list[str] = []  # literal values (a password) never written anywhere

    @classmethod
    def recheck(cls, folder: Path, report: Report, elapsed_s: float) -> EvidenceRecorder:
        """A recorder that adds the next recheck to an earlier run's folder."""
        recorder = cls(folder.parent, report.ticket, report.operator, report.inputs)
        recorder.folder, recorder.report, recorder.elapsed_s = folder, report, elapsed_s
        recorder.naming = Naming(recheck=len(report.rechecks) + 1)
        return recorder

    def keep_out(self, secrets: list[str]) -> None:
        """Blank these literal values (the password, a TOTP secret) wherever they would appear."""
        self.secrets = secrets  # the live list: a password typed again later joins it

    def where(self) -> str:
        """The folder and section, for messages: ``<folder>: recheck 2``."""
        return f"{self.folder or self.out}: {self.naming.label}"

    def clean(self, value: Any) -> Any:
        """What may be written: redacted, and no literal secret."""
        return without_secrets(value, self.secrets)

    @property
    def ended(self) -> bool:
        return self.section is not None and self.section.status != "running"

    def __call__(self, event: Event) -> None:
        if isinstance(event, RunStarted):
            self._start(event)
            return
        if self.section is None or not self.naming.keeps(event):
            return
        if isinstance(event, ConsoleLine):
            self._console(event)
            if self.ended:
                self._manifest()
            return
        if isinstance(event, StepStarted):
            self._step_started(event)
        elif isinstance(event, StepFinished):
            self._step_finished(event)
        elif isinstance(event, Capture):
            self._capture(event)
        elif isinstance(event, PhotoChecked):
            self._photo(event)
        elif isinstance(event, Waiting):
            self._report().last_wait = LastWait(message=event.message, elapsed_s=event.elapsed_s)
        elif isinstance(event, RunFinished):
            self._finish(event.decision, event.failed_step, event.detail, event.comparison)
            self.section.finished_at = event.finished_at
        # report.json at the points that matter (step ends, long waits, the verdict), not after
        # every capture: each write is a whole render and an fsync.
        if isinstance(event, SAVED_AFTER) or self.ended:
            self._save()
        if self.ended:
            self._derived()

    def abandon(self, outcome: Outcome, detail: str) -> None:
        """End a section the runner could not end itself (e.g. Ctrl-C outside a step)."""
        if self.section is None or self.ended:
            return
        running = [s for s in self.section.steps if s.status == "running"]
        for step in running:
            step.status, step.detail = "failed", self.clean(detail)
        self._finish(decision(outcome), running[-1].index if running else None, detail, {})
        self._save()
        self._derived()

    def add_file(self, capture: Capture) -> None:
        """Add a file made after the session (a recheck's composite), then the derived files."""
        content = capture.content
        if capture.kind is ArtifactKind.COMPOSITE and capture.extension == "png":
            content = self._verdict_banner(content)
        self._write(
            name=capture.name,
            file_name=self.naming.file_name(capture),
            kind=capture.kind,
            content=content,
            step=None,
            description=self.naming.describe(capture.description),
            url=None,
        )
        self._save()
        self._derived()

    # ---- internals -----------------------------------------------------------------------

    def _report(self) -> Report:
        assert self.report is not None
        return self.report

    def _start(self, event: RunStarted) -> None:
        environment = Environment.model_validate(event.environment)
        if self.naming.recheck is not None:
            entry = Recheck(
                number=self.naming.recheck,
                started_at=event.started_at,
                environment=environment,
                elapsed_since_first_run_s=round(self.elapsed_s, 1),
                elapsed_since_first_run=elapsed_text(self.elapsed_s),
                tenant=event.tenant,
            )
            self._report().rechecks.append(entry)
            self.section = entry
            self.total = len(event.steps)
            self._save()
            return
        self.folder = make_run_folder(self.out, event.upn, event.started_at, self.ticket)
        (self.folder / CONSOLE_LOG).touch()
        self.report = Report(
            run_id=str(uuid.uuid4()),
            scenario=ScenarioInfo(name=event.scenario, title=event.title, steps=event.steps),
            upn=event.upn,
            tenant=event.tenant,
            ticket=self.ticket,
            operator=self.operator,
            started_at=event.started_at,
            environment=environment,
            inputs=self.inputs,
        )
        self.section = self.report
        self.total = len(event.steps)
        self._save()

    def _step_started(self, event: StepStarted) -> None:
        assert self.section is not None
        if self.naming.recheck is None:
            self._report().last_step = StepRef(index=event.index, title=event.title)
        self.section.steps.append(
            Step(
                index=event.index,
                action=event.action,
                title=event.title,
                status="running",
                started_at=utc_now(),
            )
        )

    def _step_finished(self, event: StepFinished) -> None:
        step = self._step(event.index)
        if step is None:
            return
        step.status = event.status
        step.duration_s = event.duration_s
        step.url = redact_url(event.url)
        step.detail = self.clean(event.detail)
        step.data = self.clean(event.data)

    def _capture(self, event: Capture) -> None:
        content = event.content
        if event.kind in REDACTORS:
            try:
                content = REDACTORS[event.kind](content)
            except Exception as exc:  # never write what could not be redacted
                self._report().warnings.append(
                    f"{event.name}.{event.extension} not kept: redaction failed ({exc})"
                )
                self._save()  # a warning is a point that matters
                return
        elif event.kind in STAMPED_KINDS and event.extension == "png":
            factor = 1
            if event.kind is ArtifactKind.ELEMENT:
                content, factor = enlarged(content)
            content = stamp_png(content, self._stamp(event, factor))
        written = self._write(
            name=event.name,
            file_name=self.naming.file_name(event, self._page_number()),
            kind=event.kind,
            content=content,
            step=event.index,
            description=self.naming.describe(event.description),
            url=redact_url(event.url),
        )
        step = self._step(event.index)
        if step is not None and event.kind not in REDACTORS:
            step.captures.append(written)

    def _page_number(self) -> int:
        """The number of the next page screenshot in this section."""
        kinds = [a.kind for a in self._report().artifacts if a.recheck == self.naming.recheck]
        return kinds.count(ArtifactKind.PAGE) + 1

    def _write(
        self,
        *,
        name: str,
        file_name: str,
        kind: ArtifactKind,
        content: bytes,
        step: int | None,
        description: str,
        url: str | None,
    ) -> str:
        """Write one file of the section and list it in the report; returns its file name."""
        assert self.folder is not None
        path = self.folder / file_name
        if path.exists():
            path = self.folder / f"{path.stem}-{step or 0:02d}{path.suffix}"
        write_atomic(path, content)
        self._report().artifacts.append(
            Artifact(
                path=path.name,
                name=name,
                kind=kind,
                step=step,
                description=description,
                url=url,
                size=len(content),
                sha256=hashlib.sha256(content).hexdigest(),
                recheck=self.naming.recheck,
            )
        )
        if isinstance(self.section, Recheck):
            self.section.artifacts.append(path.name)
        return path.name

    def _stamp(self, event: Capture, factor: int = 1) -> Stamp:
        step = self._step(event.index)
        title = step.title if step else ""
        what = None if event.description.startswith("Step ") else event.description
        if factor > 1:
            what = f"{what or 'Element'} (enlarged {factor} times)"
        return Stamp(
            ticket=self._report().ticket,
            upn=self._report().upn,
            at_utc=utc_now().strftime("%Y-%m-%d %H:%M:%S UTC"),
            step=self.naming.step_label(event.index, self.total, title),
            url=redact_url(event.url),
            what=what,
        )

    def _photo(self, event: PhotoChecked) -> None:
        assert self.section is not None
        data = self.clean(event.data)
        record = Reference if event.label.startswith("reference") else Check
        self.section.photos[event.label] = record.model_validate(data)

    def _console(self, event: ConsoleLine) -> None:
        assert self.folder is not None
        line = f"{event.at.isoformat()} [{event.level}] {self.clean(event.text)}"
        if event.url:
            line += f"  ({redact_url(event.url)})"
        with (self.folder / CONSOLE_LOG).open("a", encoding="utf-8") as handle:
            handle.write(line.replace("\n", "\n    ") + "\n")

    def _finish(
        self,
        verdict: Decision,
        failed_step: int | None,
        detail: str | None,
        comparison: dict[str, object],
    ) -> None:
        assert self.section is not None
        self.section.status = status_of(verdict.outcome)
        self.section.finished_at = utc_now()
        self.section.verdict = Verdict(
            outcome=verdict.outcome,
            exit_code=verdict.exit_code,
            summary=verdict.summary,
            advice=verdict.advice,
            failed_step=failed_step,
            detail=self.clean(detail),
            comparison=VerdictComparison.model_validate(self.clean(comparison)),
        )
        self._banner_composites()

    def _banner_composites(self) -> None:
        """The side-by-side picture is pasted alone into tickets: once the verdict is known,
        it gets a banner with the ticket, the user, the time and the verdict word."""
        assert self.folder is not None
        report = self._report()
        for artifact in report.artifacts:
            path = self.folder / artifact.path
            mine = artifact.recheck == self.naming.recheck
            if artifact.kind is not ArtifactKind.COMPOSITE or not mine or path.suffix != ".png":
                continue
            if not path.is_file():
                continue
            content = self._verdict_banner(path.read_bytes())
            write_atomic(path, content)
            artifact.size, artifact.sha256 = len(content), hashlib.sha256(content).hexdigest()

    def _verdict_banner(self, content: bytes) -> bytes:
        assert self.section is not None
        report, verdict = self._report(), self.section.verdict
        word = verdict.outcome.value if verdict else "no verdict"
        ticket = f"Ticket {report.ticket}" if report.ticket else "No ticket"
        when = human_time(self.section.finished_at or utc_now())
        lines = [f"{ticket} · {report.upn} · {when}"]
        if verdict:
            lines.append(self.clean(verdict.summary))
        if self.naming.recheck is not None:
            lines.append(f"Recheck {self.naming.recheck} of the run {report.run_id}")
        good = None if verdict is None else verdict.exit_code == 0
        return banner_png(content, f"Verdict: {word}", lines, good)

    def _derived(self) -> None:
        """The files written at the end; a failure there must not take the run down with it."""
        assert self.folder is not None
        try:
            write_derived(self.folder, self._report())
        except Exception as exc:
            self._report().warnings.append(f"report files not written: {exc!r}")
            self._save()
            self._manifest()

    def _manifest(self) -> None:
        assert self.folder is not None
        write_manifest(self.folder, self._report().run_id)

    def _step(self, index: int) -> Step | None:
        assert self.section is not None
        return next((s for s in self.section.steps if s.index == index), None)

    def _save(self) -> None:
        assert self.folder is not None
        write_report(self.folder, self._report())
