"""The parts of check and guide that need no browser: the users file, Retry-After, the gate,
exit codes, verdicts and the message."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from troubleshooter.audit.check import exit_code
from troubleshooter.audit.message import render_message
from troubleshooter.audit.users import BadRow, UserRow, from_csv, from_options
from troubleshooter.audit.verdicts import Verdict, decide
from troubleshooter.errors import BadInputError
from troubleshooter.retry import Gate, retry_after_seconds
from troubleshooter.sim.photos import placeholder_png
from troubleshooter.sim.users import current_photo, old_photo

A = "adele.vance@contoso.onmicrosoft.com"
B = "megan.bowen@contoso.onmicrosoft.com"


def write(tmp_path: Path, text: str | bytes, name: str = "users.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def test_rows_are_streamed_with_their_line_numbers_and_columns(tmp_path: Path) -> None:
    path = write(tmp_path, f"UPN,Department\n{A},Retail\n\n  \n{B},=cmd()\n")
    source = from_csv(path)
    assert source.columns == ("Department",)
    assert source.count == 2
    rows = list(source.rows())
    assert rows == [
        UserRow(2, A, {"Department": "Retail"}),
        UserRow(5, B, {"Department": "=cmd()"}),
    ]


def test_bad_rows_are_named_and_the_others_kept(tmp_path: Path) -> None:
    path = write(tmp_path, f"upn,team\n{A},x\nnot-a-upn,y\n,z\n{A.upper()},w\n{B},a,extra\n")
    rows = list(from_csv(path).rows())
    assert rows[0] == UserRow(2, A, {"team": "x"})
    bad = [r for r in rows if isinstance(r, BadRow)]
    assert [b.message for b in bad] == [
        "line 3: upn 'not-a-upn': expected the user's sign-in name (UPN), like jane@contoso.com",
        "line 4: no upn in this row",
        f"line 5: {A.upper()} is listed twice; checked once",
        "line 6: 3 fields, but the header names 2",
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("email,name\na@b.com,x\n", "line 1 must name a 'upn' column (found 'email', 'name')"),
        ("upn\n\n\n", "no users below the header line"),
        ("", "line 1 must name a 'upn' column (found nothing)"),
        (b"upn\n\xe9mile@contoso.com\n", "not UTF-8 text (byte 4); save it as CSV UTF-8"),
    ],
)
def test_a_file_that_cannot_be_used_is_one_clear_error(
    tmp_path: Path, content: str | bytes, message: str
) -> None:
    path = write(tmp_path, content)
    with pytest.raises(BadInputError) as caught:
        from_csv(path)
    assert caught.value.message == f"--users {path}: {message}"


def test_a_bom_from_excel_is_fine(tmp_path: Path) -> None:
    path = write(tmp_path, "\ufeffupn\r\n" + A + "\r\n")
    assert list(from_csv(path).rows()) == [UserRow(2, A)]


def test_photo_column_and_photos_folder(tmp_path: Path) -> None:
    (tmp_path / "hr").mkdir()
    (tmp_path / "hr" / f"{A}.jpg").write_bytes(b"x")
    (tmp_path / "b.png").write_bytes(b"x")
    path = write(tmp_path, f"upn,photo\n{A},\n{B},b.png\nlee.gu@contoso.com,missing.png\n")
    rows = list(from_csv(path).rows(photos=tmp_path / "hr"))
    assert [getattr(r, "photo", None) for r in rows[:2]] == [
        tmp_path / "hr" / f"{A}.jpg",
        tmp_path / "b.png",
    ]
    assert isinstance(rows[2], BadRow) and rows[2].problem == "photo missing.png: file not found"


def test_user_options_are_checked() -> None:
    with pytest.raises(BadInputError, match="given twice"):
        from_options([A, A.upper()])
    with pytest.raises(BadInputError, match="expected the user's sign-in name"):
        from_options(["adele"])


def test_retry_after_in_seconds_or_as_an_http_date() -> None:
    now = datetime(2026, 11, 24, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("7", now) == 7.0
    later = format_datetime(now + timedelta(seconds=30), usegmt=True)
    assert retry_after_seconds(later, now) == 30.0
    earlier = format_datetime(now - timedelta(seconds=30), usegmt=True)
    assert retry_after_seconds(earlier, now) == 0.0
    assert retry_after_seconds("soon", now) is None
    assert retry_after_seconds("", now) is None


def test_the_gate_pauses_once_for_everyone_and_keeps_a_budget() -> None:
    slept: list[float] = []
    gate = Gate(max_tries=3, budget_s=5, sleep=slept.append)
    gate.throttle("2")
    gate.throttle("1")  # a shorter answer never shortens the pause already asked for
    gate.wait()
    assert len(slept) == 1 and 1.9 < slept[0] <= 2.0
    assert gate.throttled == 2
    gate.throttle("")  # no header: exponential backoff (third in a row: 4 s, plus jitter)
    gate.wait()
    assert sum(slept) == pytest.approx(5.0), "never waits beyond the budget (5 s in all)"
    assert gate.exhausted


def test_exit_codes() -> None:
    assert exit_code({"in-sync": 3, "no-photo-of-record": 1}, single=False) == 0
    assert exit_code({"in-sync": 3, "stale": 1}, single=False) == 1
    assert exit_code({"bad-row": 1, "in-sync": 2}, single=False) == 1
    assert exit_code({"placeholder": 1}, single=True) == 3
    assert exit_code({"no-photo-of-record": 1}, single=True) == 4
    assert exit_code({"stale": 1}, single=True) == 1
    assert exit_code({"in-sync": 1}, single=True) == 0


def test_verdicts() -> None:
    new, old = current_photo("adele.vance", "AV"), old_photo("adele.vance", "AV")
    grey = placeholder_png(240)
    assert decide(new, 200, new, 200, True).verdict == Verdict.IN_SYNC
    stale = decide(new, 200, old, 200, True)
    assert stale.verdict == Verdict.STALE and stale.measures["distance"] > 12
    assert decide(new, 200, grey, 200, True).verdict == Verdict.PLACEHOLDER
    assert decide(None, 404, grey, 200, None).verdict == Verdict.NO_PHOTO_OF_RECORD
    assert decide(None, 404, grey, 200, False).verdict == Verdict.UNKNOWN_USER
    assert decide(None, 401, grey, 200, None).verdict == Verdict.ERROR
    assert decide(new, 200, None, 403, True).verdict == Verdict.ERROR


def test_the_message_has_the_tenants_links_and_every_private_window_key() -> None:
    message = render_message(
        upn=A,
        name="Adele <Vance>",
        home="https://www.office.com",
        sharepoint="https://contoso.sharepoint.com",
        site="https://contoso.sharepoint.com/sites/team",
        placeholder=False,
    )
    for text in (message.markdown, message.html):
        assert "https://www.office.com" in text
        assert "https://contoso.sharepoint.com/sites/team" in text
        assert "search.aspx/people?q=Adele%20%3CVance%3E" in text
        for keys in ("Ctrl+Shift+N", "Cmd+Shift+N", "Ctrl+Shift+P", "Shift+Cmd+N"):
            assert keys in text
        assert "24 hours" in text and "never ask for your password" in text
    assert "Adele &lt;Vance&gt;" in message.html and "<Vance>" not in message.html
    no_site = render_message(
        upn=A,
        name="",
        home="h",
        sharepoint="https://s",
        site=None,
        placeholder=True,
    )
    assert "Show more results" in no_site.markdown and "grey placeholder" in no_site.markdown


def test_all_placeholders_point_at_the_service_not_the_users() -> None:
    from collections import Counter
    from types import SimpleNamespace

    from troubleshooter.audit.check import _warnings

    everyone_grey = SimpleNamespace(counts=Counter({"placeholder": 6, "no-photo-of-record": 2}))
    assert "service issue" in _warnings(everyone_grey)[0]  # type: ignore[arg-type]
    some_grey = SimpleNamespace(counts=Counter({"placeholder": 6, "in-sync": 1}))
    assert _warnings(some_grey) == []  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["check.schema.json", "guide.schema.json"])
def test_shipped_schemas_are_generated_from_the_models(name: str) -> None:
    from troubleshooter.audit.model import SCHEMA_FILES, SCHEMAS, schema_text

    assert (SCHEMAS / name).read_text(encoding="utf-8") == schema_text(SCHEMA_FILES[name]), (
        "regenerate: python -m troubleshooter.audit.model"
    )


def test_prune_knows_check_and_guide_folders(tmp_path: Path) -> None:
    import json

    from troubleshooter.evidence.prune import run_started

    for name, extra in (
        ("check-20200101T000000Z", {"kind": "check"}),
        (f"{A}-20200101T000000Z", {"kind": "guide", "upn": A}),
    ):
        folder = tmp_path / name
        folder.mkdir()
        report = {"report_version": 1, "run_id": "x", "started_at": "2020-01-01T00:00:00+00:00"}
        (folder / "report.json").write_text(json.dumps({**report, **extra}))
        assert run_started(folder) == datetime(2020, 1, 1, tzinfo=UTC)
