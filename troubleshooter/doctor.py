"""Health checks: browser, Playwright, a test launch, and whether the tenant URLs answer."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

from troubleshooter.browser import BrowserChoice, choose_browser, display_problem, launch
from troubleshooter.errors import BrowserError, first_line
from troubleshooter.tenant import TenantProfile


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    note: bool = False  # worth knowing, not a failure

    @property
    def result(self) -> str:
        return "FAILED" if not self.ok else ("note" if self.note else "ok")


# Where Playwright looks for a channel (its own list); a channel that is not there cannot start.
_PROGRAM_FILES = [
    os.environ.get(k, "") for k in ("PROGRAMFILES", "PROGRAMFILES(X86)", "LOCALAPPDATA")
]
CHANNEL_PATHS: dict[str, list[str]] = {
    "msedge": [
        "/opt/microsoft/msedge/msedge",
        "/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge",
        *(rf"{base}\Microsoft\Edge\Application\msedge.exe" for base in _PROGRAM_FILES if base),
    ],
    "chrome": [
        "/opt/google/chrome/chrome",
        "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
        *(rf"{base}\Google\Chrome\Application\chrome.exe" for base in _PROGRAM_FILES if base),
    ],
}


def _found(choice: BrowserChoice) -> Check:
    """A channel counts as found only when its executable is where Playwright looks."""
    if choice.channel in CHANNEL_PATHS:
        paths = CHANNEL_PATHS[choice.channel]
        where = next((p for p in paths if Path(p).is_file()), None)
        if where is None:
            looked = "; ".join(p for p in paths if p.startswith("/") == (os.sep == "/"))
            return Check(
                "Browser found", False, f"{choice.channel}: not installed (looked in {looked})"
            )
        return Check("Browser found", True, f"{choice.channel} at {where}")
    return Check("Browser found", True, choice.describe())


def display_check() -> Check:
    """Can a browser window open here (--headed, --sign-in interactive)?"""
    problem = display_problem(True)
    if problem:
        return Check(
            "Display", True, "none: headless runs work; a window needs xvfb-run or a desktop", True
        )
    shown = os.environ.get("WAYLAND_DISPLAY") or os.environ.get("DISPLAY")
    return Check("Display", True, f"{shown}" if shown else f"{sys.platform} desktop")


def run_checks(
    tenant: TenantProfile | None,
    executable_path: str | None = None,
    channel: str | None = None,
    endpoint: str | None = None,
) -> list[Check]:
    """Every check, in order; later checks are skipped when the browser cannot start."""
    from playwright._repo_version import version as playwright_version

    checks = [Check("Playwright", True, f"version {playwright_version}")]
    with sync_playwright() as playwright:
        try:
            choice = choose_browser(playwright, executable_path, channel, endpoint)
        except BrowserError as exc:
            return [*checks, Check("Browser found", False, exc.message)]
        found = _found(choice)
        checks.append(found)
        checks.append(display_check())
        if not found.ok:
            return checks
        try:
            browser = launch(playwright, choice)
        except BrowserError as exc:
            return [*checks, Check("Browser starts", False, exc.message)]
        try:
            checks.append(Check("Browser starts", True, f"version {browser.version}"))
            if tenant is not None:
                checks.extend(_reachability(browser, tenant))
        finally:
            browser.close()
    return checks


def _reachability(browser: object, tenant: TenantProfile) -> list[Check]:
    context = browser.new_context()  # type: ignore[attr-defined]
    page = context.new_page()
    results = []
    try:
        for name, url in tenant.variables().items():
            try:
                response = page.goto(url, timeout=15_000, wait_until="commit")
                status = response.status if response else 0
                # Any HTTP answer (a sign-in redirect, even 401/403) proves the host is reachable.
                results.append(Check(f"Tenant {name}", status > 0, f"{url} → HTTP {status}"))
            except PlaywrightError as exc:
                results.append(Check(f"Tenant {name}", False, f"{url}: {first_line(exc)}"))
    finally:
        context.close()
    return results
