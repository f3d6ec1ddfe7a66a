"""Evidence building blocks without a browser: redaction, stamp, manifest, verify, prune, render."""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from PIL import Image

from tests.helpers import ENVIRONMENT, report_data, run_cli
from troubleshooter.artifacts import ArtifactKind
from troubleshooter.errors import BadInputError
from troubleshooter.events import (
    Capture,
    ConsoleLine,
    RunFinished,
    RunStarted,
    StepFinished,
    StepStarted,
    utc_now,
)
from troubleshooter.evidence.bundle import bundle
from troubleshooter.evidence.manifest import verify, write_manifest
from troubleshooter.evidence.model import Report, report_json_schema
from troubleshooter.evidence.prune import old_runs, parse_age
from troubleshooter.evidence.recorder import EvidenceRecorder
from troubleshooter.evidence.redact import (
    REDACTED,
    redact_har,
    redact_text,
    redact_trace,
    redact_url,
    scrub,
)
from troubleshooter.evidence.render import render_html, render_summary
from troubleshooter.evidence.stamp import Stamp, stamp_png
from troubleshooter.verdict import Outcome, decision

PASSWORD = "Sim-Passw0rd!"
COOKIE = "T-AN6R-jWb1L39Q9LHtenf5qC3gm5JzYG"
CODE = "0.r2tQGkGC0Wk6ebQong7VpS3lpedHQQlM8EJ5"
JWT = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiI0NzY1NDQ1YiJ9.JW_6KbH7Yq0H_W1gBwovX"
SECRETS = (PASSWORD, COOKIE, CODE, JWT, "abc123bearertoken")


def _entry(url: str, post: dict[str, Any] | None = None) -> dict[str, Any]:
    request: dict[str, Any] = {
        "method": "POST" if post else "GET",
        "url": url,
        "cookies": [{"name": "ESTSAUTH", "value": COOKIE}],
        "headers": [
            {"name": "Cookie", "value": f"ESTSAUTH={COOKIE}"},
            {"name": "Authorization", "value": "Bearer abc123bearertoken"},
            {"name": "Referer", "value": f"https://login.example/cb?code={CODE}&x=1"},
            {"name": "Accept", "value": "text/html"},
        ],
        "queryString": [{"name": "code", "value": CODE}, {"name": "size", "value": "L"}],
    }
    if post:
        request["postData"] = post
    return {
        "request": request,
        "response": {
            "status": 302,
            "cookies": [{"name": "FedAuth", "value": COOKIE}],
            "headers": [
                {"name": "Set-Cookie", "value": f"FedAuth={COOKIE}; path=/"},
                {"name": "Location", "value": f"https://sp.example/#id_token={JWT}"},
                {"name": "Content-Type", "value": "text/html"},
            ],
            "content": {"size": 10, "mimeType": "text/html", "text": f"<b>{JWT}</b>"},
            "redirectURL": f"https://sp.example/?code={CODE}",
        },
    }


LOGIN_FORM = {
    "mimeType": "application/x-www-form-urlencoded",
    "text": f"login=adele%40contoso.com&passwd={PASSWORD}",
    "params": [
        {"name": "login", "value": "adele@contoso.com"},
        {"name": "passwd", "value": PASSWORD},
    ],
}


def _har() -> bytes:
    entries = [
        _entry(f"https://login.example/authorize?client_id=1&code={CODE}&state=s1"),
        _entry("https://login.example/login", LOGIN_FORM),
    ]
    return json.dumps({"log": {"version": "1.2", "entries": entries}}).encode()


def _assert_clean(blob: bytes, where: str) -> None:
    for secret in SECRETS:
        assert secret.encode() not in blob, f"{secret!r} left in {where}"


def test_redact_url_replaces_secret_values_and_keeps_the_rest() -> None:
    url = f"https://sp.example/photo.jpg?_oat_=abc&size=L&accountName=a%40b.com#code={CODE}"
    assert redact_url(url) == (
        "https://sp.example/photo.jpg?_oat_=REDACTED&size=L&accountName=a@b.com#code=REDACTED"
    )
    untouched = "https://sp.example/a?size=L&accountName=a%40b.com"
    assert redact_url(untouched) == untouched


def test_redact_text_finds_tokens_in_prose_and_html() -> None:
    text = (
        f'navigating to "https://x.example/cb?code={CODE}" with Bearer abc123bearertoken; '
        f'<input type="hidden" name="id_token" value="{JWT}"><a href="/p?x=1&amp;code={CODE}">'
        '<input name="q" value="kept">'
    )
    redacted = redact_text(text)
    _assert_clean(redacted.encode(), "text")
    assert 'name="id_token" value="REDACTED"' in redacted
    assert 'value="kept"' in redacted
    assert "Bearer REDACTED" in redacted


def test_scrub_redacts_every_copy_of_a_string_short_or_long() -> None:
    """Short strings are redacted once and remembered (a trace repeats them thousands of
    times): every copy, and every long string, comes out as redact_url / redact_text say."""
    url = f"https://x.example/cb?code={CODE}&size=L"
    prose = f"token in the page: https://x.example/p?id_token={JWT} and Bearer abc123bearertoken"
    long = prose + " filler" * 400  # over the remembered length
    value = {"a": url, "b": [url, prose, {"c": prose}], "d": long, "e": url.upper()}
    for _ in range(2):  # the second pass answers from what the first remembered
        scrubbed = scrub(value)
        assert scrubbed["a"] == scrubbed["b"][0] == redact_url(url)
        assert scrubbed["b"][1] == scrubbed["b"][2]["c"] == redact_text(prose)
        assert scrubbed["d"] == redact_text(long)
        assert scrubbed["e"] == redact_text(url.upper())
        _assert_clean(json.dumps(scrubbed).encode(), "scrubbed value")


def test_redact_har_removes_cookies_auth_headers_tokens_and_form_bodies() -> None:
    har = json.loads(redact_har(_har()))
    _assert_clean(json.dumps(har).encode(), "network.har")
    first, login = har["log"]["entries"]
    headers = {h["name"]: h["value"] for h in first["request"]["headers"]}
    assert headers["Cookie"] == headers["Authorization"] == REDACTED
    assert headers["Accept"] == "text/html", "ordinary headers stay"
    assert first["request"]["cookies"] == [{"name": "ESTSAUTH", "value": REDACTED}]
    assert first["request"]["url"].endswith("client_id=1&code=REDACTED&state=REDACTED")
    assert {p["name"]: p["value"] for p in first["request"]["queryString"]} == {
        "code": REDACTED,
        "size": "L",
    }
    assert "text" not in first["response"]["content"]
    assert login["request"]["postData"]["params"] == [
        {"name": "login", "value": REDACTED},
        {"name": "passwd", "value": REDACTED},
    ]
    assert login["request"]["postData"]["text"] == "login=REDACTED&passwd=REDACTED"


def _trace_zip() -> bytes:
    body = f"code={CODE}&id_token={JWT}".encode()
    snapshot = _entry("https://sp.example/_forms/default.aspx", {"_file": "resources/body.dat"})
    events = [
        {"type": "context-options", "options": {"httpCredentials": {"password": PASSWORD}}},
        {
            "type": "frame-snapshot",
            "snapshot": {
                "frameUrl": f"https://sp.example/cb?code={CODE}",
                "html": ["INPUT", {"type": "hidden", "name": "code", "value": CODE}],
            },
        },
        {"type": "log", "message": f'navigating to "https://x.example/?id_token={JWT}"'},
    ]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as trace:
        trace.writestr("trace.trace", "\n".join(json.dumps(e) for e in events) + "\n")
        network = {"type": "resource-snapshot", "snapshot": snapshot}
        trace.writestr("trace.network", json.dumps(network) + "\n")
        trace.writestr("trace.stacks", json.dumps({"files": [], "stacks": []}))
        trace.writestr("resources/body.dat", body)
        page = f'<form><input type="hidden" name="code" value="{CODE}"></form>'
        trace.writestr("resources/page.html", page)
        trace.writestr("resources/frame.jpeg", b"\xff\xd8\xff binary")
    return out.getvalue()


def test_redact_trace_rewrites_every_member_and_drops_request_bodies() -> None:
    redacted = zipfile.ZipFile(io.BytesIO(redact_trace(_trace_zip())))
    names = set(redacted.namelist())
    assert names == {
        "trace.trace",
        "trace.network",
        "trace.stacks",
        "resources/page.html",
        "resources/frame.jpeg",
    }, "the posted form body is dropped, the rest is kept"
    for name in names:
        _assert_clean(redacted.read(name), name)
    assert redacted.read("resources/frame.jpeg") == b"\xff\xd8\xff binary"
    network = json.loads(redacted.read("trace.network"))["snapshot"]
    assert network["request"]["postData"] == {"text": REDACTED}
    events = [json.loads(line) for line in redacted.read("trace.trace").splitlines()]
    assert events[0]["options"]["httpCredentials"]["password"] == REDACTED


def _answer(url: str, sha1: str | None, method: str = "GET") -> dict[str, Any]:
    content = {"mimeType": "image/jpeg", **({"_sha1": sha1} if sha1 else {})}
    snapshot = {"request": {"method": method, "url": url}, "response": {"content": content}}
    return {"type": "resource-snapshot", "snapshot": snapshot}


def test_redact_trace_marks_urls_whose_answer_changed_so_each_step_shows_its_own() -> None:
    """The photo's URL answered the 2019 photo, then the new one: the trace lists it (redacted,
    as the snapshots name it) in the first snapshot's overrides, without a body of its own; a
    URL that answered the same each time, one without a body and a POST are left alone."""
    photo = f"https://sp.example/_vti_bin/afdcache.ashx/userphoto.jpg?size=L&P4={CODE}"
    logo, form, beacon = "https://sp.example/logo.png", "https://sp.example/form", "https://b/"
    network = [
        _answer(photo, "old.jpg"),
        _answer(logo, "logo.png"),
        _answer(form, "a.dat", "POST"),
        _answer(beacon, None),
        _answer(photo, "old.jpg"),
        _answer(logo, "logo.png"),
        _answer(form, "b.dat", "POST"),
        _answer(beacon, "beacon.gif"),
        _answer(photo, "new.jpg"),
    ]
    kept = {"url": "https://sp.example/site.css", "sha1": "css.css"}
    snapshots = [
        {"type": "frame-snapshot", "snapshot": {"callId": "c1", "resourceOverrides": [kept]}},
        {"type": "frame-snapshot", "snapshot": {"callId": "c2", "resourceOverrides": []}},
    ]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as trace:
        trace.writestr("trace.trace", "\n".join(json.dumps(e) for e in snapshots) + "\n")
        trace.writestr("trace.network", "\n".join(json.dumps(e) for e in network) + "\n")
    once = redact_trace(out.getvalue())
    redacted = zipfile.ZipFile(io.BytesIO(once))
    first, second = (json.loads(x) for x in redacted.read("trace.trace").splitlines())
    shown = photo.replace(CODE, REDACTED)
    assert first["snapshot"]["resourceOverrides"] == [kept, {"url": shown}]
    assert second["snapshot"]["resourceOverrides"] == []
    again = zipfile.ZipFile(io.BytesIO(redact_trace(once)))
    first_again = json.loads(again.read("trace.trace").splitlines()[0])
    assert first_again["snapshot"]["resourceOverrides"] == [kept, {"url": shown}], "listed once"


def _png(width: int, height: int, colour: tuple[int, int, int] = (0, 128, 0)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, format="PNG")
    return out.getvalue()


def test_stamp_adds_a_banner_above_and_keeps_the_whole_capture() -> None:
    stamp = Stamp("INC-1", "adele@contoso.com", "2026-01-02 03:04:05 UTC", "Step 4/10: x", "u")
    stamped = Image.open(io.BytesIO(stamp_png(_png(200, 50), stamp))).convert("RGB")
    assert stamped.width >= 560, "narrow element captures are widened for a readable banner"
    banner = stamped.height - 50
    assert 40 < banner < 100
    assert stamped.getpixel((5, 2)) == (17, 24, 39), "dark banner at the top"
    assert stamped.getpixel((100, banner + 25)) == (0, 128, 0), "the capture itself is intact"
    assert len({stamped.getpixel((x, 12)) for x in range(6, 300)}) > 2, "the banner has text"


def _run_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "evidence" / "inc-1" / "adele@contoso.com-20260101T000000Z"
    folder.mkdir(parents=True)
    for name, content in {"01-open.png": _png(40, 30), "report.json": b"{}", "a.txt": b"a"}.items():
        (folder / name).write_bytes(content)
    return folder


def test_verify_reports_modified_missing_and_extra_files(tmp_path: Path) -> None:
    folder = _run_folder(tmp_path)
    manifest = write_manifest(folder, "run-1")
    assert [f["path"] for f in manifest["files"]] == ["01-open.png", "a.txt", "report.json"]
    assert verify(folder).ok
    assert verify(folder).lines() == ["ok: 3 files match the manifest of run run-1"]
    (folder / "a.txt").write_bytes(b"changed")
    (folder / "01-open.png").unlink()
    (folder / "new.txt").write_bytes(b"new")
    result = verify(folder)
    assert (result.modified, result.missing, result.extra) == (
        ["a.txt"],
        ["01-open.png"],
        ["new.txt"],
    )
    assert result.lines()[-1].startswith("FAILED: 3 problem(s)")


def test_bundle_zip_verifies_and_catches_a_changed_member(tmp_path: Path) -> None:
    folder = _run_folder(tmp_path)
    write_manifest(folder, "run-1")
    archive = bundle(folder)
    assert archive == folder.with_name(folder.name + ".zip")
    with zipfile.ZipFile(archive) as opened:
        assert sorted(opened.namelist()) == [
            f"{folder.name}/{n}" for n in ("01-open.png", "a.txt", "manifest.json", "report.json")
        ]
    assert verify(archive).ok
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(archive) as source, zipfile.ZipFile(tampered, "w") as target:
        for name in source.namelist():
            changed = name.endswith("a.txt")
            target.writestr(name, b"edited" if changed else source.read(name))
    assert verify(tampered).modified == ["a.txt"]


def _flip_member_byte(archive: Path, suffix: str) -> None:
    """Flip one byte of a member's stored data in the raw zip file, leaving its CRC as is."""
    with zipfile.ZipFile(archive) as opened:
        info = next(i for i in opened.infolist() if i.filename.endswith(suffix))
    raw = bytearray(archive.read_bytes())
    start = info.header_offset
    assert raw[start : start + 4] == b"PK\x03\x04"
    name_len = int.from_bytes(raw[start + 26 : start + 28], "little")
    extra_len = int.from_bytes(raw[start + 28 : start + 30], "little")
    data = start + 30 + name_len + extra_len
    raw[data + info.compress_size // 2] ^= 0xFF
    archive.write_bytes(bytes(raw))


@pytest.mark.parametrize("member", ["01-open.png", "a.txt", "report.json"])
def test_verify_reports_a_member_with_a_flipped_byte_as_modified(
    tmp_path: Path, member: str
) -> None:
    folder = _run_folder(tmp_path)
    (folder / "a.txt").write_bytes(b"a fairly long line of text to deflate " * 40)
    write_manifest(folder, "run-1")
    archive = bundle(folder)
    _flip_member_byte(archive, member)
    result = verify(archive)
    assert (result.modified, result.missing, result.extra) == ([member], [], [])
    cli = run_cli("verify", str(archive))
    assert cli.returncode == 1, cli.stderr
    assert cli.stdout.splitlines()[0] == f"modified: {member}"
    assert "Traceback" not in cli.stderr


def test_verify_refuses_a_zip_whose_manifest_is_damaged(tmp_path: Path) -> None:
    folder = _run_folder(tmp_path)
    write_manifest(folder, "run-1")
    archive = bundle(folder)
    _flip_member_byte(archive, "manifest.json")
    with pytest.raises(BadInputError, match=r"manifest\.json: cannot be read"):
        verify(archive)


def test_verify_refuses_what_is_not_a_run(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="no manifest"):
        verify(tmp_path)
    (tmp_path / "x.txt").write_text("x")
    with pytest.raises(BadInputError, match="not a run folder or a run zip"):
        verify(tmp_path / "x.txt")


def test_verify_command_exit_codes(tmp_path: Path) -> None:
    folder = _run_folder(tmp_path)
    write_manifest(folder, "run-1")
    ok = run_cli("verify", str(folder))
    assert (ok.returncode, ok.stdout) == (0, "ok: 3 files match the manifest of run run-1\n")
    (folder / "a.txt").write_text("edited")
    bad = run_cli("verify", str(folder))
    assert bad.returncode == 1
    assert bad.stdout.splitlines()[0] == "modified: a.txt"
    missing = run_cli("verify", str(tmp_path))
    assert missing.returncode == 2
    assert missing.stderr.startswith("error: ") and "no manifest" in missing.stderr


@pytest.mark.parametrize(
    ("text", "expected"),
    [("30d", timedelta(days=30)), ("12h", timedelta(hours=12)), ("2W", timedelta(weeks=2))],
)
def test_parse_age(text: str, expected: timedelta) -> None:
    assert parse_age(text) == expected


def test_parse_age_refuses_nonsense() -> None:
    with pytest.raises(BadInputError, match="like 30d"):
        parse_age("thirty days")


def _report_at(folder: Path, started: datetime, **changes: Any) -> None:
    folder.mkdir(parents=True)
    report = {
        "schema_version": 1,
        "run_id": "0b7e8a52-34a3-4a43-9a43-1a4a27f7c8e1",
        "upn": "a@b.com",
        "started_at": started.isoformat(),
    }
    report.update(changes)
    (folder / "report.json").write_text(json.dumps(report))


def test_prune_deletes_only_old_run_folders_and_their_zips(tmp_path: Path) -> None:
    out = tmp_path / "evidence"
    now = datetime.now(UTC)
    old = out / "2025-01-01" / "a@b.com-20250101T000000Z"
    young = out / "INC-2" / "a@b.com-20260101T000000Z"
    _report_at(old, now - timedelta(days=40))
    _report_at(young, now - timedelta(days=3))
    old.with_name(old.name + ".zip").write_bytes(b"zip")
    (out / "notes").mkdir()
    (out / "notes" / "keep.txt").write_text("not a run folder")

    dry = run_cli("evidence", "prune", "--older-than", "30d", "--out", str(out), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert f"would delete: {old}  " in dry.stdout
    assert "1 run folder(s) would delete" in dry.stdout
    assert old.is_dir()

    done = run_cli("evidence", "prune", "--older-than", "30d", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert not old.parent.exists(), "the run, its zip and the emptied date folder are gone"
    assert young.is_dir() and (out / "notes" / "keep.txt").is_file()
    assert old_runs(out, timedelta(days=30)) == []


def test_prune_leaves_folders_it_did_not_create(tmp_path: Path) -> None:
    out = tmp_path / "evidence"
    long_ago = datetime.now(UTC) - timedelta(days=400)
    old = out / "2025-01-01" / "a@b.com-20250101T000000Z-2"
    _report_at(old, long_ago)
    unrelated = out / "x" / "y"
    unrelated.mkdir(parents=True)
    (unrelated / "report.json").write_text('{"started_at": "2001-01-01T00:00:00+00:00"}')
    (unrelated / "data.csv").write_text("precious")
    old_file = out / "x" / "z"
    old_file.mkdir()
    (old_file / "report.json").write_text("not json")
    timestamp = long_ago.timestamp()
    for path in (unrelated / "report.json", old_file / "report.json"):
        os.utime(path, (timestamp, timestamp))  # old by mtime: must not matter
    wrong = {
        "schema": ("a@b.com-20250101T000000Z-3", {"schema_version": 3}),
        "no-run-id": ("a@b.com-20250101T000000Z-4", {"run_id": None}),
        "bad-start": ("a@b.com-20250101T000000Z-5", {"started_at": "last year"}),
        "other-upn": ("c@d.com-20250101T000000Z", {}),
        "bad-name": ("a@b.com-2025-01-01", {}),
        "no-stamp": ("a@b.com", {}),
    }
    kept = []
    for name, changes in wrong.values():
        folder = out / "2025-01-01" / name
        _report_at(folder, long_ago, **changes)
        kept.append(folder)
    (out / "2025-01-01" / "a@b.com-20250101T000000Z-6").mkdir()
    (out / "2025-01-01" / "a@b.com-20250101T000000Z-6" / "report.json").write_text("[1, 2]")

    assert [run.folder for run in old_runs(out, timedelta(days=30))] == [old]
    done = run_cli("evidence", "prune", "--older-than", "30d", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert not old.exists()
    assert (unrelated / "data.csv").read_text() == "precious"
    assert (old_file / "report.json").is_file()
    assert all(folder.is_dir() for folder in kept)


def _synthetic_report(folder: Path, status: str) -> dict[str, Any]:
    shot = _png(1280, 900, (200, 220, 240))
    (folder / "01-open.png").write_bytes(shot)
    (folder / "photo-of-record.jpg").write_bytes(_png(96, 96))
    sha = hashlib.sha256(_png(96, 96)).hexdigest()
    stopped = status != "finished"
    verdict = {
        "outcome": "interrupted" if stopped else "synced",
        "exit_code": 130 if stopped else 0,
        "summary": "The run was interrupted." if stopped else "It matches now.",
        "advice": "Run again." if stopped else "Nothing more to do.",
        "failed_step": 1 if stopped else None,
        "detail": "interrupted by the operator" if stopped else None,
        "comparison": {"reference": {"sha256": sha, "source": "account circle"}},
    }
    return report_data(
        status=status,
        scenario={"name": "s", "title": "Re-sync <the> photo", "steps": ["Open", "Check"]},
        upn="adele@contoso.com",
        tenant="sim",
        ticket="INC-1",
        operator="Jane <Doe>",
        finished_at="2026-01-01T10:00:12.500000+00:00",
        last_step={"index": 1, "title": "Open"},
        steps=[
            {
                "index": 1,
                "action": "open",
                "title": "Open",
                "status": "failed" if stopped else "ok",
                "started_at": "2026-01-01T10:00:01+00:00",
                "duration_s": 1.25,
                "url": "https://x.example/",
                "detail": "interrupted by the operator" if stopped else None,
                "data": {},
                "captures": ["01-open.png", "photo-of-record.jpg"],
            }
        ],
        photos={
            "reference": {
                "present": True,
                "kind": "account-circle",
                "source": "account circle",
                "sha256": sha,
            }
        },
        artifacts=[
            {
                "path": "01-open.png",
                "name": "Open",
                "kind": "page",
                "step": 1,
                "description": "Step 1: Open",
                "size": len(shot),
                "sha256": hashlib.sha256(shot).hexdigest(),
            },
            {
                "path": "photo-of-record.jpg",
                "name": "photo-of-record",
                "kind": "photo",
                "step": 1,
                "description": "The photo of record",
                "size": len(_png(96, 96)),
                "sha256": sha,
            },
        ],
        verdict=verdict,
    )


def test_render_embeds_images_escapes_text_and_names_the_stopped_step(tmp_path: Path) -> None:
    report = _synthetic_report(tmp_path, "interrupted")
    written = json.loads(Report.model_validate(report).to_json())
    jsonschema.Draft202012Validator(report_json_schema()).validate(written)
    html = render_html(Report.model_validate(report), tmp_path)
    assert "Jane &lt;Doe&gt;" in html and "Jane <Doe>" not in html
    assert 'src="data:image/png;base64,' in html and 'src="data:image/jpeg;base64,' in html
    assert 'src="01-open.png"' not in html, "no image is referenced by file name"
    assert "Stopped at step 1:</strong> Open" in html
    assert "Last screenshot" in html
    summary = render_summary(Report.model_validate(report), tmp_path.name)
    assert summary.splitlines()[0] == "**Profile photo re-sync: interrupted (exit 130)**"
    assert "- **Stopped at:** step 1, Open (interrupted by the operator)" in summary
    assert "run by Jane <Doe>" in summary and "took 12.5 s" in summary


class _Structure(HTMLParser):
    """Checks nesting (every element closed in order), unique ids and alt text on images."""

    VOID = frozenset({"meta", "img", "br", "input", "link", "hr", "source"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.ids: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if "id" in found:
            self.ids.append(str(found["id"]))
        if tag == "img" and not (found.get("alt") or "").strip():
            self.problems.append(f"img without alt at {self.getpos()}")
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.problems.append(f"</{tag}> out of order at {self.getpos()}")


@pytest.mark.parametrize("status", ["finished", "interrupted"])
def test_rendered_html_is_well_formed(tmp_path: Path, status: str) -> None:
    checker = _Structure()
    report = Report.model_validate(_synthetic_report(tmp_path, status))
    checker.feed(render_html(report, tmp_path))
    assert checker.problems == []
    assert checker.stack == []
    assert len(checker.ids) == len(set(checker.ids))


def _started(out: Path) -> EvidenceRecorder:
    recorder = EvidenceRecorder(out, ticket="INC-9", operator="Op")
    recorder(RunStarted("s", "Title", "a@b.com", "sim", ["Open", "Check"], utc_now(), ENVIRONMENT))
    recorder(StepStarted(1, "open", "Open"))
    recorder(
        Capture(
            1, "Open", ArtifactKind.PAGE, _png(300, 200), "png", "Step 1: Open", "https://x/?code=1"
        )
    )
    return recorder


def test_recorder_stamps_pages_and_ends_an_abandoned_run_with_every_file(tmp_path: Path) -> None:
    recorder = _started(tmp_path)
    assert recorder.folder is not None
    shot = Image.open(recorder.folder / "01-open.png")
    assert shot.height > 200, "the page capture carries its banner"
    assert not (recorder.folder / "manifest.json").exists(), "no manifest while running"

    recorder.abandon(Outcome.INTERRUPTED, "interrupted by the operator")
    report = json.loads((recorder.folder / "report.json").read_text())
    jsonschema.validate(report, report_json_schema())
    assert (report["status"], report["verdict"]["exit_code"]) == ("interrupted", 130)
    assert report["verdict"]["failed_step"] == 1 and report["steps"][0]["status"] == "failed"
    assert report["artifacts"][0]["url"] == "https://x/?code=REDACTED"
    assert verify(recorder.folder).ok
    assert "Stopped at step 1:</strong> Open" in (recorder.folder / "report.html").read_text()


def test_recorder_redacts_a_har_that_arrives_after_the_end_and_renews_the_manifest(
    tmp_path: Path,
) -> None:
    recorder = _started(tmp_path)
    recorder(StepFinished(1, "open", "Open", "ok", 0.5, "https://x/"))
    recorder(RunFinished(decision(Outcome.SYNCED), None, utc_now()))
    assert recorder.folder is not None and verify(recorder.folder).ok
    recorder(Capture(1, "network", ArtifactKind.HAR, _har(), "har", "HAR"))
    recorder(ConsoleLine(utc_now(), "error", f"token {JWT}", None))
    _assert_clean((recorder.folder / "network.har").read_bytes(), "network.har")
    _assert_clean((recorder.folder / "console.log").read_bytes(), "console.log")
    assert verify(recorder.folder).ok, "the manifest covers files written after the end"
    assert "network.har" in (recorder.folder / "report.html").read_text()


def test_recorder_keeps_no_recording_it_cannot_redact(tmp_path: Path) -> None:
    recorder = _started(tmp_path)
    recorder(Capture(1, "trace", ArtifactKind.TRACE, b"not a zip", "zip", "trace"))
    assert recorder.folder is not None and not (recorder.folder / "trace.zip").exists()
    report = json.loads((recorder.folder / "report.json").read_text())
    assert report["warnings"][0].startswith("trace.zip not kept: redaction failed")
