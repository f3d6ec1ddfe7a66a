"""The jobs the CLI offers, as plain functions: run a scenario, run the demo."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console

from troubleshooter.context import RunSettings, SessionOptions
from troubleshooter.credentials import credentials_for
from troubleshooter.events import EventBus, utc_now
from troubleshooter.evidence.bundle import bundle as bundle_run
from troubleshooter.evidence.recorder import EvidenceRecorder, run_group
from troubleshooter.progress import ProgressPrinter
from troubleshooter.runner import RunResult, run_scenario
from troubleshooter.scenario import load_scenario
from troubleshooter.targets import TargetBook
from troubleshooter.tenant import TenantProfile, resolve_tenant

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


@contextlib.contextmanager
def tenant_for(
    spec: str, sync_delay: float | None = None
) -> Iterator[tuple[TenantProfile, str | None]]:
    """The tenant profile to use, starting the embedded simulated tenant when asked for.

    Yields the profile and, for the simulated tenant, its public demo password.
    """
    profile = resolve_tenant(spec)
    if profile is not None:
        yield profile, None
        return
    from troubleshooter.sim import DEMO_PASSWORD, SimOptions, SimTenant

    options = SimOptions() if sync_delay is None else SimOptions(sync_delay=sync_delay)
    with SimTenant(options=options) as sim:
        yield sim_profile(sim.urls), DEMO_PASSWORD


def sim_profile(urls: object) -> TenantProfile:
    """A tenant profile pointing at a running simulated tenant."""
    return TenantProfile(
        name="sim (simulated contoso tenant)",
        home=urls.home,  # type: ignore[attr-defined]
        sharepoint=urls.sharepoint,  # type: ignore[attr-defined]
        mysite=urls.mysite,  # type: ignore[attr-defined]
        site=urls.site,  # type: ignore[attr-defined]
        outlook=urls.outlook,  # type: ignore[attr-defined]
        simulated=True,
    )


def run_job(request: RunRequest, console: Console | None = None) -> JobResult:
    """Validate the inputs, then run the scenario with progress and evidence."""
    scenario = load_scenario(request.scenario)
    targets = TargetBook.load(request.targets_file)
    extra_variables = option_variables(request, scenario.needs())
    if request.expected_photo is not None:
        checked_image(request.expected_photo, "--expected-photo")
    check_upn(request.upn)
    with tenant_for(request.tenant, request.sim_sync_delay) as (profile, demo_password):
        profile = profile.with_site(request.site)
        settings = RunSettings(
            upn=request.upn,
            tenant=profile,
            session=request.session,
            credentials=credentials_for(request.upn, request.session.sign_in, demo_password),
            poll_timeout_s=request.poll_timeout_s,
            expected_photo=request.expected_photo,
            extra_variables=extra_variables,
            tenant_spec=recorded_tenant_spec(request.tenant),
            targets_file=str(request.targets_file.resolve()) if request.targets_file else None,
        )
        _check_variables(scenario.needs(), profile)
        ensure_folder(request.out, "--out")
        if request.ticket:
            ensure_folder(request.out / run_group(request.ticket, utc_now()), "--ticket")
        recorder = EvidenceRecorder(request.out, request.ticket, request.operator)
        bus = EventBus([ProgressPrinter(console), recorder])
        try:
            result = run_scenario(scenario, settings, bus, targets)
        except KeyboardInterrupt:  # Ctrl-C outside a step: the runner could not say so itself
            recorder.abandon("interrupted", "interrupted by the operator")
            raise
    bundle = bundle_run(recorder.folder) if request.zip and recorder.folder else None
    return JobResult(result, recorder.folder, bundle, tuple(bus.failures))


UPN = re.compile(r"^[^@\s/\\]+@[^@\s/\\]+\.[^@\s/\\]+$")


def check_upn(upn: str) -> None:
    """A sign-in name like jane@contoso.com: it names the run folder, so nothing else passes."""
    from troubleshooter.errors import BadInputError

    if not UPN.match(upn):
        raise BadInputError(
            f"--user {upn!r}: expected the user's sign-in name (UPN), like jane@contoso.com"
        )


def ensure_folder(folder: Path, option: str) -> None:
    """Create the evidence folder now, so a bad path fails before any browser starts."""
    from troubleshooter.errors import BadInputError

    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        raise BadInputError(f"{option} {folder}: cannot use it as a folder ({reason})") from None


def option_variables(request: RunRequest, needed: set[str]) -> dict[str, str]:
    """``${photo}`` and friends from their options, checked before any browser starts."""
    from troubleshooter.errors import BadInputError
    from troubleshooter.scenario import OPTION_VARIABLES

    values: dict[str, str] = {}
    if request.photo is not None:
        if "photo" not in needed:
            raise BadInputError("--photo: this scenario uploads no photo (it never uses ${photo})")
        checked_image(request.photo, "--photo")
        values["photo"] = str(request.photo.resolve())
    for name, hint in OPTION_VARIABLES.items():
        if name in needed and name not in values:
            raise BadInputError(f"this scenario needs ${{{name}}}: {hint}")
    return values


def checked_image(path: Path, option: str) -> bytes:
    """An image file for an option: it exists, Pillow reads it, at most 4 MB."""
    from troubleshooter.errors import BadInputError
    from troubleshooter.photo import read_image_file

    try:
        return read_image_file(path)
    except BadInputError as exc:
        raise BadInputError(f"{option} {exc.message}") from None


def recorded_tenant_spec(spec: str) -> str:
    """The --tenant value as it can be used again later: profile files get an absolute path."""
    is_file = spec.endswith((".yaml", ".yml")) or "/" in spec or "\\" in spec
    return str(Path(spec).resolve()) if is_file else spec


def _check_variables(needed: set[str], profile: TenantProfile) -> None:
    from troubleshooter.errors import BadInputError

    if "site" in needed and not profile.site:
        raise BadInputError(
            "this scenario browses to ${site}: pass --site URL (a SharePoint site where the user "
            "appears in a People web part), or set site: in the tenant profile"
        )
