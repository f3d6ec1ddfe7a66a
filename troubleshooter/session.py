"""One session runner for run, demo, recheck, check and guide: tenant, credentials, browser.

Two ways to use a session, both from :func:`prepared` (the tenant and the credentials):
:func:`run_session` runs a scenario (which signs in as one of its steps) with listeners, the
evidence recorder among them essential: a session whose evidence could not be written never
ends as a success; :func:`signed_in_session` signs in first and hands the signed-in private
context to a job (check and guide read thousands of photos with it).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from troubleshooter import stopping
from troubleshooter.context import RunSettings, SessionOptions
from troubleshooter.credentials import Credentials, credentials_for
from troubleshooter.errors import (
    BadInputError,
    BrowserError,
    PageError,
    TroubleshooterError,
    first_line,
)
from troubleshooter.events import Event, EventBus, Listener
from troubleshooter.evidence.redact import without_secrets
from troubleshooter.runner import RunResult
from troubleshooter.scenario import Scenario
from troubleshooter.spec import RunSpec
from troubleshooter.targets import TargetBook
from troubleshooter.tenant import TenantProfile, tenant_for
from troubleshooter.verdict import Decision, Outcome, decision

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page


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
    ready = prepared(
        spec.tenant,
        spec.upn,
        spec.session,
        site=spec.site,
        sync_delay=spec.sim_sync_delay,
        check=lambda profile: check_variables(scenario.needs(), profile),
    )
    with ready as (profile, credentials):
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


SIGN_IN_TIMEOUT_S = 120.0


@contextlib.contextmanager
def prepared(
    tenant: str,
    upn: str,
    session: SessionOptions,
    site: str | None = None,
    sync_delay: float | None = None,
    check: Callable[[TenantProfile], None] | None = None,
) -> Iterator[tuple[TenantProfile, Credentials]]:
    """The tenant (the embedded simulated one started if asked for) and ``upn``'s credentials;
    ``check`` refuses a profile before anyone is asked for a password."""
    with tenant_for(tenant, sync_delay) as (profile, demo_password):
        profile = profile.with_site(site)
        if check is not None:
            check(profile)
        yield profile, credentials_for(upn, session.sign_in, demo_password)


@dataclass
class SignedIn:
    """A private browser context signed in as ``upn``, identity confirmed, for a job to use."""

    tenant: TenantProfile
    context: BrowserContext
    page: Page
    upn: str
    display_name: str
    confirmed_as: str | None
    browser: str
    browser_version: str


@contextlib.contextmanager
def signed_in_session(
    tenant: str,
    upn: str,
    session: SessionOptions,
    site: str | None = None,
    targets: TargetBook | None = None,
) -> Iterator[SignedIn]:
    """Sign in to the Microsoft 365 home as ``upn`` (same browser choice, private context,
    strategies and identity check as ``run``), then hand the context over until the job ends."""
    with (
        prepared(tenant, upn, session, site=site) as (profile, credentials),
        _signed_in(profile, upn, session, credentials, targets) as signed,
    ):
        yield signed


@contextlib.contextmanager
def _signed_in(
    tenant: TenantProfile,
    upn: str,
    session: SessionOptions,
    credentials: Credentials,
    targets: TargetBook | None,
) -> Iterator[SignedIn]:
    from playwright.sync_api import Error as PlaywrightError

    from troubleshooter.browser import choose_browser, launch, new_private_context
    from troubleshooter.runner import driver
    from troubleshooter.signin import confirm_identity, sign_in_with_password, wait_for_person

    targets = targets or TargetBook.load()
    targets.set_values(upn=upn, display_name=upn)
    secrets = credentials.secrets()
    with driver() as playwright:
        choice = choose_browser(
            playwright, session.executable_path, session.channel, session.endpoint
        )
        browser = launch(playwright, choice, headed=session.show_window)
        try:
            context = new_private_context(browser)
            page = context.new_page()
            timeout = session.sign_in_timeout_s or SIGN_IN_TIMEOUT_S
            try:
                page.goto(tenant.home)
                if session.sign_in == "interactive":
                    wait_for_person(page, targets, upn, timeout, lambda *_: None)
                else:
                    sign_in_with_password(page, targets, upn, credentials, timeout)
                page.wait_for_load_state("load")
                name, email = confirm_identity(page, targets, upn)
            except TroubleshooterError:
                raise
            except PlaywrightError as exc:
                detail = without_secrets(first_line(exc), secrets)
                raise PageError(f"signing in as {upn}: {detail}") from None
            yield SignedIn(
                tenant, context, page, upn, name or upn, email, choice.describe(), browser.version
            )
        except PlaywrightError as exc:
            detail = without_secrets(first_line(exc), secrets)
            if not browser.is_connected():
                raise BrowserError(f"the browser stopped: {detail}") from None
            raise PageError(detail, outcome=Outcome.PAGE_ERROR) from None
        finally:
            with contextlib.suppress(PlaywrightError):
                browser.close()
