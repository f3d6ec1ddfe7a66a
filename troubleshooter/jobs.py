"""The run job: check every input before a browser starts, then run one session with evidence."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from troubleshooter.context import SessionOptions
from troubleshooter.errors import BadInputError
from troubleshooter.events import Listener, utc_now
from troubleshooter.evidence.bundle import bundle as bundle_run
from troubleshooter.evidence.folder import run_group
from troubleshooter.evidence.recorder import EvidenceRecorder
from troubleshooter.runner import RunResult
from troubleshooter.scenario import OPTION_VARIABLES, load_scenario
from troubleshooter.session import check_variables, run_session
from troubleshooter.spec import RunSpec
from troubleshooter.targets import TargetBook
from troubleshooter.tenant import resolve_tenant

DEMO_SCENARIO = "sharepoint-resync"
UPN = re.compile(r"^[^@\s/\\]+@[^@\s/\\]+\.[^@\s/\\]+$")


@dataclass
class RunRequest:
    """Everything ``troubleshooter run`` was asked to do."""

    scenario: str
    upn: str
    tenant: str = "sim"
    site: str | None = None
    out: Path = Path("evidence")
    session: SessionOptions = field(default_factory=SessionOptions)
    poll_timeout_s: float | None = None
    ticket: str | None = None
    operator: str | None = None
    targets_file: Path | None = None
    sim_sync_delay: float | None = None
    expected_photo: Path | None = None
    photo: Path | None = None
    zip: bool = False  # also write <run folder>.zip next to the run folder


@dataclass(frozen=True)
class JobResult:
    result: RunResult
    folder: Path | None
    bundle: Path | None = None
    warnings: tuple[str, ...] = ()


def run_job(request: RunRequest, listeners: list[Listener] | None = None) -> JobResult:
    """Validate the inputs, then run the scenario with the listeners and the evidence recorder."""
    scenario = load_scenario(request.scenario)
    variables = option_variables(request.photo, scenario.needs())
    if request.expected_photo is not None:
        checked_image(request.expected_photo, "--expected-photo")
    check_upn(request.upn)
    spec = RunSpec(
        upn=request.upn,
        tenant=request.tenant,
        site=request.site,
        session=request.session,
        poll_timeout_s=request.poll_timeout_s,
        targets_file=request.targets_file,
        expected_photo=request.expected_photo,
        variables=variables,
        sim_sync_delay=request.sim_sync_delay,
    )
    TargetBook.load(spec.targets_file)  # every input is refused before the folder is made
    profile = resolve_tenant(spec.tenant)
    if profile is not None:
        check_variables(scenario.needs(), profile.with_site(spec.site))
    ensure_folder(request.out, "--out")
    if request.ticket:
        ensure_folder(request.out / run_group(request.ticket, utc_now()), "--ticket")
    recorder = EvidenceRecorder(request.out, request.ticket, request.operator, spec.inputs())
    result = run_session(spec, scenario, [*(listeners or []), recorder], recorder)
    bundle = bundle_run(recorder.folder) if request.zip and recorder.folder else None
    return JobResult(result, recorder.folder, bundle)


def check_upn(upn: str) -> None:
    """A sign-in name like jane@contoso.com: it names the run folder, so nothing else passes."""
    if not UPN.match(upn):
        raise BadInputError(
            f"--user {upn!r}: expected the user's sign-in name (UPN), like jane@contoso.com"
        )


def ensure_folder(folder: Path, option: str) -> None:
    """Create the evidence folder now, so a bad path fails before any browser starts."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        raise BadInputError(f"{option} {folder}: cannot use it as a folder ({reason})") from None


def option_variables(photo: Path | None, needed: set[str]) -> dict[str, str]:
    """``${photo}`` and friends from their options, checked before any browser starts."""
    values: dict[str, str] = {}
    if photo is not None:
        if "photo" not in needed:
            raise BadInputError("--photo: this scenario uploads no photo (it never uses ${photo})")
        checked_image(photo, "--photo")
        values["photo"] = str(photo.resolve())
    for name, hint in OPTION_VARIABLES.items():
        if name in needed and name not in values:
            raise BadInputError(f"this scenario needs ${{{name}}}: {hint}")
    return values


def checked_image(path: Path, option: str) -> bytes:
    """An image file for an option: it exists, Pillow reads it, at most 4 MB."""
    from troubleshooter.photo import read_image_file

    try:
        return read_image_file(path)
    except BadInputError as exc:
        raise BadInputError(f"{option} {exc.message}") from None
