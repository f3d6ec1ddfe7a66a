"""Sign-in strategies (password, interactive) and how a sign-in page's outcome is recognised.

Nothing here logs, prints or stores a credential: values go straight into ``fill()``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pyotp
from playwright.sync_api import Page

from troubleshooter.credentials import Credentials, no_totp_secret
from troubleshooter.errors import SignInError
from troubleshooter.pages.change import wait_for_change
from troubleshooter.pages.reach import ConnectionWatch
from troubleshooter.targets import Found, Glance, PageChanged, TargetBook
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
PROGRESS_EVERY_S = 5.0
RETRY_AFTER_S = 10.0
# A sign-in page showing no known view this long (the same URL, nothing recognised) has
# changed: well above a slow redirect, well below the sign-in timeout.
NO_VIEW_S = 10.0
# The longest wait for the page to change before looking again (a view may also appear
# without a DOM change, e.g. when a stylesheet loads).
CHANGE_WAIT_S = 1.0
PANE_WAIT_S = 1.0  # the account pane opens in place; a tenant that never shows the email
# Sign-in views, most specific first, each recognised by a target that must be *shown*: real
# pages keep other views' inputs in the DOM (hidden off-screen), so an input merely existing
# says nothing. A page showing both the email and the password input is the password view.
VIEWS: list[tuple[str, str]] = [
    ("totp", "totp_code"),
    ("push", "push_prompt"),
    ("nudge", "nudge_skip"),
    ("kmsi", "kmsi_prompt"),
    ("picker", "account_picker"),
    ("password", "signin_password"),
    ("email", "signin_email"),
    ("landing", "landing_sign_in"),
]

HOME, HOME_TARGET = "home", "home_signed_in"
VIEW_OF = {HOME_TARGET: HOME, **{target: view for view, target in VIEWS}}


Progress = Callable[[str, float], None]


def failure_in(text: str | None) -> Outcome | None:
    """The recognised sign-in failure a page's text shows, if any."""
    if text is None:
        return None
    for outcome, pattern in FAILURE_PATTERNS:
        if pattern.search(text):
            return outcome
    return None


def _is_home(page: Page, targets: TargetBook) -> bool:
    return targets.try_find(page, HOME_TARGET) is not None


def sign_in_with_password(
    page: Page,
    targets: TargetBook,
    upn: str,
    credentials: Credentials,
    timeout_s: float,
    on_view: Callable[[str], None] | None = None,
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
    known = Known(page)
    state_token = ""
    with ConnectionWatch(page, "during sign-in") as watch:
        while time.monotonic() < deadline:
            watch.check()
            state, text, shown = view_and_text(page, targets)
            if state == HOME:
                return seen
            outcome = failure_in(text)
            if outcome is not None:
                raise SignInError(_failure_message(outcome, upn), outcome=outcome)
            known.saw(state is not None)
            if known.lost_for() >= NO_VIEW_S:
                raise no_known_view(page, targets, upn, known.lost_for())
            # Act once per view; a view still showing after a while (a slow redirect) gets a
            # retry.
            if state and time.monotonic() - acted_at.get(state, -RETRY_AFTER_S) >= RETRY_AFTER_S:
                if state not in acted_at:
                    seen.append(state)
                    if on_view is not None:
                        on_view(f"sign-in {state}")
                acted_at[state] = time.monotonic()
                _act(page, targets, state, upn, credentials, shown)
            state_token = wait_for_change(page, state_token, CHANGE_WAIT_S)
    raise SignInError(
        f"sign-in for {upn} did not reach the Microsoft 365 home within {timeout_s:g}s "
        f"(last page: {page.url.split('?')[0]})",
        outcome=Outcome.SIGN_IN_TIMEOUT,
    )


class Known:
    """How long the page has shown nothing the sign-in knows (a navigation restarts it)."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.url = page.url
        self.since: float | None = None

    def saw(self, known: bool) -> None:
        url = self.page.url
        if known or url != self.url:
            self.since = None
        elif self.since is None:
            self.since = time.monotonic()
        self.url = url

    def lost_for(self) -> float:
        return 0.0 if self.since is None else time.monotonic() - self.since


def no_known_view(page: Page, targets: TargetBook, upn: str, waited_s: float) -> PageChanged:
    """The error for a sign-in page that shows no known view: every view target tried."""
    tried = {t: targets.resolve(page, t)[1] for _, t in VIEWS if t in targets.targets}
    names = ", ".join(tried)
    message = (
        f"the sign-in page for {upn} showed no sign-in view the tool knows for "
        f"{waited_s:.0f}s (limit {NO_VIEW_S:g}s, on {page.url.split('?')[0]}); "
        f"targets tried: {names}"
    )
    return PageChanged(message, tried)


def current_view(page: Page, targets: TargetBook, home: bool = False) -> str | None:
    """The sign-in view the page shows (None when it shows none of them); with ``home``,
    ``HOME`` when the page is the signed-in Microsoft 365 home."""
    return _view(targets.glance(page, _view_targets(home)))


def view_and_text(page: Page, targets: TargetBook) -> tuple[str | None, str | None, Found | None]:
    """The view (or ``HOME``), the page's text and, when the look could tell, the element of
    the view's target (the one the email, password and landing views act on), in one look."""
    glance = targets.glance(page, _view_targets(home=True), text=True)
    return _view(glance), glance.text, glance.found


def _view_targets(home: bool) -> list[str]:
    return [*([HOME_TARGET] if home else []), *(target for _, target in VIEWS)]


def _view(glance: Glance) -> str | None:
    return None if glance.target is None else VIEW_OF[glance.target]


def _act(
    page: Page,
    targets: TargetBook,
    state: str,
    upn: str,
    creds: Credentials,
    shown: Found | None = None,
) -> None:
    """Answer one sign-in view; ``shown``: the element the look that read the view found."""

    def find(name: str) -> Found:
        return shown if shown and shown.target == name else targets.find(page, name, 10)

    click = lambda name: find(name).locator.click()  # noqa: E731
    if state == "landing":
        click("landing_sign_in")
    elif state == "email":
        find("signin_email").locator.fill(upn)
        click("signin_next")
    elif state == "password":
        find("signin_password").locator.fill(creds.password or "")
        click("signin_submit")
    elif state == "picker":
        tile = targets.try_find(page, "account_tile")
        (tile.locator if tile else targets.find(page, "use_another_account", 10).locator).click()
    elif state == "kmsi":
        click("kmsi_no")  # never leave a persistent session behind
    elif state == "nudge":
        click("nudge_skip")
    elif state == "push":
        raise SignInError(
            f"sign-in for {upn} waits for an Authenticator approval that only a person can give",
            outcome=Outcome.MFA_NEEDS_PERSON,
        )
    elif state == "totp":
        if not creds.totp_secret:
            raise no_totp_secret(upn)
        code = pyotp.TOTP(creds.totp_secret.replace(" ", "").upper()).now()
        find("totp_code").locator.fill(code)
        click("totp_submit")


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
    state_token = ""
    while True:
        elapsed = time.monotonic() - start
        if _is_home(page, targets):
            return
        # "Sign in" also names the password view's submit: act only on the landing page.
        if not prefilled and current_view(page, targets) == "landing":
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
        state_token = wait_for_change(page, state_token, CHANGE_WAIT_S)


def confirm_identity(page: Page, targets: TargetBook, upn: str) -> tuple[str, str | None]:
    """Read who is signed in (display name, email) from the account manager."""
    button = targets.find(page, "account_button", 15).locator
    label = button.get_attribute("aria-label") or ""
    display_name = re.sub(r"(?i)^account manager for\s*", "", label).strip()
    email: str | None = None
    button.click()
    pane = targets.try_find(page, "account_pane_email")
    token, until = "", time.monotonic() + PANE_WAIT_S
    while pane is None and time.monotonic() < until:
        token = wait_for_change(page, token, until - time.monotonic())
        pane = targets.try_find(page, "account_pane_email")
    if pane is not None:
        email = pane.locator.inner_text().strip()
        name = None if display_name else targets.try_find(page, "account_pane_name")
        if name:
            display_name = name.locator.inner_text().strip()
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
