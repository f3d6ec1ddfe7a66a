"""Small pieces of what people see: the time format, banners, enlarged captures, wrapped
composite captions, HAR timings, and the exit-codes list."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta, timezone

from PIL import Image, ImageDraw, ImageFont

from tests.helpers import run_cli
from troubleshooter.composite import PANEL_PX, _wrap
from troubleshooter.evidence.redact import redact_har
from troubleshooter.evidence.render import human_time, says_more
from troubleshooter.evidence.stamp import GOOD_BG, banner_png, enlarged
from troubleshooter.verdict import all_outcomes


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (10, 120, 200)).save(out, "PNG")
    return out.getvalue()


def test_human_time_is_utc_to_the_second() -> None:
    assert human_time("2026-11-24T21:34:18.123456+00:00") == "2026-11-24 21:34:18 UTC"
    plus_two = timezone(timedelta(hours=2))
    assert human_time(datetime(2026, 1, 1, 12, 0, 5, tzinfo=plus_two)) == "2026-01-01 10:00:05 UTC"
    assert human_time(datetime(2026, 1, 1, tzinfo=UTC)) == "2026-01-01 00:00:00 UTC"


def test_banner_sits_above_the_whole_picture() -> None:
    out = banner_png(_png(600, 300), "Verdict: synced", ["Ticket 1 · a@b.com", "It matches."], True)
    with Image.open(io.BytesIO(out)) as image:
        rgb = image.convert("RGB")
        assert rgb.width == 600 and rgb.height > 300
        assert rgb.getpixel((1, 1)) == GOOD_BG
        assert rgb.getpixel((300, rgb.height - 1)) == (10, 120, 200), "nothing covered"


def test_small_captures_are_enlarged_by_a_whole_factor() -> None:
    content, factor = enlarged(_png(32, 32))
    assert factor == 5
    with Image.open(io.BytesIO(content)) as image:
        assert image.size == (160, 160)
    big = _png(400, 200)
    assert enlarged(big) == (big, 1)


def test_composite_captions_wrap_at_their_separators() -> None:
    draw = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    font = ImageFont.load_default(size=16)
    text = "pHash 34 · structure 1124.1 · fit 1.12\nbrightness 7.3 · contrast 29.9%"
    wrapped = _wrap(draw, text, font, PANEL_PX)
    assert wrapped.replace("\n", " · ").split(" · ") == text.replace("\n", " · ").split(" · ")
    assert all(draw.textlength(line, font=font) <= PANEL_PX for line in wrapped.splitlines())


def test_har_timings_follow_har_1_2() -> None:
    timings = {"blocked": -1, "dns": -1, "connect": -1, "ssl": -1, "send": 0.5}
    entry = {
        "time": 3.0,
        "request": {"headers": [], "cookies": [], "queryString": []},
        "response": {"headers": [], "cookies": [], "content": {}},
        "timings": {**timings, "wait": -1, "receive": -1},
    }
    har = json.loads(redact_har(json.dumps({"log": {"entries": [entry]}}).encode()))
    written = har["log"]["entries"][0]["timings"]
    assert written == {**timings, "wait": 0, "receive": 0}, "-1 only where HAR 1.2 allows it"


def test_exit_codes_are_sorted_and_give_advice() -> None:
    result = run_cli("exit-codes")
    assert result.returncode == 0
    codes = [int(line.split()[0]) for line in result.stdout.splitlines() if line[:3].strip()]
    assert codes == sorted(codes) and len(codes) == len(all_outcomes())
    assert result.stdout.count("Next: ") == len(all_outcomes())


def test_a_password_that_is_a_word_is_blanked_as_a_value_not_in_prose() -> None:
    from troubleshooter.evidence.redact import REDACTED, without_secrets

    word = ["network"]
    prose = "check the network, the VPN or proxy"
    assert without_secrets(prose, word) == prose, "the message stays readable"
    assert without_secrets("network", word) == REDACTED
    assert without_secrets("login?passwd=network&x=1", word) == f"login?passwd={REDACTED}&x=1"
    assert without_secrets({"value": "network"}, word) == {"value": REDACTED}
    assert without_secrets('{"password": "network"}', word) == f'{{"password": "{REDACTED}"}}'
    strong = "Quartz-Zebra-7741!&Plum"
    assert without_secrets(f"typed {strong} here", [strong]) == f"typed {REDACTED} here"


def test_a_finished_run_that_failed_a_step_names_it_once(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.test_evidence_unit import _synthetic_report
    from troubleshooter.evidence.model import Report
    from troubleshooter.evidence.render import render_html, render_summary

    data = _synthetic_report(tmp_path, "interrupted")
    detail = "the sign-in page does not know adele@contoso.com"
    data["status"] = "finished"
    data["verdict"].update(  # type: ignore[union-attr]
        outcome="unknown-account", exit_code=11, summary="Unknown.", detail=detail
    )
    data["steps"][0]["detail"] = detail  # type: ignore[index]
    report = Report.model_validate(data)
    summary = render_summary(report, tmp_path.name)
    assert f"- **Stopped at:** step 1, Open ({detail})" in summary
    html = render_html(report, tmp_path)
    box = html.split('id="verdict"')[1].split("</div>")[0]
    assert box.count(detail) == 1, "said once in the verdict box"
    assert "Stopped at step 1:</strong> Open</p>" in html


def test_a_failure_box_does_not_say_the_same_sentence_twice() -> None:
    summary = "Sign-in refused the password (AADSTS50126)."
    restated = "the password for adele.vance@contoso.onmicrosoft.com was refused (AADSTS50126)"
    assert not says_more(restated, summary)
    assert not says_more("", summary) and not says_more(None, summary)
    news = 'stopped on the "Stay signed in?" page'
    assert says_more(news, "Sign-in stopped on a page the tool does not recognise.")
    assert says_more("HTTP 500 from contoso.sharepoint.com", "A page did not load.")
    assert not says_more("A page did not load", "A page did not load.", "more said")
