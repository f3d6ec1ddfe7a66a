"""report.html and summary.md from report.json and the files of the run folder (jinja2)."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2
from PIL import Image

REPORT_HTML = "report.html"
SUMMARY_MD = "summary.md"
THUMB_WIDTH = 360
TIMELINE_KINDS = frozenset({"page", "element"})  # photos and the composite have their own section
_MIME = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif"}


@dataclass(frozen=True)
class Picture:
    """An image embedded in the report, with what it shows."""

    path: str
    alt: str
    src: str
    thumb: str | None = None


@dataclass(frozen=True)
class PhotoCard:
    label: str
    picture: Picture | None
    sha256: str | None
    note: str


def _environment(autoescape: bool) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("troubleshooter.evidence", "templates"),
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_html(report: dict[str, Any], folder: Path) -> str:
    """The self-contained report: every image is embedded as a data URI."""
    artifacts = {a["path"]: a for a in report.get("artifacts", [])}
    steps = []
    for step in map(_step_view, report.get("steps", [])):
        pictures = [
            _picture(folder, artifacts[name], thumb=True)
            for name in step.get("captures", [])
            if name in artifacts and _is_image(name) and artifacts[name]["kind"] in TIMELINE_KINDS
        ]
        steps.append({**step, "pictures": [p for p in pictures if p is not None]})
    return (
        _environment(True)
        .get_template("report.html.j2")
        .render(
            report=report,
            verdict=report.get("verdict") or {},
            stopped=_stopped_step(report),
            last_shot=_last_screenshot(report, folder),
            photos=_photo_cards(report, folder),
            composite=_by_kind(report, folder, "composite"),
            rechecks=_recheck_views(report, folder),
            steps=steps,
            environment=_environment_rows(report),
            files=sorted(artifacts),
            duration=_duration(report),
        )
    )


def render_summary(report: dict[str, Any], folder_name: str) -> str:
    """A few Markdown lines to paste into the ticket."""
    return (
        _environment(False)
        .get_template("summary.md.j2")
        .render(
            report=report,
            verdict=report.get("verdict") or {},
            stopped=_stopped_step(report),
            duration=_duration(report),
            folder=folder_name,
            done=[s for s in report.get("steps", []) if s.get("status") == "ok"],
        )
    )


# ---- pieces ----------------------------------------------------------------------------------


def _picture(folder: Path, artifact: dict[str, Any], thumb: bool = False) -> Picture | None:
    path = folder / artifact["path"]
    if not path.is_file():
        return None
    content = path.read_bytes()
    alt = artifact.get("description") or artifact["path"]
    small = _thumbnail(content) if thumb else None
    return Picture(artifact["path"], alt, _data_uri(content, path.suffix), small)


def _data_uri(content: bytes, suffix: str) -> str:
    mime = _MIME.get(suffix.lower(), "application/octet-stream")
    return f"data:{mime};base64,{base64.b64encode(content).decode('ascii')}"


def _thumbnail(content: bytes) -> str | None:
    """A small JPEG of the top of the image: enough to recognise the page."""
    try:
        with Image.open(io.BytesIO(content)) as image:
            rgb = image.convert("RGB")
    except OSError:
        return None
    if rgb.width > THUMB_WIDTH:
        height = round(rgb.height * THUMB_WIDTH / rgb.width)
        rgb = rgb.resize((THUMB_WIDTH, height), Image.Resampling.LANCZOS)
    rgb = rgb.crop((0, 0, rgb.width, min(rgb.height, THUMB_WIDTH)))
    out = io.BytesIO()
    rgb.save(out, format="JPEG", quality=80)
    return _data_uri(out.getvalue(), ".jpg")


def _is_image(name: str) -> bool:
    return Path(name).suffix.lower() in _MIME


def _by_sha(report: dict[str, Any], sha256: str | None) -> dict[str, Any] | None:
    if not sha256:
        return None
    return next((a for a in report.get("artifacts", []) if a.get("sha256") == sha256), None)


def _by_kind(
    report: dict[str, Any], folder: Path, kind: str, recheck: int | None = None
) -> Picture | None:
    """The last artifact of a kind from the first run, or from one recheck."""
    found = [
        a
        for a in report.get("artifacts", [])
        if a.get("kind") == kind and a.get("recheck") == recheck
    ]
    return _picture(folder, found[-1]) if found else None


def _recheck_views(report: dict[str, Any], folder: Path) -> list[dict[str, Any]]:
    """Each recheck with its verdict and its side-by-side picture, oldest first."""
    return [
        {**entry, "composite": _by_kind(report, folder, "composite", entry.get("number"))}
        for entry in report.get("rechecks", [])
    ]


def _photo_cards(report: dict[str, Any], folder: Path) -> list[PhotoCard]:
    """Reference, before and after: the photo bytes, their SHA-256 and how they compare."""
    photos = report.get("photos", {})
    comparison = (report.get("verdict") or {}).get("comparison", {})
    reference = photos.get("reference") or {}
    ref_sha = reference.get("sha256")
    if not reference:
        ref_note = "not read"
    elif reference.get("present") is False:
        ref_note = "no photo of record (the account circle shows initials)"
    else:
        ref_note = reference.get("source") or "photo of record"
    cards = [
        PhotoCard("Reference (photo of record)", _found(report, folder, ref_sha), ref_sha, ref_note)
    ]
    for label in ("before", "after"):
        large = ((photos.get(label) or {}).get("sizes") or {}).get("L") or {}
        sha = large.get("sha256")
        cards.append(
            PhotoCard(
                f"SharePoint's copy {label}",
                _found(report, folder, sha),
                sha,
                _comparison_note(comparison.get(label), large),
            )
        )
    return cards


def _found(report: dict[str, Any], folder: Path, sha256: str | None) -> Picture | None:
    artifact = _by_sha(report, sha256)
    return _picture(folder, artifact) if artifact else None


def _comparison_note(entry: dict[str, Any] | None, large: dict[str, Any]) -> str:
    if not large:
        return "not checked"
    if entry is None:
        return "checked; nothing to compare with"
    if entry.get("placeholder"):
        return "SharePoint serves the grey placeholder"
    if "same" not in entry:
        return "no photo of record to compare with"
    word = "matches" if entry["same"] else "differs from"
    if entry.get("verdict") == "cannot-tell":
        word = "cannot be proven to match"
    # The same-source test has several measures; pHash is one of them (report.json has all).
    return f"{word} the photo of record (pHash distance {entry['distance']})"


def _stopped_step(report: dict[str, Any]) -> dict[str, Any] | None:
    """The step the run stopped at, when it did not finish normally."""
    if report.get("status") == "finished":
        return None
    failed = (report.get("verdict") or {}).get("failed_step")
    steps = [_step_view(s) for s in report.get("steps", [])]
    if failed is not None:
        return next((s for s in steps if s["index"] == failed), None)
    return steps[-1] if steps else None


def _step_view(step: dict[str, Any]) -> dict[str, Any]:
    """A step with every field the templates read (a step still running has fewer)."""
    return {"duration_s": None, "url": None, "detail": None, "captures": [], **step}


def _last_screenshot(report: dict[str, Any], folder: Path) -> Picture | None:
    stopped = _stopped_step(report)
    if stopped is None:
        return None
    pages = [
        a
        for a in report.get("artifacts", [])
        if a["kind"] == "page" and a["step"] == stopped["index"]
    ]
    return _picture(folder, pages[-1]) if pages else None


def _environment_rows(report: dict[str, Any]) -> list[tuple[str, str]]:
    env = report.get("environment", {})
    browser = " ".join(x for x in (env.get("browser"), env.get("browser_version")) if x)
    rows = [
        ("Tool", f"troubleshooter {env.get('tool_version', '?')}"),
        ("Browser", browser or "unknown"),
        ("Playwright", env.get("playwright_version", "unknown")),
        ("Operating system", env.get("os", "unknown")),
        ("Python", env.get("python", "unknown")),
        ("Tenant", report.get("tenant") or env.get("tenant", "unknown")),
        ("Sign-in", env.get("sign_in", "unknown")),
        ("Operator", report.get("operator") or "not recorded"),
        ("Ticket", report.get("ticket") or "none"),
        ("Run id", report.get("run_id", "")),
    ]
    return [(name, str(value)) for name, value in rows]


def _duration(report: dict[str, Any]) -> str:
    try:
        start = datetime.fromisoformat(report["started_at"])
        end = datetime.fromisoformat(report["finished_at"])
    except (KeyError, TypeError, ValueError):
        return "unknown"
    return f"{(end - start).total_seconds():.1f} s"
