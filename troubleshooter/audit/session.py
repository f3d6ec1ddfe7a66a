"""One private browser session signed in as the operator (the helpdesk's own account).

The same browser choice, private context, sign-in strategies and identity check as ``run``;
only the account differs: the operator's, never the user's.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

from playwright.sync_api import BrowserContext, Page
from playwright.sync_api import Error as PlaywrightError

from troubleshooter.browser import choose_browser, launch, new_private_context
from troubleshooter.context import SessionOptions
from troubleshooter.credentials import Credentials
from troubleshooter.errors import BrowserError, PageError, TroubleshooterError
from troubleshooter.evidence.redact import without_secrets
from troubleshooter.runner import driver
from troubleshooter.signin import confirm_identity, sign_in_with_password, wait_for_person
from troubleshooter.targets import TargetBook
from troubleshooter.tenant import TenantProfile
from troubleshooter.verdict import Outcome

SIGN_IN_TIMEOUT_S = 120.0


@dataclass
class OperatorSession:
    context: BrowserContext
    page: Page
    operator: str
    display_name: str
    confirmed_as: str | None
    browser: str
    browser_version: str


@contextlib.contextmanager
def operator_session(
    tenant: TenantProfile,
    operator: str,
    session: SessionOptions,
    credentials: Credentials,
    targets: TargetBook | None = None,
) -> Iterator[OperatorSession]:
    """Start the browser, sign in to the Microsoft 365 home as ``operator``, confirm it."""
    targets = targets or TargetBook.load()
    targets.set_values(upn=operator, display_name=operator)
    secrets = credentials.secrets()
    with driver() as playwright:
        choice = choose_browser(
            playwright, session.executable_path, session.channel, session.endpoint
        )
        browser = launch(playwright, choice, headed=session.show_window)
        try:
            context = new_private_context(browser)
            page = context.new_page()
            timeout = session.sign_in_timeout_s or SIGN_IN_TIMEOUT_S
            try:
                page.goto(tenant.home)
                if session.sign_in == "interactive":
                    wait_for_person(page, targets, operator, timeout, lambda *_: None)
                else:
                    sign_in_with_password(page, targets, operator, credentials, timeout)
                page.wait_for_load_state("load")
                name, email = confirm_identity(page, targets, operator)
            except TroubleshooterError:
                raise
            except PlaywrightError as exc:
                detail = without_secrets(_first_line(exc), secrets)
                raise PageError(f"signing in as {operator}: {detail}") from None
            yield OperatorSession(
                context,
                page,
                operator,
                name or operator,
                email,
                choice.describe(),
                browser.version,
            )
        except PlaywrightError as exc:
            detail = without_secrets(_first_line(exc), secrets)
            gone = not browser.is_connected()
            if gone:
                raise BrowserError(f"the browser stopped: {detail}") from None
            raise PageError(detail, outcome=Outcome.PAGE_ERROR) from None
        finally:
            with contextlib.suppress(PlaywrightError):
                browser.close()


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else exc.__class__.__name__
