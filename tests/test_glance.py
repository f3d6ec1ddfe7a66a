"""One look at several targets (TargetBook.glance): the same answer as asking one target at a
time, in fewer round trips, on saved real pages and on pages built to trip it up."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page

from tests.helpers import ROOT
from troubleshooter.signin import HOME_TARGET, VIEW_OF, VIEWS, view_and_text
from troubleshooter.targets import Strategy, Target, TargetBook

PAGES = sorted((ROOT / "tests" / "pages").glob("*.html"))
SIGN_IN = [HOME_TARGET, *(target for _, target in VIEWS)]


def one_at_a_time(page: Page, book: TargetBook, names: list[str]) -> str | None:
    """The reference answer: each target's strategies asked in order, one target at a time."""
    return next((name for name in names if book.resolve(page, name)[0]), None)


@pytest.fixture
def round_trips(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The names of the Locator calls that reach the page (each is one round trip)."""
    calls: list[str] = []
    for name in ("evaluate_all", "inner_text"):
        real = getattr(Locator, name)

        def counted(self: Locator, *args: object, _real=real, _name=name, **kwargs: object):  # type: ignore[no-untyped-def]
            calls.append(_name)
            return _real(self, *args, **kwargs)

        monkeypatch.setattr(Locator, name, counted)
    yield calls


@pytest.mark.parametrize("saved", PAGES, ids=lambda path: path.stem)
def test_a_glance_reads_the_view_and_the_text_of_every_saved_page(page: Page, saved: Path) -> None:
    page.set_content(saved.read_text())
    expected = one_at_a_time(page, TargetBook.load(), SIGN_IN)
    view, text = view_and_text(page, TargetBook.load())
    glance = TargetBook.load().glance(page, SIGN_IN, text=True)
    assert glance.target == expected
    assert glance.text == page.locator("body").inner_text()
    assert text == glance.text
    assert view == (VIEW_OF[expected] if expected else None)


@pytest.mark.parametrize(
    ("saved", "most"),
    [("signin-password-classic", 2), ("signin-email-classic", 2), ("home-me-background", 1)],
)
def test_a_glance_costs_one_or_two_round_trips_text_included(
    page: Page, round_trips: list[str], saved: str, most: int
) -> None:
    """The view and the page text in at most two calls (asking one target at a time, then
    reading the text, took about seven)."""
    page.set_content((ROOT / "tests" / "pages" / f"{saved}.html").read_text())
    book = TargetBook.load()
    glance = book.glance(page, SIGN_IN, text=True)
    assert glance.target is not None and glance.text
    assert len(round_trips) <= most, round_trips


# Pages where the plain CSS answer alone would be wrong or cannot be had.
TRICKY = {
    # An earlier view known only by its role (a heading) is shown next to a later view's input.
    "role-only earlier view": (
        '<div role="heading" aria-level="1">Stay signed in?</div>'
        '<input name="passwd" type="password">',
        "kmsi_prompt",
    ),
    # Playwright's CSS reaches into shadow roots; the browser's own matching does not.
    "input in a shadow root": (
        '<input type="email" name="loginfmt"><div id="host"></div>'
        "<script>document.getElementById('host').attachShadow({mode: 'open'}).innerHTML ="
        ' \'<input name="passwd" type="password">\';</script>',
        "signin_password",
    ),
    # aria-hidden rules out the email input, so the shown link decides (landing).
    "aria-hidden input, shown link": (
        '<input type="email" name="loginfmt" aria-hidden="true"><a href="#">Sign in</a>',
        "landing_sign_in",
    ),
    # More matches than one look reads: the answer is still exact.
    "many hidden matches": (
        '<input type="password" hidden>' * 60 + '<input type="email" name="loginfmt">',
        "signin_email",
    ),
    "nothing shown": ('<input type="password" hidden><p>Loading…</p>', None),
}


@pytest.mark.parametrize("case", TRICKY)
def test_a_glance_agrees_with_one_target_at_a_time_on_tricky_pages(page: Page, case: str) -> None:
    html, expected = TRICKY[case]
    page.set_content(html)
    assert one_at_a_time(page, TargetBook.load(), SIGN_IN) == expected
    assert TargetBook.load().glance(page, SIGN_IN).target == expected
    found = TargetBook.load().first_shown_of(page, SIGN_IN)
    assert (found.target if found else None) == expected
    if found is not None:
        assert found.locator.is_visible()


def test_playwright_only_css_and_decorative_targets_are_read_exactly(page: Page) -> None:
    """A selector the browser cannot run (Playwright's ``>>``, ``text=``) and an aria-hidden
    element that only a decorative target may claim."""
    css = lambda selector: Strategy(css=selector)  # noqa: E731
    book = TargetBook(
        {
            "chained": Target(description="chained", strategies=[css("#box >> text=Hello")]),
            "initials": Target(
                description="initials", strategies=[css("#initials")], decorative=True
            ),
            "plain": Target(description="plain", strategies=[css("#plain")]),
        }
    )
    page.set_content(
        '<div id="box"><span>Hello</span></div>'
        '<div id="initials" aria-hidden="true" style="width:40px;height:40px">AV</div>'
        '<button id="plain">Go</button>'
    )
    assert book.glance(page, ["chained", "initials", "plain"]).target == "chained"
    assert book.glance(page, ["initials", "plain"]).target == "initials"
    page.set_content('<div id="box">Bye</div><button id="plain" aria-hidden="true">Go</button>')
    assert book.glance(page, ["chained", "plain"]).target is None
    assert book.glance(page, ["chained", "plain", "initials"], text=True).text == "Bye\nGo"
