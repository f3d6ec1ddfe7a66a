"""``check``: sign in once as the operator, then read every user's photos and decide.

One private context, one sign-in, the users streamed in batches; nothing is cached between
runs (a new private context every time, requests with ``cache: 'no-store'``).
"""

from __future__ import annotations

import itertools
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from troubleshooter import __version__
from troubleshooter.audit.evidence import AuditWriter
from troubleshooter.audit.fetch import Gate
from troubleshooter.audit.probe import (
    PERSONA_SIZE,
    SP_SIZES,
    Fetching,
    PhotoReader,
    Started,
    UserCheck,
    decide_all,
)
from troubleshooter.audit.users import BadRow, UserRow, UserSource
from troubleshooter.audit.verdicts import FINE, SINGLE_EXIT, Verdict
from troubleshooter.context import SessionOptions
from troubleshooter.errors import BadInputError
from troubleshooter.evidence.bundle import bundle as bundle_folder
from troubleshooter.evidence.folder import make_run_folder
from troubleshooter.jobs import ensure_folder
from troubleshooter.session import signed_in_session
from troubleshooter.spec import reusable_tenant
from troubleshooter.tenant import TenantProfile
from troubleshooter.validate import check_upn

BATCH = 32  # users per round of requests: enough to keep the pool busy, little memory


@dataclass(kw_only=True)
class OperatorJob:
    """What check and guide share: the operator's session and where the evidence goes."""

    operator: str
    tenant: str = "sim"
    out: Path = Path("evidence")
    session: SessionOptions = field(default_factory=SessionOptions)
    ticket: str | None = None
    zip: bool = False


@dataclass(kw_only=True)
class CheckRequest(OperatorJob):
    """Everything ``troubleshooter check`` was asked to do."""

    users: UserSource
    photos: Path | None = None
    concurrency: int = 4
    throttle_budget_s: float = 900.0
    sizes: tuple[str, ...] = SP_SIZES
    """SharePoint sizes to read; L decides the verdict, S and M add their hashes."""


@dataclass(frozen=True)
class CheckResult:
    folder: Path
    bundle: Path | None
    counts: dict[str, int]
    exit_code: int
    warnings: tuple[str, ...] = ()


Progress = Callable[[UserCheck | BadRow], None]


def check_operator(operator: str) -> None:
    check_upn(operator, "--as")


def validate(request: CheckRequest) -> None:
    """Everything that can be wrong with the input, before any browser starts."""
    check_operator(request.operator)
    if request.photos is not None and not request.photos.is_dir():
        raise BadInputError(f"--photos {request.photos}: not a folder")
    if not 1 <= request.concurrency <= 32:
        raise BadInputError("--concurrency: between 1 and 32")
    if "L" not in request.sizes or not set(request.sizes) <= set(SP_SIZES):
        raise BadInputError("--sizes: L (which decides the verdict), optionally with S and M")
    ensure_folder(request.out, "--out")


def exit_code(counts: dict[str, int], single: bool) -> int:
    """0 all fine, 1 some need attention; a single user gets `run`'s numbers."""
    if single and sum(counts.values()) == 1:
        return SINGLE_EXIT[Verdict(next(iter(counts)))]
    return 0 if all(Verdict(v) in FINE for v in counts) else 1


def run_check(request: CheckRequest, progress: Progress | None = None) -> CheckResult:
    """Sign in as the operator, check every user, write the evidence folder."""
    validate(request)
    started = datetime.now(UTC)
    clock = time.monotonic()
    gate = Gate(budget_s=request.throttle_budget_s)
    meta: dict[str, Any] = {}
    with signed_in_session(request.tenant, request.operator, request.session) as op:
        profile = op.tenant
        meta.update(
            confirmed_as=op.confirmed_as,
            browser=op.browser,
            browser_version=op.browser_version,
        )
        reader = PhotoReader(op, profile, request.concurrency, gate, request.sizes)
        meta["sign_in_s"] = round(time.monotonic() - clock, 2)
        checking = time.monotonic()
        # The folder exists only once the operator is signed in: a failed sign-in
        # leaves nothing half-written behind.
        folder = make_run_folder(request.out, "check", started, request.ticket)
        writer = AuditWriter(folder, request.users.columns)
        try:
            meta["interrupted"] = _check_all(request, reader, writer, progress)
            meta["record_source"] = _record_source(reader, request)
            meta["checking_s"] = round(time.monotonic() - checking, 2)
        finally:
            writer.close()
            reader.close()
    single = request.users.csv_path is None and len(request.users.upns) == 1
    code = 130 if meta["interrupted"] else exit_code(dict(writer.counts), single)
    report = _report(request, profile, started, writer, gate, meta, code)
    writer.finish(report)
    bundle = bundle_folder(folder) if request.zip else None
    return CheckResult(folder, bundle, dict(writer.counts), code, tuple(report["warnings"]))


def _check_all(
    request: CheckRequest, reader: PhotoReader, writer: AuditWriter, progress: Progress | None
) -> bool:
    """Every user, in order, three batches at a time: one queued in the browser, one being
    fetched, one being decided and written (so memory stays flat and nobody waits).

    Returns True when Ctrl-C stopped it: the users checked so far are still written up.
    """
    with ThreadPoolExecutor(max_workers=1) as worker:
        previous: Future[None] | None = None
        queued: tuple[list[UserRow | BadRow], Started | None] | None = None

        def hand_over(batch: list[UserRow | BadRow], started: Started | None) -> Future[None]:
            fetched = reader.finish(started) if started is not None else None
            if previous is not None:
                previous.result()
            return worker.submit(_record, batch, fetched, writer, progress)

        try:
            for rank, batch in enumerate(_batches(request.users.rows(request.photos))):
                good = [r for r in batch if isinstance(r, UserRow)]
                started = reader.start(good, rank) if good else None
                if queued is not None:
                    previous = hand_over(*queued)
                queued = (batch, started)
            if queued is not None:
                previous = hand_over(*queued)
        except KeyboardInterrupt:
            return True
        finally:
            if previous is not None:
                previous.result()
    return False


def _batches(rows: Iterator[UserRow | BadRow]) -> Iterator[list[UserRow | BadRow]]:
    while batch := list(itertools.islice(rows, BATCH)):
        yield batch


def _record(
    batch: list[UserRow | BadRow],
    fetched: Fetching | None,
    writer: AuditWriter,
    progress: Progress | None,
) -> None:
    """Decide the batch's users and write them, in the file's order."""
    checks = iter(decide_all(fetched) if fetched is not None else [])
    for item in batch:
        result = item if isinstance(item, BadRow) else next(checks)
        if isinstance(result, BadRow):
            writer.add_bad(result, _now())
        else:
            writer.add(result)
        if progress is not None:
            progress(result)


def _record_source(reader: PhotoReader, request: CheckRequest) -> str:
    if request.photos is not None:
        return f"expected photos from {request.photos} (--photos) or the CSV's photo column"
    origin = reader.outlook.origin if reader._outlook is not None else reader.tenant.outlook
    return f"{origin}/owa/service.svc/s/GetPersonaPhoto?email=<upn>&UA=0&size={PERSONA_SIZE}"


def _report(
    request: CheckRequest,
    profile: TenantProfile,
    started: datetime,
    writer: AuditWriter,
    gate: Gate,
    meta: dict[str, Any],
    code: int,
) -> dict[str, Any]:
    return {
        "kind": "check",
        "title": "Profile photo audit",
        "report_version": 1,
        "run_id": str(uuid.uuid4()),
        "tool_version": __version__,
        "operator": request.operator,
        "confirmed_as": meta.get("confirmed_as"),
        "tenant": profile.name,
        "tenant_spec": reusable_tenant(request.tenant),
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": _now(),
        "users": sum(writer.counts.values()),
        "users_file": str(request.users.csv_path) if request.users.csv_path else None,
        "concurrency": request.concurrency,
        "environment": {
            "browser": meta.get("browser", ""),
            "browser_version": meta.get("browser_version", ""),
            "sign_in": request.session.sign_in,
        },
        "sources": {
            "photo_of_record": meta.get("record_source", ""),
            "sharepoint": f"{profile.sharepoint}/_layouts/15/userphoto.aspx?size="
            + "|".join(request.sizes)
            + "&accountname=<upn>",
            "unknown_user": f"{profile.sharepoint}/_api/SP.UserProfiles.PeopleManager/"
            "GetPropertiesFor (asked only when the photo of record answers 404)",
        },
        "timings": {
            "sign_in_s": meta.get("sign_in_s"),
            "checking_s": meta.get("checking_s"),
        },
        "throttled": gate.throttled,
        "retries": writer.retries,
        "waited_s": round(gate.waited_s, 1),
        "exit_code": code,
        "interrupted": bool(meta.get("interrupted")),
        "warnings": _warnings(writer),
    }


def _warnings(writer: AuditWriter) -> list[str]:
    """Patterns that point at the service rather than at users (research notes §2a)."""
    counts = writer.counts
    compared = counts["placeholder"] + counts["stale"] + counts["in-sync"]
    if compared >= 5 and counts["placeholder"] == compared:
        return [
            "SharePoint served the placeholder for every user with a photo: more likely a "
            "SharePoint Online service issue (it has happened) than every user being stale; "
            "check the Microsoft 365 service health page."
        ]
    return []


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
