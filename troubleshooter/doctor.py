"""Health checks: browser, Playwright, a test launch, and whether the tenant URLs answer."""

from __future__ import annotations

from dataclasses import dataclass

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

from troubleshooter.browser import choose_browser, launch
from troubleshooter.errors import BrowserError, first_line
from troubleshooter.tenant import TenantProfile


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


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
        checks.append(Check("Browser found", True, choice.describe()))
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
