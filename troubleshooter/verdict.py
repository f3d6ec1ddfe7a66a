"""Outcome names, exit codes and the advice a helpdesk reads next to them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

ESCALATE_AFTER_S = 24 * 3600  # the support article: contact the admin after 24 hours
Status = Literal["running", "finished", "error", "interrupted"]


class Outcome(StrEnum):
    """Every way a run can end. The value is what reports and the terminal show."""

    SYNCED = "synced"
    ALREADY_IN_SYNC = "already-in-sync"
    STILL_STALE = "still-stale"
    CANNOT_TELL = "cannot-tell"
    PLACEHOLDER = "placeholder"
    NO_PHOTO_OF_RECORD = "no-photo-of-record"
    THROTTLED = "throttled"
    SHAREPOINT_ERROR = "sharepoint-error"
    BAD_INPUT = "bad-input"
    WRONG_PASSWORD = "wrong-password"
    UNKNOWN_ACCOUNT = "unknown-account"
    ACCOUNT_LOCKED = "account-locked"
    MFA_NEEDS_PERSON = "mfa-needs-person"
    WRONG_TOTP = "wrong-totp"
    CONDITIONAL_ACCESS_BLOCKED = "conditional-access-blocked"
    SIGN_IN_TIMEOUT = "sign-in-timeout"
    IDENTITY_MISMATCH = "identity-mismatch"
    SIGN_IN_FAILED = "sign-in-failed"
    PAGE_CHANGED = "page-changed"
    PAGE_ERROR = "page-error"
    TENANT_UNREACHABLE = "tenant-unreachable"
    BROWSER_ERROR = "browser-error"
    INTERRUPTED = "interrupted"
    INTERNAL_ERROR = "internal-error"


@dataclass(frozen=True)
class OutcomeInfo:
    exit_code: int
    summary: str
    advice: str


_INFO: dict[Outcome, OutcomeInfo] = {
    Outcome.SYNCED: OutcomeInfo(
        0,
        "SharePoint's copy changed during this run and now matches the photo of record.",
        "Nothing more to do. Other users may still see the old photo until their browser "
        "cache expires; a private window shows the new one at once.",
    ),
    Outcome.ALREADY_IN_SYNC: OutcomeInfo(
        0,
        "SharePoint already showed the photo of record before the re-sync steps.",
        "Nothing to fix in SharePoint. If the user still sees an old photo, it is their "
        "browser cache: open a private window, or clear the cache.",
    ),
    Outcome.STILL_STALE: OutcomeInfo(
        1,
        "SharePoint still shows a different photo from the photo of record.",
        "Wait 24 hours and run `troubleshooter recheck` on this run folder. Check that the "
        "user profile property Picture allows users to edit it, and that the user has an "
        "Exchange Online mailbox. An admin can run the Picture Sync diagnostic "
        "(https://aka.ms/PillarPictureSync).",
    ),
    Outcome.CANNOT_TELL: OutcomeInfo(
        5,
        "SharePoint's copy is close to the photo of record, but not close enough to prove it "
        "is made from it (it may be a retake of the same person).",
        "Look at the side-by-side composite and the measures in report.json. If SharePoint "
        "shows an older shot, wait 24 hours and run `troubleshooter recheck`; if a person "
        "confirms it is the photo of record, nothing more to do.",
    ),
    Outcome.PLACEHOLDER: OutcomeInfo(
        3,
        "SharePoint has no photo for this user and serves the grey placeholder.",
        "Wait 24 hours and run `troubleshooter recheck`. If it stays grey, check the user's "
        "Exchange Online mailbox and that the Picture property is user-editable, or have an "
        "admin run the Picture Sync diagnostic (https://aka.ms/PillarPictureSync).",
    ),
    Outcome.NO_PHOTO_OF_RECORD: OutcomeInfo(
        4,
        "The user has no photo of record in Microsoft 365, so there is nothing to sync.",
        "Upload a photo first (account circle → My accounts → change photo, or the "
        "`change-photo` scenario), then run the re-sync again.",
    ),
    Outcome.THROTTLED: OutcomeInfo(
        6,
        "SharePoint kept answering 429 or 503 (throttled or busy) for the photo, also after "
        "waiting as long as its Retry-After asked, so the tool could not look.",
        "Nothing was decided about the photo. Run again later (the report lists each retry and "
        "the wait SharePoint asked for); if it stays throttled, ask an admin whether an app or "
        "script is hammering SharePoint for this account.",
    ),
    Outcome.SHAREPOINT_ERROR: OutcomeInfo(
        7,
        "SharePoint did not answer the photo request with a usable image: a server error, "
        "something that is not an image, or an answer that did not arrive in time.",
        "Nothing was decided about the photo. The failed step names what came back (status, "
        "content type, first bytes). Run again later; if it persists, open that URL in a "
        "browser signed in as the user, and check any proxy or VPN between this machine and "
        "SharePoint.",
    ),
    Outcome.BAD_INPUT: OutcomeInfo(
        2,
        "The command, scenario, tenant profile or a file it names is not valid.",
        "Fix what the message names and run the command again.",
    ),
    Outcome.WRONG_PASSWORD: OutcomeInfo(
        10,
        "Sign-in refused the password (AADSTS50126).",
        "Check the password source (environment variable, keyring or prompt) and try again.",
    ),
    Outcome.UNKNOWN_ACCOUNT: OutcomeInfo(
        11,
        "The sign-in page does not know this account.",
        "Check the spelling of --user; it must be the user's sign-in name (UPN).",
    ),
    Outcome.ACCOUNT_LOCKED: OutcomeInfo(
        12,
        "The account is locked (AADSTS50053).",
        "Unlock the account or wait for the lockout to end, then run again.",
    ),
    Outcome.MFA_NEEDS_PERSON: OutcomeInfo(
        13,
        "Sign-in asks for an MFA approval that only a person can give.",
        "Run again with --sign-in interactive and let the user approve the request.",
    ),
    Outcome.WRONG_TOTP: OutcomeInfo(
        14,
        "Sign-in did not accept the authenticator code.",
        "Check the TOTP secret and this machine's clock, then run again.",
    ),
    Outcome.CONDITIONAL_ACCESS_BLOCKED: OutcomeInfo(
        15,
        'A conditional access policy blocked the sign-in ("You can\'t get there from here").',
        "Run from a device the policy allows (for example the user's own managed PC), "
        "or ask an admin which policy applies.",
    ),
    Outcome.SIGN_IN_TIMEOUT: OutcomeInfo(
        16,
        "The sign-in did not finish in time.",
        "Run again and complete the sign-in in the window, or raise --sign-in-timeout.",
    ),
    Outcome.IDENTITY_MISMATCH: OutcomeInfo(
        17,
        "The signed-in account is not the user being helped.",
        "Sign in as the --user account itself: SharePoint only refreshes a photo when its "
        "owner requests it.",
    ),
    Outcome.SIGN_IN_FAILED: OutcomeInfo(
        18,
        "Sign-in stopped on a page the tool does not recognise.",
        "Look at the last screenshot, then run with --headed to watch, or use "
        "--sign-in interactive.",
    ),
    Outcome.PAGE_CHANGED: OutcomeInfo(
        19,
        "The sign-in page shows none of the views the tool knows: Microsoft may have changed "
        "its layout.",
        "Look at the last screenshot and diagnosis-page.html / diagnosis-aria.yaml in the run "
        "folder. Run with --sign-in interactive to sign in by hand meanwhile; to adapt the "
        "page map, copy troubleshooter/targets.yaml, add a strategy that matches this page and "
        "check it with `troubleshooter pages check <run folder> --targets <your copy>`.",
    ),
    Outcome.PAGE_ERROR: OutcomeInfo(
        20,
        "A page did not load or did not show what the step expected.",
        "Look at the last screenshot and the step named in the report. Check --site and "
        "the tenant URLs (`troubleshooter doctor`).",
    ),
    Outcome.TENANT_UNREACHABLE: OutcomeInfo(
        23,
        "The tenant stopped answering: a connection was refused, reset or dropped.",
        "Check the network, the VPN or proxy, and the Microsoft 365 service health, then run "
        "again. Everything captured so far is in the run folder.",
    ),
    Outcome.BROWSER_ERROR: OutcomeInfo(
        21,
        "The browser could not be started or stopped working.",
        "Run `troubleshooter doctor` to check the browser, or pass --executable-path.",
    ),
    Outcome.INTERNAL_ERROR: OutcomeInfo(
        70,
        "troubleshooter itself failed (a bug, not a problem with the user or the tenant).",
        "Report it with the run folder attached; the report names the step and the error.",
    ),
    Outcome.INTERRUPTED: OutcomeInfo(
        130,
        "The run was interrupted before it finished.",
        "Run again. Everything captured so far is in the run folder.",
    ),
}


def info(outcome: Outcome) -> OutcomeInfo:
    """Exit code, summary and advice for an outcome."""
    return _INFO[outcome]


def exit_code(outcome: Outcome) -> int:
    return _INFO[outcome].exit_code


def all_outcomes() -> list[tuple[Outcome, OutcomeInfo]]:
    """Every outcome in documentation order."""
    return [(o, _INFO[o]) for o in Outcome]


@dataclass(frozen=True)
class PhotoFacts:
    """What the photo checks found, reduced to the questions the verdict asks."""

    has_reference: bool
    checked_before: bool
    before_matches: bool = False  # "same source image", proven
    after_matches: bool = False
    after_is_placeholder: bool = False
    # The comparison's third answer for SharePoint's copy after the re-sync steps:
    # neither proven the same nor proven different.
    after_uncertain: bool = False


def decide(facts: PhotoFacts) -> Outcome:
    """The verdict for a run whose steps all completed.

    Only a proven match counts as in sync; a comparison that cannot tell is never read as
    "same" (a false "fixed" is the worst answer) nor as "stale" (it may be the right photo).
    """
    if not facts.has_reference:
        return Outcome.NO_PHOTO_OF_RECORD
    if facts.checked_before and facts.before_matches:
        return Outcome.ALREADY_IN_SYNC
    if facts.after_matches:
        return Outcome.SYNCED
    if facts.after_is_placeholder:
        return Outcome.PLACEHOLDER
    if facts.after_uncertain:
        return Outcome.CANNOT_TELL
    return Outcome.STILL_STALE


def status_of(outcome: Outcome) -> Status:
    """The status word a report section ends with."""
    if outcome is Outcome.INTERRUPTED:
        return "interrupted"
    if outcome in {
        Outcome.PAGE_ERROR,
        Outcome.PAGE_CHANGED,
        Outcome.TENANT_UNREACHABLE,
        Outcome.BROWSER_ERROR,
        Outcome.INTERNAL_ERROR,
    }:
        return "error"
    return "finished"


@dataclass(frozen=True)
class Decision:
    """A verdict as decided: what the terminal shows and the report keeps."""

    outcome: Outcome
    summary: str
    advice: str
    lead: str = ""  # shown before the summary on the terminal, e.g. "Recheck 1, 3 h later: "

    @property
    def exit_code(self) -> int:
        return exit_code(self.outcome)


def decision(outcome: Outcome) -> Decision:
    """The standard verdict for an outcome."""
    about = _INFO[outcome]
    return Decision(outcome, about.summary, about.advice)


def recheck_outcome(
    first: Outcome | None, result: Outcome, elapsed_s: float, number: int
) -> Decision:
    """The verdict of recheck ``number``, ``elapsed_s`` after a first run that ended ``first``.

    A photo that matched before the first run's re-sync still is ``already-in-sync``; a
    ``synced`` recheck says it did not match before; a stale one after 24 hours escalates.
    """
    outcome = result
    if result is Outcome.SYNCED and first is Outcome.ALREADY_IN_SYNC:
        outcome = Outcome.ALREADY_IN_SYNC
    about = _INFO[outcome]
    summary, advice = about.summary, about.advice
    if outcome is Outcome.SYNCED:
        summary = "SharePoint's copy now matches the photo of record; it did not before."
    elif outcome in (Outcome.STILL_STALE, Outcome.PLACEHOLDER) and elapsed_s >= ESCALATE_AFTER_S:
        advice = (
            f"{elapsed_text(elapsed_s)} have passed since the first run, and the support "
            "article says to contact the admin now: check that the user profile property "
            "Picture is user-editable and that the user has an Exchange Online mailbox, run the "
            "Picture Sync diagnostic (https://aka.ms/PillarPictureSync), or open a Microsoft "
            "support case."
        )
    lead = f"Recheck {number}, {elapsed_text(elapsed_s)} after the first run: "
    return Decision(outcome, summary, advice, lead)


def elapsed_text(seconds: float) -> str:
    """``"1 d 2 h"``, ``"3 h 5 min"``, ``"4 min 10 s"`` or ``"12 s"``."""
    whole = int(seconds)
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {secs} s"
    return f"{secs} s"
