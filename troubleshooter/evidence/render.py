"""report.html and summary.md from report.json and the files of the run folder (jinja2)."""

from __future__ import annotations

import base64
import functools
import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2
from PIL import Image

from troubleshooter.artifacts import ArtifactKind
from troubleshooter.evidence.model import (
    Artifact,
    Check,
    Reference,
    Report,
    Sample,
    VerdictComparison,
    VerdictPhoto,
)
from troubleshooter.pages.ids import describe as describe_ids
from troubleshooter.templating import environment

THUMB_WIDTH = 360
TIMELINE_KINDS = frozenset(
    {ArtifactKind.PAGE, ArtifactKind.ELEMENT}
)  # photos and the composite have their own section
_MIME = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
}
EMBED_AS_IS_BYTES = 16_000  # smaller images are embedded as they are
EMBED_MAX_WIDTH = 1280  # larger ones as a JPEG at most this wide (banner text readable)


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


def human_time(value: str | datetime | None) -> str:
    """One format for people: ``2026-11-24 21:34:18 UTC`` (report.json keeps ISO 8601)."""
    if value is None:
        return "unknown"
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


_WORD = re.compile(r"[\w-]+")
_FILLER = frozenset(  # words that carry no news of their own
    _WORD.findall("a an the for of to was were is are be been by on in at as and or it its")
)
_ADDRESS = re.compile(r"\S+@\S+")


def says_more(detail: str | None, *said: str | None) -> bool:
    """Whether ``detail`` tells a reader something the lines already shown do not.

    "the password for adele@… was refused (AADSTS50126)" under "Sign-in refused the password
    (AADSTS50126)." repeats it (the user's address is in the page's title): only filler words
    and the address are new.
    """
    if not detail:
        return False
    known = {w.lower() for text in said if text for w in _WORD.findall(text)}
    new = {w.lower() for w in _WORD.findall(_ADDRESS.sub(" ", detail))} - known - _FILLER
    return bool(new)


def _environment(autoescape: bool) -> jinja2.Environment:
    env = environment(
        "troubleshooter.evidence",
        autoescape=autoescape,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["when"] = human_time
    env.filters["ids"] = describe_ids
    env.tests["saying_more_than"] = says_more
    return env


def _current(report: Report) -> dict[str, Any]:
    """The latest state: the last recheck with a verdict, else the first run."""
    data = report.model_dump(mode="json")
    latest = next((r for r in reversed(data["rechecks"]) if r["verdict"]), None)
    if latest is None:
        return {"verdict": data["verdict"] or {}, "recheck": None, "status": report.status}
    return {"verdict": latest["verdict"], "recheck": latest, "status": latest["status"]}


def render_html(report: Report, folder: Path) -> str:
    """The self-contained report: every image is embedded as a data URI."""
    artifacts = {a.path: a for a in report.artifacts}
    steps = []
    for step in report.steps:
        pictures = [
            _picture(folder, artifacts[name], thumb=True)
            for name in step.captures
            if name in artifacts and _is_image(name) and artifacts[name].kind in TIMELINE_KINDS
        ]
        view = step.model_dump(mode="json")
        steps.append({**view, "pictures": [p for p in pictures if p is not None]})
    data = report.model_dump(mode="json")
    return (
        _environment(True)
        .get_template("report.html.j2")
        .render(
            report=data,
            verdict=data["verdict"] or {},
            current=_current(report),
            stopped=_stopped_step(report),
            last_shot=_last_screenshot(report, folder),
            photos=_photo_cards(report, folder),
            composite=_by_kind(report, folder, ArtifactKind.COMPOSITE),
            rechecks=_recheck_views(report, folder),
            steps=steps,
            environment=_environment_rows(report),
            files=sorted(artifacts),
            duration=_duration(report),
        )
    )


def render_summary(report: Report, folder_name: str) -> str:
    """A few Markdown lines to paste into the ticket."""
    data = report.model_dump(mode="json")
    return (
        _environment(False)
        .get_template("summary.md.j2")
        .render(
            report=data,
            verdict=data["verdict"] or {},
            current=_current(report),
            stopped=_stopped_step(report),
            duration=_duration(report),
            folder=folder_name,
            done=[s for s in report.steps if s.status == "ok"],
        )
    )


# ---- pieces ----------------------------------------------------------------------------------


def _picture(folder: Path, artifact: Artifact, thumb: bool = False) -> Picture | None:
    path = folder / artifact.path
    if not path.is_file():
        return None
    alt = artifact.description or artifact.path
    embedded, small = _copies(path.read_bytes(), path.suffix, thumb)
    return Picture(artifact.path, alt, embedded, small)


@functools.lru_cache(maxsize=16)
def _copies(content: bytes, suffix: str, thumb: bool) -> tuple[str, str | None]:
    """The embedded copy and, if asked, the thumbnail, from one decode of the image (a report
    shows the same screenshot in the timeline and again as the last page)."""
    rgb = None
    if thumb or _needs_copy(content, suffix):
        try:
            image = Image.open(io.BytesIO(content))
            image.load()
            rgb = image if image.mode == "RGB" else image.convert("RGB")  # convert copies
        except OSError:
            pass
    small = _thumbnail(rgb) if thumb and rgb is not None else None
    return _embedded(content, suffix, rgb), small


def _needs_copy(content: bytes, suffix: str) -> bool:
    return len(content) > EMBED_AS_IS_BYTES and suffix.lower() not in (".jpg", ".jpeg")


def _embedded(content: bytes, suffix: str, rgb: Image.Image | None) -> str:
    """The image for the report: small ones and photos (JPEG) as they are, screenshots as a
    lighter JPEG copy (WebP is 2x smaller but 10x slower to encode). The full-size file is
    next to report.html, under the picture's path."""
    if rgb is None or not _needs_copy(content, suffix):
        return _data_uri(content, suffix)
    if rgb.width > EMBED_MAX_WIDTH:
        height = round(rgb.height * EMBED_MAX_WIDTH / rgb.width)
        rgb = rgb.resize((EMBED_MAX_WIDTH, height), Image.Resampling.LANCZOS, reducing_gap=1.0)
    out = io.BytesIO()
    rgb.save(out, format="JPEG", quality=75, optimize=True)
    if out.tell() >= len(content):
        return _data_uri(content, suffix)
    return _data_uri(out.getvalue(), ".jpg")


def _data_uri(content: bytes, suffix: str) -> str:
    mime = _MIME.get(suffix.lower(), "application/octet-stream")
    return f"data:{mime};base64,{base64.b64encode(content).decode('ascii')}"


def _thumbnail(rgb: Image.Image) -> str:
    """A small JPEG of the top of the image: enough to recognise the page."""
    if rgb.width > THUMB_WIDTH:
        # Only a square at the top is shown: crop before scaling (a tall page scales less).
        keep = min(rgb.height, rgb.width + 4)
        height = round(keep * THUMB_WIDTH / rgb.width)
        box = (0, 0, rgb.width, keep)
        rgb = rgb.resize((THUMB_WIDTH, height), Image.Resampling.LANCZOS, box, reducing_gap=1.0)
    rgb = rgb.crop((0, 0, rgb.width, min(rgb.height, THUMB_WIDTH)))
    out = io.BytesIO()
    rgb.save(out, format="JPEG", quality=80)
    return _data_uri(out.getvalue(), ".jpg")


def _is_image(name: str) -> bool:
    return Path(name).suffix.lower() in _MIME


def _by_sha(report: Report, sha256: str | None, label: str | None = None) -> Artifact | None:
    """The first-run file with these bytes; the one named for ``label`` when several share them.

    Before and after are byte-identical whenever SharePoint did not refresh: the "after" card
    must still name the after file.
    """
    if not sha256:
        return None
    found = [a for a in report.artifacts if a.sha256 == sha256 and a.recheck is None]
    found = found or [a for a in report.artifacts if a.sha256 == sha256]
    named = [a for a in found if label and label in a.name.lower().split("-")]
    candidates = named or found
    return candidates[0] if candidates else None


def _by_kind(
    report: Report, folder: Path, kind: ArtifactKind, recheck: int | None = None
) -> Picture | None:
    """The last artifact of a kind from the first run, or from one recheck."""
    found = [a for a in report.artifacts if a.kind is kind and a.recheck == recheck]
    return _picture(folder, found[-1]) if found else None


def _recheck_views(report: Report, folder: Path) -> list[dict[str, Any]]:
    """Each recheck with its verdict and its side-by-side picture, oldest first."""
    return [
        {
            **entry.model_dump(mode="json"),
            "composite": _by_kind(report, folder, ArtifactKind.COMPOSITE, entry.number),
        }
        for entry in report.rechecks
    ]


def _photo_cards(report: Report, folder: Path) -> list[PhotoCard]:
    """Reference, before and after: the photo bytes, their SHA-256 and how they compare."""
    photos = report.photos
    comparison = report.verdict.comparison if report.verdict else VerdictComparison()
    reference = photos.get("reference")
    ref_sha = reference.sha256 if isinstance(reference, Reference) else None
    if not isinstance(reference, Reference):
        ref_note = "not read"
    elif not reference.present:
        ref_note = "no photo of record (the account circle shows initials)"
    else:
        ref_note = reference.source or "photo of record"
    cards = [
        PhotoCard("Reference (photo of record)", _found(report, folder, ref_sha), ref_sha, ref_note)
    ]
    for label in ("before", "after"):
        check = photos.get(label)
        large = check.sizes.get("L") if isinstance(check, Check) else None
        sha = large.sha256 if large else None
        cards.append(
            PhotoCard(
                f"SharePoint's copy {label}",
                _found(report, folder, sha, label),
                sha,
                _comparison_note(getattr(comparison, label), large),
            )
        )
    return cards


def _found(
    report: Report, folder: Path, sha256: str | None, label: str | None = None
) -> Picture | None:
    artifact = _by_sha(report, sha256, label)
    return _picture(folder, artifact) if artifact else None


def _comparison_note(entry: VerdictPhoto | None, large: Sample | None) -> str:
    if large is None:
        return "not checked"
    if entry is None:
        return "checked; nothing to compare with"
    if entry.placeholder:
        return "SharePoint serves the grey placeholder"
    if entry.same is None:
        return "no photo of record to compare with"
    word = "matches" if entry.same else "differs from"
    if entry.verdict == "cannot-tell":
        word = "cannot be proven to match"
    # The same-source test has several measures; pHash is one of them (report.json has all).
    return f"{word} the photo of record (pHash distance {entry.distance})"


def _stopped_step(report: Report) -> dict[str, Any] | None:
    """The step the run stopped at: the verdict's failed step (a sign-in failure finishes the
    run too), or the last step of a run that did not finish."""
    failed = report.verdict.failed_step if report.verdict else None
    steps = [s.model_dump(mode="json") for s in report.steps]
    if failed is not None:
        return next((s for s in steps if s["index"] == failed), None)
    if report.status == "finished":
        return None
    return steps[-1] if steps else None


def _last_screenshot(report: Report, folder: Path) -> Picture | None:
    stopped = _stopped_step(report)
    if stopped is None:
        return None
    pages = [
        a for a in report.artifacts if a.kind is ArtifactKind.PAGE and a.step == stopped["index"]
    ]
    return _picture(folder, pages[-1]) if pages else None


def _environment_rows(report: Report) -> list[tuple[str, str]]:
    env = report.environment
    rows = [
        ("Tool", f"troubleshooter {env.tool_version}"),
        ("Browser", f"{env.browser} {env.browser_version}".strip() or "unknown"),
        ("Playwright", env.playwright_version),
        ("Operating system", env.os),
        ("Python", env.python),
        ("Tenant", report.tenant or env.tenant),
        ("Sign-in", env.sign_in),
        ("Operator", report.operator or "not recorded"),
        ("Ticket", report.ticket or "none"),
        ("Run id", report.run_id),
    ]
    return [(name, str(value)) for name, value in rows]


def _duration(report: Report) -> str:
    if report.finished_at is None:
        return "unknown"
    return f"{(report.finished_at - report.started_at).total_seconds():.1f} s"
