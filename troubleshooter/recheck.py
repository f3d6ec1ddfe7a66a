"""Recheck: repeat the photo check later, in a new private session, inside the same run folder.

This is the support article's "wait 24 hours and repeat", with proof: the entry lands in the
first run's report.json (``rechecks``), its captures next to the first run's, and the verdict
comes from what SharePoint holds now (``verdict.recheck_outcome``). The recorder writes it all;
this module only finds the inputs and runs the session.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from troubleshooter import artifacts as names
from troubleshooter.artifacts import MANIFEST_JSON as MANIFEST
from troubleshooter.artifacts import ArtifactKind
from troubleshooter.composite import photo_panels, side_by_side
from troubleshooter.context import SessionOptions
from troubleshooter.errors import BadInputError
from troubleshooter.events import Capture, Listener, utc_now
from troubleshooter.evidence.manifest import Verification, verify
from troubleshooter.evidence.model import SCHEMA_VERSION, Report
from troubleshooter.evidence.recorder import EvidenceRecorder
from troubleshooter.photo import PhotoSample, file_sample
from troubleshooter.scenario import Scenario
from troubleshooter.session import run_session
from troubleshooter.spec import RunSpec
from troubleshooter.verdict import Outcome, elapsed_text, recheck_outcome


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


def load_report(run_dir: Path) -> Report:
    """The first run's report.json as the typed report; else one BadInputError."""
    path = run_dir / names.REPORT_JSON
    if not path.is_file():
        raise BadInputError(
            f"{run_dir}: no {names.REPORT_JSON} here; pass the folder of an earlier run"
        )
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise BadInputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    try:
        return Report.model_validate_json(content, strict=True)
    except ValidationError as exc:
        raise BadInputError(f"{path}: {_problem(exc)}") from None


def _problem(exc: ValidationError) -> str:
    """The first validation error on one line."""
    error = exc.errors()[0]
    if error["type"] == "json_invalid":
        return f"not valid JSON ({error['msg']})"
    if error["type"] == "model_type":
        return "not a troubleshooter report (not a JSON object)"
    if tuple(error["loc"]) == ("schema_version",) and isinstance(error["input"], int):
        return (
            "written by another version of troubleshooter "
            f"(schema_version {error['input']}, not {SCHEMA_VERSION})"
        )
    where = ".".join(str(p) for p in error["loc"]) or "(top level)"
    message = " ".join(error["msg"].split())
    if len(message) > 160:
        message = message[:157] + "..."
    return f"not a troubleshooter report ({where}: {message})"


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


def tenant_spec(requested: str | None, recorded: str | None) -> str:
    """The --tenant to use: the one given, else the one the first run (or guide) recorded."""
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
            f"{names.REPORT_JSON} does not say which tenant the first run used: pass --tenant "
            "(the tenant name or profile file of the first run)"
        )
    return spec


def run_recheck(request: RecheckRequest, listeners: list[Listener] | None = None) -> RecheckResult:
    """Recheck a run folder; every problem with the inputs is raised before a browser starts."""
    folder = request.run_dir
    check_untouched(folder)
    report = load_report(folder)
    targets = report.inputs.targets_file
    spec = RunSpec(
        upn=report.upn,
        tenant=tenant_spec(request.tenant, report.inputs.tenant),
        session=request.session,
        poll_timeout_s=request.poll_timeout_s,
        targets_file=Path(targets) if targets else None,
        expected_photo=_expected_photo(folder, report),
    )
    elapsed = max(0.0, (utc_now() - report.started_at).total_seconds())
    recorder = EvidenceRecorder.recheck(folder, report, elapsed)
    number = len(report.rechecks) + 1
    first = report.verdict.outcome if report.verdict else None
    result = run_session(
        spec,
        recheck_scenario(bool(request.poll_timeout_s)),
        [*(listeners or []), recorder],
        recorder,
        judge=lambda outcome: recheck_outcome(first, outcome, elapsed, number),
    )
    recorder.add_file(_composite(folder, report, number, elapsed))
    return RecheckResult(result.outcome, result.exit_code, number, elapsed, folder)


def _expected_photo(folder: Path, report: Report) -> Path | None:
    """The first run's --expected-photo, as kept in its folder; None when it used the home's."""
    if not report.inputs.expected_photo:
        return None
    path = _file(folder, report, names.PHOTO_OF_RECORD)
    if path is None:
        raise BadInputError(f"{folder}: the first run's --expected-photo file is missing")
    return path


def _composite(folder: Path, report: Report, number: int, elapsed_s: float) -> Capture:
    """Photo of record | SharePoint at the end of the first run | SharePoint now."""
    first_run = _file(folder, report, names.sharepoint_photo("L", "after")) or _file(
        folder, report, names.sharepoint_photo("L", "before")
    )
    panels = photo_panels(
        _sample(_file(folder, report, names.PHOTO_OF_RECORD, number)),
        _sample(first_run),
        _sample(_file(folder, report, names.sharepoint_photo("L", "after"), number)),
        after_title=f"SharePoint now (+{elapsed_text(elapsed_s)})",
    )
    panels[1] = dataclasses.replace(panels[1], title="SharePoint, first run")
    image = side_by_side(panels, f"{report.upn}: recheck {number}")
    description = (
        "photo of record | SharePoint at the first run | SharePoint now, with perceptual distances"
    )
    return Capture(0, names.COMPOSITE, ArtifactKind.COMPOSITE, image, "png", description)


def _file(folder: Path, report: Report, name: str, recheck: int | None = None) -> Path | None:
    artifact = report.artifact(name, recheck)
    path = folder / artifact.path if artifact else None
    return path if path is not None and path.is_file() else None


def _sample(path: Path | None) -> PhotoSample | None:
    return file_sample(path) if path is not None else None
