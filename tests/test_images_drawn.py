"""images_drawn(): one evaluation waits for a page's (or an element's) images before a picture."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator

import pytest
from PIL import Image
from playwright.sync_api import Page

from tests.helpers import QuietHandler, serving
from troubleshooter.pages.images import images_drawn

SLOW_S = 0.4  # long enough that the image is still loading when the wait starts


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 40), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


class _Images(QuietHandler):
    """/slow.png answers after SLOW_S; /never.png never answers; any other image at once."""

    png = _png()

    def do_GET(self) -> None:
        if self.path.startswith("/never"):
            time.sleep(30)  # the test is long over; the thread is a daemon
            return
        if self.path.startswith("/slow"):
            time.sleep(SLOW_S)
        self.answer(self.png, "image/png")


@pytest.fixture(scope="module")
def images_url() -> Iterator[str]:
    with serving(_Images) as url:
        yield url


def _show(page: Page, html: str) -> None:
    """The page as soon as it is parsed: its images are still loading."""
    page.set_content(html, wait_until="domcontentloaded")


def _drawn(page: Page, selector: str) -> list[bool]:
    return page.locator(selector).evaluate_all(
        "els => els.map(img => img.complete && img.naturalWidth > 0)"
    )


def test_the_page_wait_returns_once_a_slow_image_has_drawn(page: Page, images_url: str) -> None:
    _show(page, f'<p>Team</p><img id="a" src="{images_url}/slow.png?{time.time_ns()}">')
    assert _drawn(page, "#a") == [False], "the image is still loading when the wait starts"
    assert images_drawn(page, 10_000) is True
    assert _drawn(page, "#a") == [True]


def test_the_page_wait_gives_up_on_an_image_that_never_comes(page: Page, images_url: str) -> None:
    _show(
        page,
        f'<img id="ok" src="{images_url}/fast.png"><img id="stuck" src="{images_url}/never.png">',
    )
    assert images_drawn(page, 300) is False, "answers after the time limit, without raising"
    assert page.locator("#ok").count() == 1, "the page is still usable"


def test_a_page_without_pending_images_answers_at_once(page: Page) -> None:
    _show(page, "<p>No pictures here</p>")
    assert images_drawn(page, 60_000) is True


def test_the_element_wait_scrolls_a_lazy_image_into_view_and_waits_for_it(
    page: Page, images_url: str
) -> None:
    _show(
        page,
        '<div style="height: 3000px">Top of the page</div>'
        f'<div id="part"><img id="lazy" loading="lazy" src="{images_url}/slow.png?{time.time_ns()}"'
        ' width="40" height="40"></div>',
    )
    assert _drawn(page, "#lazy") == [False], "a lazy image far below the fold has not loaded"
    assert images_drawn(page.locator("#part"), 10_000) is True
    assert _drawn(page, "#lazy") == [True]
    assert page.evaluate("scrollY") > 0, "the element was brought into view"


def test_the_element_wait_covers_only_its_own_images(page: Page, images_url: str) -> None:
    _show(
        page,
        f'<div id="part"><img src="{images_url}/fast.png"></div>'
        f'<img id="elsewhere" src="{images_url}/never.png">',
    )
    assert images_drawn(page.locator("#part"), 10_000) is True
    assert images_drawn(page.locator("#elsewhere"), 300) is False
