"""The evidence folder of a check: audit.csv, audit.html, the photos, report.json, summary.md,
manifest.json. Rows are written as they come (nothing per user is kept in memory)."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
from collections import Counter
from pathlib import Path
from typing import Any, TextIO

import jinja2
from PIL import Image

from troubleshooter.artifacts import SUMMARY_MD as SUMMARY
from troubleshooter.audit.model import CheckReport, validated
from troubleshooter.audit.probe import UserCheck, photo_suffix
from troubleshooter.audit.users import BadRow
from troubleshooter.audit.verdicts import ADVICE, Verdict
from troubleshooter.evidence.folder import seal
from troubleshooter.templating import environment

AUDIT_CSV = "audit.csv"
AUDIT_HTML = "audit.html"
PHOTOS = "photos"
_ROWS_TMP = ".audit-rows.html.tmp"
THUMB_PX = 72
ATTENTION_LISTED = 50  # summary.md names at most this many users needing attention
FIXED_COLUMNS = (
    "upn",
    "verdict",
    "detail",
    "distance",
    "threshold",
    "record_sha256",
    "sharepoint_l_sha256",
    "sharepoint_m_sha256",
    "sharepoint_s_sha256",
    "reference_source",
    "retries",
    "checked_at",
    "line",
)


def _env() -> jinja2.Environment:
    return environment("troubleshooter.audit", autoescape=True)


def thumbnail(data: bytes | None) -> str | None:
    """A small JPEG data URI, so audit.html is one self-contained file."""
    if not data:
        return None
    side = THUMB_PX * 5 // 3  # sharp enough on high-density screens
    try:
        source = Image.open(io.BytesIO(data))
        source.draft("RGB", (side, side))  # JPEG: decode at a fraction of the size, much faster
        image = source.convert("RGB")
    except (OSError, ValueError):
        return None
    image.thumbnail((side, side))
    buf = io.BytesIO()
    image.save(buf, format="JPEG", quality=80)
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode()


def _cell(value: str) -> str:
    """A spreadsheet must not run a passed-through value as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


class AuditWriter:
    """Writes one row per user as soon as it is decided."""

    def __init__(self, folder: Path, columns: tuple[str, ...]) -> None:
        self.folder = folder
        self.columns = columns
        (folder / PHOTOS).mkdir(exist_ok=True)
        self._csv: TextIO = (folder / AUDIT_CSV).open("w", encoding="utf-8", newline="")
        self._writer = csv.writer(self._csv)
        self._writer.writerow([*FIXED_COLUMNS, *columns])
        self._rows: TextIO = (folder / _ROWS_TMP).open("w", encoding="utf-8")
        self._row_template = _env().get_template("audit_row.html.j2")
        self.counts: Counter[str] = Counter()
        self.attention: list[tuple[str, str, str]] = []
        self.retries = 0

    def add(self, check: UserCheck) -> None:
        upn, finding = check.row.upn, check.finding
        large = check.sizes.get("L")
        record_bytes = check.reference
        if record_bytes is not None:
            ext = (
                check.row.photo.suffix.lstrip(".")
                if check.row.photo
                else photo_suffix(check.record)
            )
            name = "expected" if check.row.photo else "record"
            (self.folder / PHOTOS / f"{upn}.{name}.{ext or 'bin'}").write_bytes(record_bytes)
        if large is not None and large.is_image:
            path = self.folder / PHOTOS / f"{upn}.sharepoint-L.{photo_suffix(large)}"
            path.write_bytes(large.content)
        sha = {s: (f.content_sha256 if f.is_image else "") for s, f in check.sizes.items()}
        measures = finding.measures
        self.retries += check.tries
        self._write(
            upn,
            finding.verdict.value,
            finding.detail,
            {
                "distance": str(measures.get("distance", "")),
                "threshold": str(measures.get("threshold", "")),
                "record_sha256": _sha(record_bytes),
                "sharepoint_l_sha256": sha.get("L", ""),
                "sharepoint_m_sha256": sha.get("M", ""),
                "sharepoint_s_sha256": sha.get("S", ""),
                "reference_source": check.reference_source,
                "retries": str(check.tries),
                "checked_at": check.checked_at,
                "line": str(check.row.line or ""),
            },
            check.row.columns,
            thumbnail(record_bytes),
            thumbnail(large.content if large is not None and large.is_image else None),
        )

    def add_bad(self, bad: BadRow, checked_at: str) -> None:
        self._write(
            bad.upn,
            Verdict.BAD_ROW.value,
            bad.problem,
            {"checked_at": checked_at, "line": str(bad.line)},
            bad.columns,
            None,
            None,
        )

    def _write(
        self,
        upn: str,
        verdict: str,
        detail: str,
        fixed: dict[str, str],
        columns: dict[str, str],
        record: str | None,
        large: str | None,
    ) -> None:
        values = {"upn": upn, "verdict": verdict, "detail": detail, **fixed}
        row = [_cell(values.get(name, "")) for name in FIXED_COLUMNS]
        row += [_cell(columns.get(name, "")) for name in self.columns]
        self._writer.writerow(row)
        self._rows.write(
            self._row_template.render(
                upn=upn,
                verdict=verdict,
                detail=detail,
                checked_at=fixed.get("checked_at", ""),
                record=record,
                large=large,
            )
        )
        self.counts[verdict] += 1
        fine = verdict in (Verdict.IN_SYNC.value, Verdict.NO_PHOTO_OF_RECORD.value)
        if not fine and len(self.attention) < ATTENTION_LISTED:
            self.attention.append((upn, verdict, detail))

    def close(self) -> None:
        for handle in (self._csv, self._rows):
            if not handle.closed:
                handle.close()

    def finish(self, report: dict[str, Any]) -> None:
        """audit.html, report.json, summary.md, then manifest.json (last: it hashes the rest)."""
        self.close()
        env = _env()
        counts = sorted(self.counts.items())
        values = {
            "title": report["title"],
            "operator": report["operator"],
            "tenant": report["tenant"],
            "started_at": report["started_at"],
            "finished_at": report["finished_at"],
            "record_source": report["sources"]["photo_of_record"],
            "counts": counts,
        }
        rows_tmp = self.folder / _ROWS_TMP
        with (self.folder / AUDIT_HTML).open("w", encoding="utf-8") as html:
            html.write(env.get_template("audit_head.html.j2").render(**values))
            with rows_tmp.open(encoding="utf-8") as rows:
                while chunk := rows.read(1 << 16):
                    html.write(chunk)
            html.write(env.get_template("audit_tail.html.j2").render())
        rows_tmp.unlink()
        report = validated(CheckReport, {**report, "counts": dict(counts)})
        summary = summary_md(report, self.attention).encode("utf-8")
        seal(self.folder, str(report["run_id"]), report, {SUMMARY: summary})


def _sha(data: bytes | None) -> str:
    return hashlib.sha256(data).hexdigest() if data else ""


def summary_md(report: dict[str, Any], attention: list[tuple[str, str, str]]) -> str:
    lines = [
        f"# {report['title']}",
        "",
        f"- Operator: {report['operator']} (signed in; identity "
        f"{'confirmed' if report.get('confirmed_as') else 'not confirmed'})",
        f"- Tenant: {report['tenant']}",
        f"- Started: {report['started_at']}; finished: {report['finished_at']}",
        f"- Users: {report['users']}; throttled answers: {report['throttled']}, "
        f"waited {report['waited_s']:.0f} s",
        f"- Exit code: {report['exit_code']}"
        + (
            " (interrupted: the users below were checked before Ctrl-C)"
            if report.get("interrupted")
            else ""
        ),
        *(f"- **Warning:** {w}" for w in report.get("warnings", [])),
        "",
        "| verdict | users | what next |",
        "|---|---|---|",
    ]
    for verdict, count in report["counts"].items():
        advice = ADVICE.get(Verdict(verdict), "") if verdict in Verdict._value2member_map_ else ""
        lines.append(f"| {verdict} | {count} | {advice} |")
    if attention:
        lines += ["", "## Users needing attention", ""]
        lines += [f"- {upn}: **{verdict}** {detail}".rstrip() for upn, verdict, detail in attention]
        fine = ("in-sync", "no-photo-of-record")
        if sum(c for v, c in report["counts"].items() if v not in fine) > len(attention):
            lines.append(f"- … the rest are in {AUDIT_CSV}")
    lines += ["", f"Every user, with hashes and measures: {AUDIT_CSV}; side by side: {AUDIT_HTML}."]
    return "\n".join(lines) + "\n"
