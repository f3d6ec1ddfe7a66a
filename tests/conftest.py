"""Fixtures for the simulated tenant tests: the sim itself and the browser launch options."""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Callable, Iterator
from typing import Any

import imagehash
import pytest
from PIL import Image
from playwright.sync_api import Page, Playwright, expect

from troubleshooter.browser import PRIVATE_CONTEXT, choose_browser, launch_args
from troubleshooter.sim import DEMO_PASSWORD, SimOptions, SimTenant

TEST_SYNC_DELAY = 0.3


def launch_options(base: dict[str, Any], playwright: Playwright) -> dict[str, Any]:
    """The same browser, with the same flags, as the tool itself would launch."""
    choice = choose_browser(playwright)
    options: dict[str, Any] = {**base, "args": launch_args()}
    if choice.executable and choice.source != "playwright":
        options["executable_path"] = choice.executable
    return options


@pytest.fixture(scope="session")
def browser_type_launch_args(
    browser_type_launch_args: dict[str, Any], playwright: Playwright
) -> dict[str, Any]:
    """pytest-playwright launches the tool's browser (e.g. /usr/bin/chromium, --no-sandbox)."""
    return launch_options(browser_type_launch_args, playwright)


@pytest.fixture(scope="session")
def base_url() -> str | None:
    """No base URL: tests open the sim's own URLs. (pytest-base-url's own fixture, which
    ``browser_context_args`` asks for, trips a pytest deprecation warning.)"""
    return None


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """Every context (``context``, ``page``, ``new_context()``) is private like the tool's.

    pytest-playwright's own ``new_context`` makes them, so ``--tracing retain-on-failure`` and
    ``--screenshot only-on-failure`` keep a failing test's trace and screenshot.
    """
    return {**browser_context_args, **PRIVATE_CONTEXT}


@pytest.fixture(scope="session")
def sim() -> Iterator[SimTenant]:
    """One tenant for the whole session; tests that change photos use ``make_sim`` instead."""
    tenant = SimTenant(options=SimOptions(sync_delay=TEST_SYNC_DELAY))
    tenant.start(host="127.0.0.1", port=0)
    try:
        yield tenant
    finally:
        tenant.stop()


@pytest.fixture
def make_sim() -> Iterator[Callable[..., SimTenant]]:
    """Start fresh tenants with the given options; all are stopped after the test."""
    started: list[SimTenant] = []

    def factory(**options: Any) -> SimTenant:
        options.setdefault("sync_delay", TEST_SYNC_DELAY)
        tenant = SimTenant(options=SimOptions(**options))
        started.append(tenant.start(host="127.0.0.1", port=0))
        return tenant

    try:
        yield factory
    finally:
        for tenant in started:
            tenant.stop()


def _classic_sign_in(page: Page, upn: str, password: str = DEMO_PASSWORD) -> None:
    """Fill the classic email and password pages (the caller handles what follows)."""
    page.locator("#i0116").fill(upn)
    page.locator("#idSIButton9").click()
    # The view switches in place; #i0118 is in the DOM (off-screen) before it shows.
    expect(page.get_by_role("heading", name="Enter password")).to_be_visible()
    page.locator("#i0118").fill(password)
    page.locator("#idSIButton9").click()


def _sign_in_to(page: Page, url: str, upn: str, kmsi: bool = False) -> None:
    """Open ``url`` and sign in with the classic flow, answering "Stay signed in?"."""
    page.goto(url)
    _classic_sign_in(page, upn)
    expect(page.get_by_role("heading", name="Stay signed in?")).to_be_visible()
    page.locator("#idSIButton9" if kmsi else "#idBtn_Back").click()
    page.wait_for_url(re.compile(r"^(?!.*login\.microsoftonline).*$"))


@pytest.fixture
def classic_sign_in() -> Callable[..., None]:
    """``classic_sign_in(page, upn, password=DEMO_PASSWORD)``: the email and password pages."""
    return _classic_sign_in


@pytest.fixture
def sign_in_to() -> Callable[..., None]:
    """``sign_in_to(page, url, upn, kmsi=False)``: open a page and sign in until back on it."""
    return _sign_in_to


def _image_phash(page: Page, selector: str) -> imagehash.ImageHash:
    """pHash of the pixels an <img> on the page shows (whatever cache they came from)."""
    img = page.locator(selector).first
    expect(img).to_have_js_property("complete", True)
    data_url = img.evaluate(
        """(img) => {
            const c = document.createElement('canvas');
            c.width = img.naturalWidth; c.height = img.naturalHeight;
            c.getContext('2d').drawImage(img, 0, 0);
            return c.toDataURL('image/png');
        }"""
    )
    raw = base64.b64decode(data_url.split(",", 1)[1])
    return imagehash.phash(Image.open(io.BytesIO(raw)).convert("L"))


def phash_of(data: bytes) -> imagehash.ImageHash:
    return imagehash.phash(Image.open(io.BytesIO(data)).convert("L"))


@pytest.fixture
def shown_phash() -> Callable[[Page, str], imagehash.ImageHash]:
    """``shown_phash(page, selector)``: pHash of the image an <img> displays."""
    return _image_phash


@pytest.fixture
def bytes_phash() -> Callable[[bytes], imagehash.ImageHash]:
    """``bytes_phash(data)``: pHash of image bytes."""
    return phash_of
