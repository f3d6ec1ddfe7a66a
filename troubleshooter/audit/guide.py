"""``guide``: the user re-syncs their own photo while the operator watches; no password shared.

Check as the operator first; if SharePoint is stale, write the user the documented steps
(:mod:`troubleshooter.audit.message`), then read SharePoint's copy again, slower and slower,
until it matches the photo of record or the watch time is up.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from troubleshooter.audit.check import OperatorJob, check_operator
from troubleshooter.audit.fetch import Gate
from troubleshooter.audit.guide_report import GuideFolder
from troubleshooter.audit.message import Message, render_message
from troubleshooter.audit.probe import PhotoReader, UserCheck
from troubleshooter.audit.users import UserRow
from troubleshooter.audit.verdicts import Verdict
from troubleshooter.context import SessionOptions
from troubleshooter.errors import BadInputError
from troubleshooter.evidence.bundle import bundle as bundle_folder
from troubleshooter.evidence.folder import make_run_folder
from troubleshooter.jobs import ensure_folder
from troubleshooter.session import signed_in_session
from troubleshooter.validate import check_upn, check_url
from troubleshooter.verdict import Outcome, info

MAX_INTERVAL_S = 60.0  # never ask less often than this once the user had time to act
GROWTH = 1.5

# What a first check that is not stale means for the guide.
FIRST_CHECK_OUTCOMES = {
    Verdict.IN_SYNC: Outcome.ALREADY_IN_SYNC,
    Verdict.NO_PHOTO_OF_RECORD: Outcome.NO_PHOTO_OF_RECORD,
    Verdict.UNKNOWN_USER: Outcome.UNKNOWN_ACCOUNT,
    Verdict.ERROR: Outcome.PAGE_ERROR,
}


@dataclass(kw_only=True)
class GuideRequest(OperatorJob):
    """Everything ``troubleshooter guide`` was asked to do."""

    upn: str
    site: str | None = None
    watch_timeout_s: float = 900.0
    watch_interval_s: float = 5.0


@dataclass(frozen=True)
class GuideResult:
    outcome: Outcome
    exit_code: int
    folder: Path
    bundle: Path | None
    message: Message | None


class Listener(Protocol):
    """What the terminal shows: the message once, then a status line while watching."""

    def message(self, message: Message, folder: Path) -> None: ...
    def status(self, text: str) -> None: ...
    def checked(self, check: UserCheck, elapsed_s: float) -> None: ...


class Silent:
    """A listener that shows nothing (for callers without a terminal)."""

    def message(self, message: Message, folder: Path) -> None:
        return None

    def status(self, text: str) -> None:
        return None

    def checked(self, check: UserCheck, elapsed_s: float) -> None:
        return None


def validate(request: GuideRequest) -> None:
    check_upn(request.upn, "--user")
    check_operator(request.operator)
    if request.upn.lower() == request.operator.lower():
        raise BadInputError(
            "--as is the user being helped: guide watches as someone else (use `run` to "
            "re-sync your own photo)"
        )
    if request.site is not None:
        check_url(request.site, "--site", allow_loopback_http=True)
    ensure_folder(request.out, "--out")


def run_guide(request: GuideRequest, listener: Listener | None = None) -> GuideResult:
    validate(request)
    listener = listener or Silent()
    started = datetime.now(UTC)
    with signed_in_session(request.tenant, request.operator, request.session, request.site) as op:
        profile = op.tenant
        reader = PhotoReader(op, profile, 2, Gate(budget_s=request.watch_timeout_s))
        try:
            row = UserRow(0, request.upn)
            before = reader.check([row])[0]
            folder = make_run_folder(request.out, request.upn, started, request.ticket)
            record = GuideFolder.start(folder, request, profile, op, started)
            record.before(before)
            first = FIRST_CHECK_OUTCOMES.get(before.verdict)
            if first is not None:
                return _end(record, first, before, None, request)
            name = reader.display_name(request.upn) or request.upn
            message = render_message(
                upn=request.upn,
                name=name,
                home=profile.home,
                sharepoint=profile.sharepoint,
                site=profile.site,
                placeholder=before.verdict == Verdict.PLACEHOLDER,
            )
            record.message(message)
            listener.message(message, folder)
            after = _watch(reader, row, before, request, record, listener)
        finally:
            reader.close()
    outcome = _outcome(after)
    return _end(record, outcome, before, after, request, message)


def _watch(
    reader: PhotoReader,
    row: UserRow,
    before: UserCheck,
    request: GuideRequest,
    record: GuideFolder,
    listener: Listener,
) -> UserCheck:
    """Ask again after 5 s, 7.5 s, 11 s… (at most every minute) until in sync or time is up."""
    start = time.monotonic()
    deadline = start + request.watch_timeout_s
    interval = max(0.5, request.watch_interval_s)
    last, checks = before, 0
    while True:
        next_at = min(time.monotonic() + interval, deadline)
        while (left := next_at - time.monotonic()) > 0:
            listener.status(
                f"watching {row.upn}: {last.verdict}, {checks} check(s), next in {left:.0f} s, "
                f"{max(0.0, deadline - time.monotonic()):.0f} s left"
            )
            reader.idle(min(1.0, left))
        current = reader.check([row])[0]
        checks += 1
        changed = _sha(current) != _sha(last)
        record.checked(current, changed)
        listener.checked(current, time.monotonic() - start)
        last = current
        if current.verdict == Verdict.IN_SYNC or time.monotonic() >= deadline:
            return current
        interval = min(interval * GROWTH, MAX_INTERVAL_S)


def _sha(check: UserCheck) -> str:
    large = check.sizes.get("L")
    return large.content_sha256 if large is not None and large.is_image else ""


def _outcome(after: UserCheck) -> Outcome:
    if after.verdict == Verdict.IN_SYNC:
        return Outcome.SYNCED
    if after.verdict == Verdict.PLACEHOLDER:
        return Outcome.PLACEHOLDER
    if after.verdict == Verdict.ERROR:
        return Outcome.PAGE_ERROR
    return Outcome.STILL_STALE


def _end(
    record: GuideFolder,
    outcome: Outcome,
    before: UserCheck,
    after: UserCheck | None,
    request: GuideRequest,
    message: Message | None = None,
) -> GuideResult:
    record.finish(outcome, after)
    bundle = bundle_folder(record.folder) if request.zip else None
    return GuideResult(outcome, info(outcome).exit_code, record.folder, bundle, message)


def is_guide_folder(folder: Path) -> bool:
    """True when ``folder`` holds a guide's report (recheck then takes this path)."""
    try:
        return GuideFolder.reopen(folder) is not None
    except BadInputError:
        return False


def recheck_guide(
    folder: Path, tenant: str | None, session: SessionOptions
) -> tuple[Outcome, int, int]:
    """Check SharePoint's copy again as the guide's operator; returns outcome, exit, number."""
    from troubleshooter.recheck import check_untouched, tenant_spec

    record = GuideFolder.reopen(folder)
    check_untouched(folder)
    report = record.report
    spec = tenant_spec(tenant, report.get("tenant_spec"))
    operator, upn = str(report["operator"]), str(report["upn"])
    with signed_in_session(spec, operator, session) as op:
        reader = PhotoReader(op, op.tenant, 2, Gate(budget_s=300))
        try:
            now = reader.check([UserRow(0, upn)])[0]
        finally:
            reader.close()
    number = record.recheck(now)
    outcome = _outcome(now)
    record.finish(outcome, None)
    return outcome, info(outcome).exit_code, number
