"""The edge checks: plausible UPNs, labels, waits, durations, URLs and tenant names."""

from __future__ import annotations

from datetime import timedelta

import pytest

from troubleshooter.errors import BadInputError
from troubleshooter.validate import (
    check_site,
    check_ticket,
    check_upn,
    check_url,
    check_wait,
    parse_duration,
    tenant_name_of,
)

GOOD_UPNS = [
    "adele.vance@contoso.onmicrosoft.com",
    "o'brien@contoso.com",
    "a_b-c~d^e#f!g@sub.contoso.co.uk",
]


@pytest.mark.parametrize("upn", GOOD_UPNS)
def test_plausible_upns_pass(upn: str) -> None:
    assert check_upn(upn) == upn


@pytest.mark.parametrize(
    ("upn", "words"),
    [
        ("adele", "sign-in name"),
        ("adele@", "sign-in name"),
        ("@contoso.com", "sign-in name"),
        ("adele@contoso", "sign-in name"),
        ("аdele@contoso.com", "look-alike"),  # Cyrillic а
        ("adele@соntoso.com", "look-alike"),
        ("$(reboot)@contoso.com", "before the @"),
        ("a;rm -rf@contoso.com", "before the @"),
        ("\x1b[31madele@contoso.com", "control"),
        ("adele\u202e@contoso.com", "control"),
        ("a" * 1000 + "@contoso.com", "too long"),
        ("adele@" + "c" * 60 + ".com", "too long"),
        ("ad..ele@contoso.com", "sign-in name"),
    ],
)
def test_implausible_upns_are_refused_without_echoing_controls(upn: str, words: str) -> None:
    with pytest.raises(BadInputError) as caught:
        check_upn(upn)
    message = caught.value.message
    assert words in message
    assert "\n" not in message
    assert not any(ch in message for ch in "\x1b\u202e")
    assert len(message) < 300


@pytest.mark.parametrize("ticket", ["INC0012345", "CS-1042", "case #12"])
def test_tickets(ticket: str) -> None:
    assert check_ticket(ticket) == ticket


@pytest.mark.parametrize(
    "ticket", ["a\nb", "../x", "x" * 65, " ", "a\x1bb", "a/../b\u202e", "INC/1", "ünï"]
)
def test_bad_tickets(ticket: str) -> None:
    with pytest.raises(BadInputError, match="--ticket"):
        check_ticket(ticket)


@pytest.mark.parametrize("value", [float("inf"), float("nan"), -1.0, 86401.0])
def test_waits_are_bounded(value: float) -> None:
    with pytest.raises(BadInputError, match="--poll-timeout"):
        check_wait(value, "--poll-timeout")


def test_a_day_is_the_longest_wait() -> None:
    assert check_wait(86400.0, "--poll-timeout") == 86400.0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30d", timedelta(days=30)),
        ("12h", timedelta(hours=12)),
        ("90min", timedelta(minutes=90)),
        ("4w", timedelta(weeks=4)),
        ("45s", timedelta(seconds=45)),
    ],
)
def test_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text, "--older-than", timedelta(days=3650)) == expected


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("1m", "minutes or months"),
        ("3mo", "minutes or months"),
        ("10", "unit"),
        ("5y", "unknown unit"),
        ("999999w", "at most"),
        ("1e400d", "unit"),
    ],
)
def test_bad_durations(text: str, words: str) -> None:
    with pytest.raises(BadInputError, match="--older-than") as caught:
        parse_duration(text, "--older-than", timedelta(days=3650))
    assert words in caught.value.message


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "file:///etc/passwd",
        "contoso",
        "http://contoso.sharepoint.com",
        "https://user:pw@contoso.sharepoint.com",
        "https://",
        "https://a b.com",
    ],
)
def test_bad_urls(url: str) -> None:
    with pytest.raises(BadInputError, match="--site"):
        check_url(url, "--site")


def test_loopback_http_only_when_allowed() -> None:
    url = "http://contoso.sharepoint.localhost:8080/sites/x"
    assert check_url(url, "--site", allow_loopback_http=True) == url
    with pytest.raises(BadInputError, match="https"):
        check_url(url, "--site")


def test_site_must_be_on_the_tenants_sharepoint() -> None:
    sp, my = "https://contoso.sharepoint.com", "https://contoso-my.sharepoint.com"
    ok = "https://contoso.sharepoint.com/sites/intranet"
    assert check_site(ok, sp, my, allow_loopback_http=False) == ok
    with pytest.raises(BadInputError, match="not on this tenant"):
        check_site("https://fabrikam.sharepoint.com/sites/x", sp, my, allow_loopback_http=False)


@pytest.mark.parametrize(
    ("spec", "name"),
    [
        ("contoso", "contoso"),
        ("contoso.onmicrosoft.com", "contoso"),
        ("https://contoso.sharepoint.com", "contoso"),
        ("contoso.sharepoint.com", "contoso"),
        ("https://contoso-my.sharepoint.com/personal/x", "contoso"),
        ("Contoso", "contoso"),
        ("not a tenant", None),
        ("https://example.com", None),
    ],
)
def test_tenant_names(spec: str, name: str | None) -> None:
    assert tenant_name_of(spec) == name
