"""Read one batch of users' photos as the operator: photo of record, SharePoint's S, M, L.

Nothing here can trigger a refresh: the requests are the operator's, for other people's
photos, with no Referer (the documented trigger is the user's *own* request from a SharePoint
page; research notes §2c).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

from troubleshooter.audit.fetch import Fetched, Gate, Job, OriginPage, Request, fetch_together
from troubleshooter.audit.users import UserRow
from troubleshooter.audit.verdicts import Finding, Verdict, decide
from troubleshooter.errors import BadInputError, PageError
from troubleshooter.probe import userphoto_url
from troubleshooter.session import SignedIn
from troubleshooter.tenant import TenantProfile
from troubleshooter.validate import read_image_file

SP_SIZES = ("L", "M", "S")
PERSONA_SIZE = "HR240x240"  # the size closest to SharePoint's L (240 px)
JSON = "application/json;odata=nometadata"
# outlook.office365.com serves the same OWA (research notes §1a); tried when the first fails.
OUTLOOK_ALTERNATES = {"https://outlook.office.com": "https://outlook.office365.com"}


def persona_url(outlook: str, upn: str) -> str:
    """OWA's GetPersonaPhoto (public code: GitLab libravatar docs, SPFx samples)."""
    return (
        f"{outlook}/owa/service.svc/s/GetPersonaPhoto?email={quote(upn)}&UA=0&size={PERSONA_SIZE}"
    )


def resolve_url(sharepoint: str, upn: str) -> str:
    claim = quote(f"'i:0#.f|membership|{upn}'", safe="")
    return (
        f"{sharepoint}/_api/SP.UserProfiles.PeopleManager/"
        f"GetPropertiesFor(accountName=@v)?@v={claim}"
    )


@dataclass
class UserCheck:
    """What was fetched for one user, and the verdict."""

    row: UserRow
    finding: Finding
    record: Fetched | None
    reference: bytes | None
    reference_source: str
    sizes: dict[str, Fetched]
    known: bool | None
    checked_at: str

    @property
    def verdict(self) -> Verdict:
        return self.finding.verdict

    @property
    def tries(self) -> int:
        fetched = [*self.sizes.values(), *([self.record] if self.record else [])]
        return sum(f.tries - 1 for f in fetched)


class PhotoReader:
    """Pages signed in to Outlook and SharePoint as the operator, reading batches of users."""

    def __init__(
        self,
        op: SignedIn,
        tenant: TenantProfile,
        concurrency: int,
        gate: Gate,
        sizes: tuple[str, ...] = SP_SIZES,
    ) -> None:
        self.tenant, self.concurrency, self.gate = tenant, concurrency, gate
        self.sizes = sizes
        self._op = op
        # Land on the operator's own small photo: an image page of the origin that shows
        # nothing else and requests no large photo.
        landing = userphoto_url(tenant.sharepoint, op.upn, "S")
        self.sharepoint = OriginPage(op.context, landing, gate).open()
        self._outlook: OriginPage | None = None

    @property
    def outlook(self) -> OriginPage:
        """Opened on first use: --photos audits never need Outlook."""
        if self._outlook is None:
            self._outlook = self._open_outlook()
        return self._outlook

    def _open_outlook(self) -> OriginPage:
        first = self.tenant.outlook.rstrip("/")
        candidates = [first, *([OUTLOOK_ALTERNATES[first]] if first in OUTLOOK_ALTERNATES else [])]
        error: PageError | None = None
        for base in candidates:
            try:
                return OriginPage(self._op.context, base + "/mail/", self.gate).open()
            except PageError as exc:
                error = exc
        assert error is not None
        raise error

    def check(self, rows: list[UserRow]) -> list[UserCheck]:
        """Fetch and decide every user of the batch."""
        return decide_all(self.fetch(rows))

    def fetch(self, rows: list[UserRow]) -> Fetching:
        """What the browser needs to do for a batch: Outlook and SharePoint at the same time."""
        return self.finish(self.start(rows))

    def start(self, rows: list[UserRow], rank: int = 0) -> Started:
        """Queue a batch's requests in the pages and return at once (see :meth:`finish`).

        A batch queued while the previous one is still being fetched keeps the browser busy;
        ``rank`` (the batch's number) lets the earlier batch take free slots first.
        """
        sp = self.tenant.sharepoint
        need_record = [r for r in rows if r.photo is None]
        # S and M add only their hashes to the evidence: the page hashes them.
        asked = [
            Request(userphoto_url(sp, r.upn, s), hash_only=s != "L")
            for r in rows
            for s in self.sizes
        ]
        jobs = [Job(self.sharepoint, asked, self.concurrency, rank)]
        if need_record:
            origin = self.outlook.origin
            records = [Request(persona_url(origin, r.upn)) for r in need_record]
            jobs.append(Job(self.outlook, records, self.concurrency, rank))
        self.gate.wait()
        for job in jobs:
            job.start()
        return Started(rows, need_record, jobs, rank)

    def finish(self, started: Started) -> Fetching:
        """Wait for a started batch (retrying throttled requests) and resolve its 404s."""
        rows, need_record, jobs = started.rows, started.need_record, started.jobs
        fetch_together(jobs, self.gate)
        answers = iter(jobs[0].answers())
        sizes = [{s: next(answers) for s in self.sizes} for _ in rows]
        records = dict(
            zip(
                (r.upn for r in need_record), jobs[-1].answers() if need_record else [], strict=True
            )
        )
        # Unknown or just without a photo? Both 404 at OWA: ask the profile service.
        to_resolve = [r for r in rows if r.upn in records and records[r.upn].status == 404]
        known: dict[str, bool | None] = {}
        if to_resolve:
            sp = self.tenant.sharepoint
            asked = [Request(resolve_url(sp, r.upn), JSON) for r in to_resolve]
            job = Job(self.sharepoint, asked, self.concurrency, started.rank)
            fetch_together([job], self.gate)
            for row, got in zip(to_resolve, job.answers(), strict=True):
                known[row.upn] = _known(got)
        return Fetching(rows, records, sizes, known)

    def display_name(self, upn: str) -> str | None:
        """The user's display name from SharePoint's profile service, if it answers."""
        got = self.sharepoint.fetch_all(
            [Request(resolve_url(self.tenant.sharepoint, upn), JSON)], 1
        )
        try:
            data = json.loads(got[0].content or b"null") if got[0].status == 200 else None
        except ValueError:
            return None
        name = data.get("DisplayName") if isinstance(data, dict) else None
        return name if isinstance(name, str) and name.strip() else None

    def idle(self, seconds: float) -> None:
        self.sharepoint.idle(seconds)

    def close(self) -> None:
        self.sharepoint.close()
        if self._outlook is not None:
            self._outlook.close()


@dataclass
class Started:
    """A batch whose requests are queued in the pages."""

    rows: list[UserRow]
    need_record: list[UserRow]
    jobs: list[Job]
    rank: int


@dataclass
class Fetching:
    """A batch's answers, before any image is decoded."""

    rows: list[UserRow]
    records: dict[str, Fetched]
    sizes: list[dict[str, Fetched]]
    known: dict[str, bool | None]


def decide_all(batch: Fetching) -> list[UserCheck]:
    """Decode, compare and decide (CPU only: it may run beside the next batch's fetches)."""
    checks = []
    for row, by_size in zip(batch.rows, batch.sizes, strict=True):
        reference, problem = _expected(row)
        record = batch.records.get(row.upn)
        if reference is None and record is not None and record.is_image:
            reference = record.content
        status = 200 if row.photo is not None else (record.status if record else 0)
        large = by_size["L"]
        known = batch.known.get(row.upn)
        finding = decide(
            reference, status, large.content if large.is_image else None, large.status, known
        )
        if problem:
            finding = Finding(Verdict.ERROR, problem)
        checks.append(
            UserCheck(
                row=row,
                finding=finding,
                record=record,
                reference=reference,
                reference_source=str(row.photo) if row.photo else "GetPersonaPhoto",
                sizes=by_size,
                known=known if row.upn in batch.known else (True if reference else None),
                checked_at=datetime.now(UTC).isoformat(timespec="seconds"),
            )
        )
    return checks


def _expected(row: UserRow) -> tuple[bytes | None, str]:
    """The expected photo from --photos or the CSV, and the problem with it ("" if none)."""
    if row.photo is None:
        return None, ""
    try:
        return read_image_file(row.photo), ""
    except BadInputError as exc:  # an error for this user, not for the whole audit
        return None, f"expected photo {exc.message}"


def _known(got: Fetched) -> bool | None:
    """From GetPropertiesFor: True/False when it says, None when it could not be asked."""
    if got.status == 404:
        return False
    if got.status != 200:
        return None
    try:
        data = json.loads(got.content or b"null")
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("odata.null"):
        return False
    return bool(data.get("AccountName"))


def photo_suffix(fetched: Fetched | None) -> str:
    if fetched is None:
        return "bin"
    kind = fetched.content_type.split(";")[0].split("/")[-1].lower()
    return {"jpeg": "jpg"}.get(kind, kind or "bin")
