"""Target waits in real Chromium: a still page that is waiting on a slow answer is not settled.

Real SharePoint pages render web parts after their API calls answer; a call that takes longer
than ``SETTLE_S`` leaves the DOM unchanged meanwhile. The wait must last until the answer.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page

from tests.helpers import QuietHandler, serving
from troubleshooter.pages.change import requests_under_way, track_requests
from troubleshooter.targets import SETTLE_S, Strategy, Target, TargetBook, TargetNotFound

SLOW_S = SETTLE_S + 2.5

PAGE = b"""<!DOCTYPE html><html><head><title>Site</title></head><body><main>
<h1>People</h1><div id="people"></div>
<script>
fetch('/_api/people').then(r => r.text()).then(name => {
  document.getElementById('people').innerHTML = '<button>' + name + '</button>';
});
</script></main></body></html>"""


class _Handler(QuietHandler):
    def do_GET(self) -> None:
        if self.path == "/_api/people":
            time.sleep(SLOW_S)
            body, kind = b"Adele Vance", "text/plain"
        elif self.path == "/still":
            body, kind = PAGE.replace(b"fetch(", b"void ("), "text/html"
        else:
            body, kind = PAGE, "text/html"
        self.answer(body, kind)


@pytest.fixture(scope="module")
def slow_site() -> Iterator[str]:
    with serving(_Handler) as url:
        yield url


def _book() -> TargetBook:
    entry = Target(
        description="the user's entry",
        strategies=[Strategy(role="button", name="Adele Vance")],
    )
    return TargetBook({"entry": entry})


def test_a_slow_web_part_is_waited_for_past_the_settle_time(page: Page, slow_site: str) -> None:
    track_requests(page.context)  # as the run does for its private context
    page.goto(slow_site + "/")
    assert requests_under_way(page)  # the web part's call, started while the page loaded
    started = time.monotonic()
    found = _book().find(page, "entry", timeout_s=30)
    assert found.locator.inner_text() == "Adele Vance"
    assert time.monotonic() - started >= SETTLE_S  # it did wait past the settle time


def test_a_still_page_with_nothing_under_way_ends_the_wait_early(
    page: Page, slow_site: str
) -> None:
    track_requests(page.context)
    page.goto(slow_site + "/still")
    started = time.monotonic()
    with pytest.raises(TargetNotFound):
        _book().find(page, "entry", timeout_s=60)
    assert time.monotonic() - started < 45  # settled long before the 60 s timeout
