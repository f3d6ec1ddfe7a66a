"""Sign-in strategies (password, interactive) and how a sign-in page's outcome is recognised.

Nothing here logs, prints or stores a credential: values go straight into ``fill()``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pyotp
from playwright.sync_api import Page

from troubleshooter.credentials import Credentials
from troubleshooter.errors import SignInError
from troubleshooter.targets import TargetBook
from troubleshooter.verdict import Outcome

# Language-independent codes first, English page text second (reference, section 5a).
FAILURE_PATTERNS: list[tuple[Outcome, re.Pattern[str]]] = [
    (
        Outcome.ACCOUNT_LOCKED,
        re.compile(r"AADSTS50053|\b50053\b|account (is|has been) (temporarily )?locked", re.I),
    ),
    (
        Outcome.CONDITIONAL_ACCESS_BLOCKED,
        re.compile(r"AADSTS53003|\b53003\b|can.t get there from here", re.I),
    ),
    (Outcome.WRONG_TOTP, re.compile(r"didn.t enter the expected verification code", re.I)),
    (
        Outcome.WRONG_PASSWORD,
        re.compile(r"AADSTS50126|\b50126\b|account or password is incorrect", re.I),
    ),
    (
        Outcome.UNKNOWN_ACCOUNT,
        re.compile(
            r"AADSTS50034|username may be incorrect|account doesn.t exist|couldn.t find an account",
            re.I,
        ),
    ),
]
TOTP_PAGE = "#idTxtBx_SAOTCC_OTC, input[name='otc']"
PUSH_PAGE = "#idDiv_SAOTCAS_Title, #idRichContext_DisplaySign"
NUDGE_PAGE = "#btnAskLaterLink"
PROGRESS_EVERY_S = 5.0
RETRY_AFTER_S = 10.0
# Inputs whose values must not show in a screenshot.
SECRET_INPUTS = "input[type='password'], input[name='otc'], #idTxtBx_SAOTCC_OTC"


Progress = Callable[[str, float], None]


def failure_on_page(page: Page) -> Outcome | None:
    """A recognised sign-in failure shown on the page, if any."""
    try:
        text = page.locator("body").inner_text(timeout=2000)
    except Exception:
        return None
    for outcome, pattern in FAILURE_PATTERNS:
        if pattern.search(text):
            return outcome
    return None


def _visible(page: Page, selector: str) -> bool:
    try:
        return page.locator(selector).filter(visible=True).count() > 0
    except Exception:
        return False


def _is_home(page: Page, targets: TargetBook) -> bool:
    return targets.try_find(page, "home_signed_in") is not None


def sign_in_with_password(
    page: Page,
    targets: TargetBook,
    upn: str,
    credentials: Credentials,
    timeout_s: float,
) -> list[str]:
    """Walk the sign-in pages with a password (and TOTP code). Returns the pages seen."""
    if not credentials.password:
        raise SignInError(
            f"no password for {upn}: set TROUBLESHOOTER_PASSWORD, store it with "
            "`keyring set troubleshooter <upn>`, run in a terminal to be prompted, "
            "or use --sign-in interactive",
            outcome=Outcome.SIGN_IN_FAILED,
        )
    seen: list[str] = []
    deadline = time.monotonic() + timeout_s
    acted_at: dict[str, float] = {}
    while time.monotonic() < deadline:
        if _is_home(page, targets):
            return seen
        outcome = failure_on_page(page)
        if outcome is not None:
            raise SignInError(_failure_message(outcome, upn), outcome=outcome)
        state = _current_state(page, targets)
        # Act once per page; a page still showing after a while (a slow redirect) gets a retry.
        if state and time.monotonic() - acted_at.get(state, -RETRY_AFTER_S) >= RETRY_AFTER_S:
            if state not in acted_at:
                seen.append(state)
            acted_at[state] = time.monotonic()
            _act(page, targets, state, upn, credentials)
        page.wait_for_timeout(250)
    raise SignInError(
        f"sign-in for {upn} did not reach the Microsoft 365 home within {timeout_s:g}s "
        f"(last page: {page.url.split('?')[0]})",
        outcome=Outcome.SIGN_IN_TIMEOUT,
    )


def _current_state(page: Page, targets: TargetBook) -> str | None:
    if _visible(page, TOTP_PAGE):
        return "totp"
    if _visible(page, PUSH_PAGE):
        return "push"
    if _visible(page, NUDGE_PAGE):
        return "nudge"
    checks = [
        ("kmsi", "kmsi_prompt"),
        ("picker", "account_picker"),
        ("password", "signin_password"),
        ("email", "signin_email"),
        ("landing", "landing_sign_in"),
    ]
    for state, target in checks:
        if targets.try_find(page, target):
            return state
    return None


def _act(page: Page, targets: TargetBook, state: str, upn: str, creds: Credentials) -> None:
    click = lambda name: targets.find(page, name, 10).locator.click()  # noqa: E731
    if state == "landing":
        click("landing_sign_in")
    elif state == "email":
        targets.find(page, "signin_email", 10).locator.fill(upn)
        click("signin_next")
    elif state == "password":
        targets.find(page, "signin_password", 10).locator.fill(creds.password or "")
        click("signin_submit")
    elif state == "picker":
        tile = targets.try_find(page, "account_tile")
        (tile.locator if tile else targets.find(page, "use_another_account", 10).locator).click()
    elif state == "kmsi":
        click("kmsi_no")  # never leave a persistent session behind
    elif state == "nudge":
        page.locator(NUDGE_PAGE).first.click()
    elif state == "push":
        raise SignInError(
            f"sign-in for {upn} waits for an Authenticator approval that only a person can give",
            outcome=Outcome.MFA_NEEDS_PERSON,
        )
    elif state == "totp":
        if not creds.totp_secret:
            raise SignInError(
                f"sign-in for {upn} asks for an authenticator code and no TOTP secret was given",
                outcome=Outcome.MFA_NEEDS_PERSON,
            )
        code = pyotp.TOTP(creds.totp_secret.replace(" ", "").upper()).now()
        page.locator(TOTP_PAGE).first.fill(code)
        page.locator("#idSubmit_SAOTCC_Continue, input[type='submit']").first.click()


def wait_for_person(
    page: Page,
    targets: TargetBook,
    upn: str,
    timeout_s: float,
    progress: Progress,
) -> None:
    """Interactive hand-off: pre-fill the UPN where possible, then wait for the home."""
    start = time.monotonic()
    prefilled = False
    last_report = -PROGRESS_EVERY_S
    while True:
        elapsed = time.monotonic() - start
        if _is_home(page, targets):
            return
        if not prefilled and targets.try_find(page, "landing_sign_in"):
            targets.find(page, "landing_sign_in", 5).locator.click()
        email = targets.try_find(page, "signin_email")
        if not prefilled and email:
            email.locator.fill(upn)
            prefilled = True
        if elapsed - last_report >= PROGRESS_EVERY_S:
            progress(f"waiting for {upn} to finish signing in…", elapsed)
            last_report = elapsed
        if elapsed >= timeout_s:
            raise SignInError(
                f"{upn} did not finish signing in within {timeout_s:g}s",
                outcome=Outcome.SIGN_IN_TIMEOUT,
            )
        page.wait_for_timeout(500)


def confirm_identity(page: Page, targets: TargetBook, upn: str) -> tuple[str, str | None]:
    """Read who is signed in (display name, email) from the account manager."""
    button = targets.find(page, "account_button", 15).locator
    label = button.get_attribute("aria-label") or ""
    display_name = re.sub(r"(?i)^account manager for\s*", "", label).strip()
    email: str | None = None
    button.click()
    pane = targets.try_find(page, "account_pane_email")
    if pane is None:
        page.wait_for_timeout(500)
        pane = targets.try_find(page, "account_pane_email")
    if pane is not None:
        email = pane.locator.inner_text().strip()
        name = page.locator("#mectrl_currentAccount_primary")
        if not display_name and name.count():
            display_name = name.first.inner_text().strip()
    button.click()  # close the pane again so screenshots show the page
    if email and email.lower() != upn.lower():
        raise SignInError(
            f"signed in as {email}, expected {upn}", outcome=Outcome.IDENTITY_MISMATCH
        )
    return display_name, email


def _failure_message(outcome: Outcome, upn: str) -> str:
    messages = {
        Outcome.WRONG_PASSWORD: f"the password for {upn} was refused (AADSTS50126)",
        Outcome.UNKNOWN_ACCOUNT: f"the sign-in page does not know {upn}",
        Outcome.ACCOUNT_LOCKED: f"{upn} is locked (AADSTS50053)",
        Outcome.CONDITIONAL_ACCESS_BLOCKED: f"conditional access blocked {upn} (AADSTS53003)",
        Outcome.WRONG_TOTP: f"the authenticator code for {upn} was refused",
    }
    return messages.get(outcome, f"sign-in for {upn} failed")
