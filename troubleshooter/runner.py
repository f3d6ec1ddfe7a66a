"""Run a scenario in one private browser context and emit events as it goes."""

from __future__ import annotations

import contextlib
import platform
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from playwright.sync_api import ConsoleMessage, Playwright, sync_playwright
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from troubleshooter import __version__, stopping
from troubleshooter.browser import choose_browser, launch, new_private_context
from troubleshooter.context import RunContext, RunSettings
from troubleshooter.errors import TroubleshooterError, first_line
from troubleshooter.events import (
    ConsoleLine,
    EventBus,
    RunFinished,
    RunStarted,
    StepFinished,
    StepStarted,
    StepStatus,
    utc_now,
)
from troubleshooter.evidence.redact import redact_text, redact_url, without_secrets
from troubleshooter.pages.change import track_requests
from troubleshooter.pages.diagnose import diagnose, save_page
from troubleshooter.pages.ids import troubleshooting_details
from troubleshooter.pages.reach import connection_error, error_page_code, on_error_page, unreachable
from troubleshooter.photo import Likeness, compare
from troubleshooter.probe import PhotoProbe
from troubleshooter.recordings import (
    HAR_NAME,
    Shot,
    page_screenshot,
    save_recordings,
    start_trace,
    trace_group,
)
from troubleshooter.scenario import Scenario, step_title
from troubleshooter.steps import handler_for
from troubleshooter.targets import TargetBook, TargetNotFound
from troubleshooter.verdict import Decision, Outcome, PhotoFacts, decide, decision

Judge = Callable[[Outcome], Decision]


@dataclass(frozen=True)
class RunResult:
    outcome: Outcome
    exit_code: int
    failed_step: int | None
    detail: str | None


def run_scenario(
    scenario: Scenario,
    settings: RunSettings,
    bus: EventBus,
    targets: TargetBook | None = None,
    judge: Judge = decision,
) -> RunResult:
    """Run every step in order; any failure stops the run with its own outcome.

    ``judge`` turns the outcome into the verdict (a recheck judges against the first run).
    """
    # A book of its own: the caller's stays as it was loaded.
    targets = TargetBook((targets or TargetBook.load()).targets)
    targets.set_values(upn=settings.upn, display_name=settings.upn)
    variables = {**settings.tenant.variables(), "upn": settings.upn, "display_name": settings.upn}
    variables.update(settings.extra_variables)
    titles = [step_title(s) for s in scenario.steps]
    session = settings.session
    with driver() as playwright:
        choice = choose_browser(
            playwright, session.executable_path, session.channel, session.endpoint
        )
        browser = launch(playwright, choice, headed=session.show_window)
        with contextlib.ExitStack() as stack:
            stack.callback(_close, browser)
            bus.emit(
                RunStarted(
                    scenario=scenario.name,
                    title=scenario.title,
                    upn=settings.upn,
                    tenant=settings.tenant.name,
                    steps=titles,
                    started_at=utc_now(),
                    environment=_environment(choice.describe(), browser.version, settings),
                )
            )
            recordings = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            try:
                context = new_private_context(
                    browser, record_har_path=recordings / HAR_NAME, record_har_content="omit"
                )
                context.on("console", lambda message: bus.emit(_console_line(message)))
                track_requests(context)
                page = context.new_page()
            except PlaywrightError as exc:
                detail = without_secrets(first_line(exc), settings.credentials.secrets())
                return _end(bus, judge, (Outcome.BROWSER_ERROR, 0, detail), {})
            probe = PhotoProbe(context)
            ctx = RunContext(
                settings=settings,
                context=context,
                page=page,
                targets=targets,
                probe=probe,
                emit_event=bus.emit,
                variables=variables,
            )
            probe.front = lambda: ctx.page
            try:
                for name, template in scenario.variables.items():
                    ctx.variables[name] = ctx.resolve(template)
                failure = _run_steps(scenario, ctx, titles, bus)
            finally:
                # Also after Ctrl-C between steps: keep the HAR and the trace. Before the
                # verdict, so that the report files are rendered once, with both listed.
                save_recordings(ctx, recordings, bus)
            return _finish(ctx, bus, judge, failure)


@contextlib.contextmanager
def driver() -> Iterator[Playwright]:
    """Start Playwright so that Ctrl-C and SIGTERM reach this process only.

    A terminal sends SIGINT to the whole process group, a service manager SIGTERM. Playwright's
    driver would then close the browser at once, and the run could not save what it had
    captured; it starts with both ignored instead (the browser runs in a process group of its
    own).
    """
    main = threading.current_thread() is threading.main_thread()
    stops = (signal.SIGINT, signal.SIGTERM)
    previous = {sig: signal.getsignal(sig) for sig in stops} if main else {}
    for sig in previous:
        signal.signal(sig, signal.SIG_IGN)
    try:
        playwright = sync_playwright().start()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    try:
        yield playwright
    finally:
        with contextlib.suppress(Exception):
            playwright.stop()


Failure = tuple[Outcome, int, str]  # outcome, failed step (0: none), detail


def _run_steps(
    scenario: Scenario, ctx: RunContext, titles: list[str], bus: EventBus
) -> Failure | None:
    """Run the steps until one fails; returns that failure, or None."""
    failure: Failure | None = None
    shown: Shot | None = None
    if not any(step.action == "sign_in" for step in scenario.steps):
        start_trace(ctx)
    for index, (step, title) in enumerate(zip(scenario.steps, titles, strict=True), start=1):
        ctx.step_index = index
        bus.emit(StepStarted(index, step.action, title))
        started = time.monotonic()
        status: StepStatus = "ok"
        detail: str | None = None
        data: dict[str, Any] = {}
        group = trace_group(ctx, f"Step {index}: {title}")
        try:
            outcome = handler_for(step)(ctx, step)
            detail, data = outcome.detail, outcome.data
            if on_error_page(ctx.page):  # a navigation of the step failed
                raise unreachable("the tenant", error_page_code(ctx.page), f"in step {index}")
        except KeyboardInterrupt as exc:
            status, detail = "failed", stopping.why(exc)
            failure = (Outcome.INTERRUPTED, index, detail)
        except TroubleshooterError as exc:
            status, detail, data = "failed", exc.message, dict(exc.data)
            failure = (exc.outcome, index, exc.message)
            ctx.verdict_words = (exc.summary, exc.advice)
            if isinstance(exc, TargetNotFound):
                data = diagnose(ctx, exc)
        except PlaywrightTimeoutError as exc:
            status, detail = "failed", first_line(exc)
            failure = (Outcome.PAGE_ERROR, index, detail)
        except PlaywrightError as exc:
            status, detail = "failed", first_line(exc)
            outcome_kind = Outcome.BROWSER_ERROR if _browser_gone(ctx) else Outcome.PAGE_ERROR
            if outcome_kind is Outcome.PAGE_ERROR and connection_error(detail):
                outcome_kind = Outcome.TENANT_UNREACHABLE
            failure = (outcome_kind, index, detail)
        except Exception as exc:  # a bug must still leave a complete report
            status, detail = "failed", f"{exc.__class__.__name__}: {first_line(exc)}"
            failure = (Outcome.INTERNAL_ERROR, index, detail)
        if status == "failed" and (ids := troubleshooting_details(ctx.page)):
            data = {**data, "sign_in_details": ids}
        if step.screenshot or status == "failed":
            shown = page_screenshot(ctx, index, title, status == "failed", shown)
            if shown and shown[0] != index:
                data = {**data, "screenshot_same_as_step": shown[0]}
        save_page(ctx, f"after step {index}: {title}")
        group.close()
        # Redacted once, here, for every listener: the terminal as much as the report.
        secrets = ctx.settings.credentials.secrets()
        if failure and failure[1] == index:
            failure = (failure[0], index, without_secrets(failure[2], secrets))
        bus.emit(
            StepFinished(
                index,
                step.action,
                title,
                status,
                round(time.monotonic() - started, 3),
                redact_url(_safe_url(ctx)),
                without_secrets(detail, secrets),
                without_secrets(data, secrets),
            )
        )
        if failure:
            break
        if step.action == "sign_in":
            # The trace starts only now: traces keep typed values and input DOM snapshots.
            start_trace(ctx)
    return failure


def _console_line(message: ConsoleMessage) -> ConsoleLine:
    location = message.location or {}
    return ConsoleLine(utc_now(), message.type, redact_text(message.text), location.get("url"))


def secrets_of(ctx: RunContext) -> list[str]:
    return ctx.settings.credentials.secrets()


def _finish(ctx: RunContext, bus: EventBus, judge: Judge, failure: Failure | None) -> RunResult:
    try:
        comparison = _comparison(ctx)
        if failure is None:
            failure = (decide(_facts(ctx)), 0, "")
    except Exception as exc:  # a verdict that cannot be computed must still end the report
        detail = without_secrets(f"{exc.__class__.__name__}: {exc}", secrets_of(ctx))
        failure = failure or (Outcome.INTERNAL_ERROR, 0, detail)
        comparison = {}
    return _end(bus, judge, failure, comparison, ctx.verdict_words)


def _end(
    bus: EventBus,
    judge: Judge,
    failure: Failure,
    comparison: dict[str, object],
    words: tuple[str | None, str | None] = (None, None),
) -> RunResult:
    """Emit the verdict as ``judge`` decides it for the outcome (in ``words`` when given)."""
    outcome, step, detail = failure
    failed_step, detail_text = (step or None), (detail or None)
    verdict = judge(outcome)
    summary, advice = words
    verdict = replace(verdict, summary=summary or verdict.summary, advice=advice or verdict.advice)
    bus.emit(RunFinished(verdict, failed_step, utc_now(), detail_text, comparison))
    return RunResult(verdict.outcome, verdict.exit_code, failed_step, detail_text)


def _facts(ctx: RunContext) -> PhotoFacts:
    photos = ctx.photos
    ref = photos.reference

    def likeness(sample: object) -> Likeness | None:
        if not (ref and sample and sample.ok):  # type: ignore[attr-defined]
            return None
        return compare(sample.content, ref.content).verdict  # type: ignore[attr-defined]

    after = likeness(photos.after)
    return PhotoFacts(
        has_reference=ref is not None,
        checked_before=photos.before is not None,
        before_matches=likeness(photos.before) is Likeness.SAME,
        after_matches=after is Likeness.SAME,
        after_is_placeholder=bool(photos.after and photos.after.is_placeholder()),
        after_uncertain=after is Likeness.CANNOT_TELL,
    )


def _comparison(ctx: RunContext) -> dict[str, object]:
    photos, result = ctx.photos, dict[str, object]()
    for label in ("before", "after"):
        sample = getattr(photos, label)
        if sample is None:
            continue
        entry: dict[str, object] = {"sha256": sample.sha256, "placeholder": sample.is_placeholder()}
        if photos.reference is not None and sample.ok:
            entry.update(compare(sample.content, photos.reference.content).as_dict())
        result[label] = entry
    if photos.reference is not None:
        result["reference"] = {"sha256": photos.reference.sha256, "source": photos.reference_source}
    return result


def _safe_url(ctx: RunContext) -> str | None:
    try:
        return ctx.page.url
    except PlaywrightError:
        return None


def _browser_gone(ctx: RunContext) -> bool:
    try:
        return not ctx.context.browser or not ctx.context.browser.is_connected()
    except PlaywrightError:
        return True


def _close(browser: object) -> None:
    with contextlib.suppress(PlaywrightError):
        browser.close()  # type: ignore[attr-defined]


def _environment(browser: str, version: str, settings: RunSettings) -> dict[str, str]:
    from playwright._repo_version import version as playwright_version

    return {
        "tool_version": __version__,
        "browser": browser,
        "browser_version": version,
        "playwright_version": playwright_version,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "tenant": settings.tenant.name,
        "sign_in": settings.session.sign_in,
        "headed": str(settings.session.show_window),
    }
