"""The evidence folder of a guide: message, before/after photos, composite, timeline, verdict.

``report.json`` (kind ``guide``) is rewritten after every step, so a folder is readable even if
the watch is interrupted; ``manifest.json`` comes last and vouches for the rest.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from pydantic_core import from_json

from troubleshooter import __version__
from troubleshooter.artifacts import REPORT_JSON as REPORT
from troubleshooter.artifacts import SUMMARY_MD as SUMMARY
from troubleshooter.audit.model import GuideReport, validated
from troubleshooter.audit.probe import UserCheck, photo_suffix
from troubleshooter.audit.verdicts import Verdict
from troubleshooter.composite import Panel, side_by_side
from troubleshooter.errors import BadInputError
from troubleshooter.evidence.files import write_atomic, write_json
from troubleshooter.evidence.folder import seal
from troubleshooter.spec import reusable_tenant
from troubleshooter.verdict import Outcome, info

if TYPE_CHECKING:
    from troubleshooter.audit.guide import GuideRequest
    from troubleshooter.audit.message import Message
    from troubleshooter.session import SignedIn
    from troubleshooter.tenant import TenantProfile

COMPOSITE = "composite.png"
KIND = "guide"
ESCALATE_AFTER = (
    "If SharePoint still shows the old photo 24 hours after the user's visit, the support "
    "article's next step is the admin's Picture Sync diagnostic (https://aka.ms/PillarPictureSync)"
    "; check that the user has an Exchange Online mailbox and that the Picture property is "
    "user-editable. Meanwhile `troubleshooter recheck` on this folder checks again."
)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def snapshot(check: UserCheck) -> dict[str, Any]:
    large = check.sizes.get("L")
    return {
        "at": check.checked_at,
        "verdict": check.verdict.value,
        "detail": check.finding.detail,
        "distance": check.finding.measures.get("distance"),
        "sharepoint_l_sha256": large.content_sha256 if large and large.is_image else None,
        "sharepoint_l_status": large.status if large else None,
    }


def timeline_entry(event: str, check: UserCheck | None = None, **extra: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"at": check.checked_at if check else _now(), "event": event}
    if check is not None:
        entry.update(
            verdict=check.verdict.value,
            **{
                k: v for k, v in snapshot(check).items() if k in ("distance", "sharepoint_l_sha256")
            },
        )
    entry.update(extra)
    return entry


class GuideFolder:
    """Writes a guide folder step by step."""

    def __init__(self, folder: Path, report: dict[str, Any]) -> None:
        self.folder = folder
        self.report = report
        (folder / "photos").mkdir(exist_ok=True)

    @classmethod
    def start(
        cls,
        folder: Path,
        request: GuideRequest,
        profile: TenantProfile,
        op: SignedIn,
        started: datetime,
    ) -> GuideFolder:
        report = {
            "kind": KIND,
            "title": "Guided re-sync of a profile photo (the user's own visit)",
            "report_version": 1,
            "run_id": str(uuid.uuid4()),
            "tool_version": __version__,
            "upn": request.upn,
            "operator": request.operator,
            "confirmed_as": op.confirmed_as,
            "tenant": profile.name,
            "tenant_spec": reusable_tenant(request.tenant),
            "site": profile.site,
            "started_at": started.isoformat(timespec="seconds"),
            "watch_timeout_s": request.watch_timeout_s,
            "environment": {"browser": op.browser, "browser_version": op.browser_version},
            "photos": {},
            "timeline": [],
            "rechecks": 0,
        }
        return cls(folder, report)

    @classmethod
    def reopen(cls, folder: Path) -> GuideFolder:
        """An earlier guide folder, for recheck."""
        try:  # pydantic's parser: a hostile, deeply nested file is an error, not a crash
            report = from_json((folder / REPORT).read_bytes())
        except (OSError, ValueError, RecursionError):
            raise BadInputError(f"{folder}: no readable {REPORT} here") from None
        if not isinstance(report, dict) or report.get("kind") != KIND:
            raise BadInputError(f"{folder}: not a guide folder")
        try:
            return cls(folder, validated(GuideReport, report))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "(top level)"
            raise BadInputError(f"{folder / REPORT}: {where}: {first['msg']}") from None

    # ---- steps --------------------------------------------------------------------------
    def before(self, check: UserCheck) -> None:
        if check.reference is not None:
            self._photo("record", check.reference, photo_suffix(check.record))
        self._large("sharepoint-L-before", check)
        self.report["before"] = snapshot(check)
        self._event(timeline_entry("checked before", check))

    def message(self, message: Message) -> None:
        write_atomic(self.folder / "message.md", message.markdown.encode("utf-8"))
        write_atomic(self.folder / "message.html", message.html.encode("utf-8"))
        self._event(timeline_entry("message issued", files=["message.md", "message.html"]))

    def checked(self, check: UserCheck, changed: bool) -> None:
        event = "SharePoint's copy changed" if changed else "checked"
        self._event(timeline_entry(event, check))

    def recheck(self, check: UserCheck) -> int:
        number = int(self.report.get("rechecks", 0)) + 1
        self.report["rechecks"] = number
        self.report["recheck"] = snapshot(check)
        self._large(f"sharepoint-L-recheck-{number}", check)
        self._event(timeline_entry(f"recheck {number}", check))
        return number

    def finish(self, outcome: Outcome, after: UserCheck | None) -> None:
        about = info(outcome)
        if after is not None:
            self._large("sharepoint-L-after", after)
            self.report["after"] = snapshot(after)
        advice = ESCALATE_AFTER if outcome in (Outcome.STILL_STALE, Outcome.PLACEHOLDER) else ""
        self.report.update(
            outcome=outcome.value,
            exit_code=about.exit_code,
            summary=about.summary,
            advice=advice or about.advice,
            finished_at=_now(),
        )
        self._composite()
        self._event(timeline_entry("verdict", outcome=outcome.value))
        summary = summary_md(self.report).encode("utf-8")
        seal(self.folder, str(self.report["run_id"]), derived={SUMMARY: summary})

    # ---- files --------------------------------------------------------------------------
    def _event(self, entry: dict[str, Any]) -> None:
        self.report["timeline"].append(entry)
        self._save()

    def _save(self) -> None:
        self.report = validated(GuideReport, self.report)
        write_json(self.folder / REPORT, self.report)

    def _photo(self, name: str, data: bytes, suffix: str) -> None:
        path = f"photos/{name}.{suffix}"
        write_atomic(self.folder / path, data)
        self.report["photos"][name] = path

    def _large(self, name: str, check: UserCheck) -> None:
        large = check.sizes.get("L")
        if large is not None and large.is_image:
            self._photo(name, large.content, photo_suffix(large))

    def _read(self, name: str) -> bytes | None:
        path = self.report["photos"].get(name)
        return (self.folder / path).read_bytes() if path else None

    def _composite(self) -> None:
        rechecks = int(self.report.get("rechecks", 0))
        last = f"sharepoint-L-recheck-{rechecks}" if rechecks else "sharepoint-L-after"
        after = self.report.get("recheck" if rechecks else "after") or {}
        panels = [
            Panel("Photo of record", self._read("record"), "the reference"),
            _panel("SharePoint before", self._read("sharepoint-L-before"), self.report["before"]),
            _panel(
                "SharePoint now" if rechecks else "SharePoint after",
                self._read(last),
                after,
            ),
        ]
        write_atomic(self.folder / COMPOSITE, side_by_side(panels, self.report["upn"]))
        self.report["composite"] = COMPOSITE
        self._save()


def _panel(title: str, data: bytes | None, facts: dict[str, Any]) -> Panel:
    verdict = facts.get("verdict")
    if not facts:
        return Panel(title, data, "not checked")
    caption = str(verdict)
    if facts.get("distance") is not None:
        caption += f"\ndistance {facts['distance']}"
    return Panel(title, data, caption, verdict == Verdict.IN_SYNC.value)


def summary_md(report: dict[str, Any]) -> str:
    lines = [
        f"# {report['title']}",
        "",
        f"- User: {report['upn']}",
        f"- Watched as: {report['operator']} (the user's password was never needed)",
        f"- Tenant: {report['tenant']}",
        f"- Verdict: **{report.get('outcome', 'unfinished')}** "
        f"(exit {report.get('exit_code', '-')}) — {report.get('summary', '')}",
        f"- Next: {report.get('advice', '')}",
        "",
        "| when (UTC) | what | verdict | distance |",
        "|---|---|---|---|",
    ]
    for entry in report["timeline"]:
        distance = entry.get("distance")
        lines.append(
            f"| {entry['at']} | {entry['event']} | {entry.get('verdict', entry.get('outcome', ''))}"
            f" | {'' if distance is None else distance} |"
        )
    lines += ["", f"Before and after side by side: {COMPOSITE}. The message sent: message.md."]
    return "\n".join(lines) + "\n"
