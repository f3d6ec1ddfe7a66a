"""One session runner for run, demo and recheck: tenant, credentials, listeners, the run.

The caller (the CLI) picks the listeners; the evidence recorder among them is essential: a
session whose evidence could not be written never ends as a success.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from troubleshooter import stopping
from troubleshooter.context import RunSettings
from troubleshooter.credentials import credentials_for
from troubleshooter.errors import BadInputError, TroubleshooterError, first_line
from troubleshooter.events import Event, EventBus, Listener
from troubleshooter.evidence.redact import without_secrets
from troubleshooter.runner import RunResult
from troubleshooter.scenario import Scenario
from troubleshooter.spec import RunSpec
from troubleshooter.targets import TargetBook
from troubleshooter.tenant import TenantProfile, tenant_for
from troubleshooter.verdict import Decision, Outcome, decision


class Recorder(Protocol):
    """The essential listener: it writes the evidence."""

    def __call__(self, event: Event) -> None: ...
    def keep_out(self, secrets: list[str]) -> None: ...
    def abandon(self, outcome: Outcome, detail: str) -> None: ...
    def where(self) -> str: ...


def run_session(
    spec: RunSpec,
    scenario: Scenario,
    listeners: list[Listener],
    recorder: Recorder | None = None,
    judge: Callable[[Outcome], Decision] = decision,
) -> RunResult:
    """Run a scenario for ``spec`` with the given listeners; ``judge`` decides the verdict."""
    from troubleshooter import runner  # looked up at call time: tests replace run_scenario

    targets = TargetBook.load(spec.targets_file)
    with tenant_for(spec.tenant, spec.sim_sync_delay) as (profile, demo_password):
        profile = profile.with_site(spec.site)
        check_variables(scenario.needs(), profile)
        credentials = credentials_for(spec.upn, spec.session.sign_in, demo_password)
        secrets = credentials.secrets()
        if recorder is not None:
            recorder.keep_out(secrets)
        settings = RunSettings(
            upn=spec.upn,
            tenant=profile,
            session=spec.session,
            credentials=credentials,
            poll_timeout_s=spec.poll_timeout_s,
            expected_photo=spec.expected_photo,
            extra_variables=dict(spec.variables),
            save_pages=spec.save_pages,
        )
        bus = EventBus(listeners, essential=[recorder] if recorder is not None else [])
        try:
            result = runner.run_scenario(scenario, settings, bus, targets, judge)
        except KeyboardInterrupt as exc:  # outside a step: the runner could not say so itself
            _abandon(recorder, Outcome.INTERRUPTED, stopping.why(exc))
            raise
        except BaseException as exc:
            outcome, detail = failure_of(exc)
            _abandon(recorder, outcome, without_secrets(detail, secrets))
            raise
    if bus.lost and recorder is not None:
        problem = without_secrets("; ".join(bus.lost), secrets)
        _abandon(recorder, Outcome.INTERNAL_ERROR, problem)
        raise TroubleshooterError(
            f"{recorder.where()} not recorded: {problem}", outcome=Outcome.INTERNAL_ERROR
        )
    return result


def failure_of(exc: BaseException) -> tuple[Outcome, str]:
    """The outcome and detail for an exception that escaped the run."""
    if isinstance(exc, TroubleshooterError):
        return exc.outcome, exc.message
    return Outcome.INTERNAL_ERROR, f"{exc.__class__.__name__}: {first_line(exc)}"


def _abandon(recorder: Recorder | None, outcome: Outcome, detail: str) -> None:
    """End the evidence the runner could not end; a recorder that fails again stays quiet."""
    if recorder is None:
        return
    try:
        recorder.abandon(outcome, detail)
    except Exception:  # the session's own error is the one to report
        return


def check_variables(needed: set[str], profile: TenantProfile) -> None:
    if "site" in needed and not profile.site:
        raise BadInputError(
            "this scenario browses to ${site}: pass --site URL (a SharePoint site where the user "
            "appears in a People web part), or set site: in the tenant profile"
        )
