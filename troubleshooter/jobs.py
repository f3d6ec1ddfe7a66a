"""The run job: check every input before a browser starts, then run one session with evidence."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from troubleshooter.context import SessionOptions
from troubleshooter.errors import BadInputError
from troubleshooter.events import Listener, utc_now
from troubleshooter.evidence.bundle import bundle as bundle_run
from troubleshooter.evidence.folder import run_group
from troubleshooter.evidence.recorder import EvidenceRecorder
from troubleshooter.runner import RunResult
from troubleshooter.scenario import OPTION_VARIABLES, Scenario, load_scenario
from troubleshooter.session import check_variables, run_session
from troubleshooter.spec import RunSpec
from troubleshooter.targets import TargetBook
from troubleshooter.tenant import resolve_tenant
from troubleshooter.validate import (
    check_operator,
    check_ticket,
    check_upn,
    check_url,
    check_wait,
    shown,
)

DEMO_SCENARIO = "sharepoint-resync"


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
    save_pages: bool = False
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
    check_upn(request.upn)
    request.ticket = check_ticket(request.ticket)
    request.operator = check_operator(request.operator)
    check_wait(request.poll_timeout_s, "--poll-timeout")
    check_wait(request.session.sign_in_timeout_s, "--sign-in-timeout")
    check_endpoint(request.session.endpoint)
    scenario = load_scenario(request.scenario)
    variables = option_variables(request.photo, scenario.needs())
    if request.expected_photo is not None:
        checked_image(request.expected_photo, "--expected-photo")
    if request.site is not None:
        if "site" not in scenario.needs():
            raise BadInputError(
                f"--site: the {scenario.name} scenario never opens a site; leave --site out"
            )
        check_url(request.site, "--site", allow_loopback_http=True)
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
        save_pages=request.save_pages,
    )
    # every input is refused before the folder is made
    check_targets(scenario, TargetBook.load(spec.targets_file), spec.targets_file)
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


def ensure_folder(folder: Path, option: str) -> None:
    """Create the evidence folder now and prove it takes files, before any browser starts."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".write-test-"):
            pass
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        raise BadInputError(
            f"{option} {shown(str(folder), 120)}: cannot write evidence there ({reason})"
        ) from None


def check_targets(scenario: Scenario, book: TargetBook, targets_file: Path | None) -> None:
    """Every target the scenario names is in the page map it will use."""
    missing = sorted(scenario.targets() - book.names())
    if not missing:
        return
    where = f"--targets {targets_file}" if targets_file else "the built-in targets.yaml"
    raise BadInputError(
        f"{where} has no target {', '.join(repr(m) for m in missing)}, which the "
        f"{scenario.name} scenario uses"
    )


def check_endpoint(endpoint: str | None) -> None:
    """``--browser-endpoint``: the ws:// address ``playwright run-server`` prints."""
    if endpoint is None:
        return
    parts = urlsplit(endpoint)
    if parts.scheme not in {"ws", "wss", "http", "https"} or not parts.hostname:
        raise BadInputError(
            f"--browser-endpoint {shown(endpoint)}: expected the ws://host:port/ address that "
            "'playwright run-server' prints"
        )


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
    from troubleshooter.validate import read_image_file

    try:
        return read_image_file(path)
    except BadInputError as exc:
        raise BadInputError(f"{option} {exc.message}") from None
