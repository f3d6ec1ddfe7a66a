"""The page map against real-structure pages: what counts as shown, and `pages check`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import Page

from tests.helpers import ROOT, run_cli
from troubleshooter.signin import HOME_TARGET, VIEWS, current_view
from troubleshooter.targets import TargetBook

PAGES = sorted((ROOT / "tests" / "pages").glob("*.html"))
EMAIL_PAGE = ROOT / "tests" / "pages" / "signin-email-classic.html"


def test_real_email_view_is_read_as_email_though_the_password_input_is_there(page: Page) -> None:
    page.set_content(EMAIL_PAGE.read_text())
    hidden = page.locator("#i0118")
    assert hidden.is_visible(), "Playwright alone calls the off-screen password input visible"
    book = TargetBook.load()
    found, misses = book.resolve(page, "signin_password")
    assert found is None
    assert all("none shown" in m.reason or "no element" in m.reason for m in misses)
    assert any("hidden by CSS" in m.reason or "aria-hidden" in m.reason for m in misses)
    assert current_view(page, book) == "email"


@pytest.mark.parametrize(
    ("style", "reason"),
    [
        ('aria-hidden="true"', "aria-hidden"),
        ('class="moveOffScreen" style="position:static;opacity:1"', "off-screen class"),
        ('style="position:absolute;left:-10000px;top:0"', "off-screen by position"),
        ('style="width:1px;height:1px;padding:0;border:0"', "too small to see"),
        ('style="opacity:0"', "hidden by CSS"),
        ('style="clip-path:inset(50%)"', "clipped away"),
        ("hidden", "not rendered"),
    ],
)
def test_each_way_of_hiding_an_input_is_seen_through(page: Page, style: str, reason: str) -> None:
    page.set_content(
        "<style>.moveOffScreen{position:fixed;width:1px;height:1px}</style>"
        f'<input name="passwd" type="password" id="i0118" {style}>'
    )
    book = TargetBook.load()
    found, misses = book.resolve(page, "signin_password")
    assert found is None
    assert any(reason in m.reason for m in misses), misses
    page.set_content('<input name="passwd" type="password" id="i0118">')
    assert book.try_find(page, "signin_password") is not None


def test_corpus_passes() -> None:
    assert len(PAGES) >= 12
    result = run_cli("pages", "check", *map(str, PAGES))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"OK: {len(PAGES)} page(s); every needed target found" in result.stdout
    assert "sign-in view read: email (saved in view email)" in result.stdout
    assert "sign-in view read: password (saved in view password)" in result.stdout


def test_a_target_removed_from_a_copy_fails_with_a_clear_line(tmp_path: Path) -> None:
    data = yaml.safe_load((ROOT / "troubleshooter" / "targets.yaml").read_text())
    del data["sharepoint_icon"]
    copy = tmp_path / "targets.yaml"
    copy.write_text(yaml.safe_dump(data, sort_keys=False))
    result = run_cli("pages", "check", *map(str, PAGES), "--targets", str(copy))
    assert result.returncode == 1, result.stdout + result.stderr
    page = ROOT / "tests" / "pages" / "home-launcher-open.html"
    assert (
        f"FAIL {page.relative_to(ROOT)}: needed target sharepoint_icon not found "
        "(tried: (none) → this targets file has no such target)"
    ) in result.stdout.replace(str(ROOT) + "/", "")


def test_a_strategy_that_no_longer_matches_says_why(tmp_path: Path) -> None:
    data = yaml.safe_load((ROOT / "troubleshooter" / "targets.yaml").read_text())
    data["signin_email"]["strategies"] = [{"css": "input[name='passwd']"}]
    copy = tmp_path / "targets.yaml"
    copy.write_text(yaml.safe_dump(data, sort_keys=False))
    shutil.copy(EMAIL_PAGE, tmp_path / "email.html")
    result = run_cli("pages", "check", str(tmp_path / "email.html"), "--targets", str(copy))
    assert result.returncode == 1
    assert (
        "needed target signin_email not found (tried: css=\"input[name='passwd']\" → "
        "1 match, none shown: hidden by CSS (display, visibility or opacity))"
    ) in result.stdout
    assert "the tool would read sign-in view none, the page was saved in view email" in (
        result.stdout
    )


def test_bad_paths_are_one_line_exit_2(tmp_path: Path) -> None:
    result = run_cli("pages", "check", str(tmp_path / "nope.html"))
    assert result.returncode == 2
    assert result.stderr.strip() == f"error: {tmp_path / 'nope.html'}: no such file or folder"
    result = run_cli("pages", "check", str(tmp_path))
    assert result.returncode == 2
    assert "no saved pages in this folder" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("saved", PAGES, ids=lambda path: path.stem)
def test_the_batched_view_lookup_agrees_with_asking_one_target_at_a_time(
    page: Page, saved: Path
) -> None:
    page.set_content(saved.read_text())
    names = [HOME_TARGET, *(target for _, target in VIEWS)]
    one_by_one = TargetBook.load()
    expected = next((name for name in names if one_by_one.resolve(page, name)[0]), None)
    found = TargetBook.load().first_shown_of(page, names)
    assert (found.target if found else None) == expected


def test_the_batched_lookup_returns_the_first_shown_in_order(page: Page) -> None:
    page.set_content(
        '<input name="passwd" type="password" id="i0118">'
        '<input type="email" name="loginfmt" id="i0116" aria-hidden="true">'
        '<a href="#">Sign in</a>'
    )
    book = TargetBook.load()
    order = ["signin_email", "signin_password", "landing_sign_in"]
    found = book.first_shown_of(page, order)
    assert found is not None and found.target == "signin_password"
    assert book.first_shown_of(page, ["signin_email", "kmsi_prompt"]) is None
    assert current_view(page, book) == "password"
