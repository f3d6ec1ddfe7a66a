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
    view, text, _ = view_and_text(page, TargetBook.load())
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


def same_element(a: Locator, b: Locator) -> bool:
    return bool(a.evaluate("(el, other) => el === other", b.element_handle()))


def assert_found_is_the_won_strategys_first_shown(page: Page, book: TargetBook) -> None:
    """A glance that names the element names the one its strategy's own look-up finds."""
    glance = book.glance(page, SIGN_IN)
    if glance.found is None:
        return
    assert glance.found.target == glance.target
    won = book.won[glance.target or ""]
    reference = book._first_shown(page, glance.target or "", [won])[0]
    assert reference is not None and same_element(glance.found.locator, reference.locator)


@pytest.mark.parametrize("saved", PAGES, ids=lambda path: path.stem)
def test_the_element_a_glance_names_is_the_one_a_look_up_finds(page: Page, saved: Path) -> None:
    page.set_content(saved.read_text())
    assert_found_is_the_won_strategys_first_shown(page, TargetBook.load())


# Pages where the element a glance names is not the first match of its selector.
NTH = {
    "hidden matches before the shown one": (
        '<input type="email" name="loginfmt" hidden>' * 3
        + '<input type="email" name="loginfmt" aria-hidden="true">'
        + '<input type="email" name="loginfmt" style="position:absolute;left:-9999px">'
        + '<input type="email" name="loginfmt" id="it">',
        True,
    ),
    "a match in a shadow root before it": (
        '<div id="host"></div><input type="email" name="loginfmt" id="it">'
        "<script>document.getElementById('host').attachShadow({mode: 'open'}).innerHTML ="
        ' \'<input name="loginfmt" type="email" hidden>\';</script>',
        False,
    ),
}


@pytest.mark.parametrize("case", NTH)
def test_a_glance_names_the_shown_element_among_hidden_matches(page: Page, case: str) -> None:
    """Hidden copies of a view's input come before the shown one: the glance names the shown
    one (Playwright's count of the selector's matches), or nothing where it cannot count them
    as Playwright does (a shadow root), and the look-up then finds it."""
    html, named = NTH[case]
    page.set_content(html)
    book = TargetBook.load()
    glance = book.glance(page, SIGN_IN)
    assert glance.target == "signin_email"
    assert (glance.found is not None) == named
    found = glance.found or book.find(page, "signin_email", 1)
    assert found.locator.get_attribute("id") == "it"
    assert_found_is_the_won_strategys_first_shown(page, book)


def test_the_email_view_is_read_and_answered_without_a_second_look_up(
    page: Page, round_trips: list[str]
) -> None:
    """The look that reads the email view names its input: filling it asks nothing more."""
    page.set_content((ROOT / "tests" / "pages" / "signin-email-classic.html").read_text())
    book = TargetBook.load()
    view, _, shown = view_and_text(page, book)
    looks = len(round_trips)
    assert view == "email" and shown is not None and shown.target == "signin_email"
    shown.locator.fill("adele.vance@contoso.onmicrosoft.com")
    assert len(round_trips) == looks, round_trips[looks:]
    assert page.locator("input[name='loginfmt']").input_value().startswith("adele.vance@")


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
    assert_found_is_the_won_strategys_first_shown(page, TargetBook.load())


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
