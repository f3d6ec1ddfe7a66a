"""Domain errors. Each carries the outcome it maps to, so the CLI can pick an exit code."""

from __future__ import annotations

from troubleshooter.verdict import Outcome


class TroubleshooterError(Exception):
    """Base for errors that end a command with one clear message."""

    outcome: Outcome = Outcome.BAD_INPUT

    def __init__(
        self,
        message: str,
        *,
        outcome: Outcome | None = None,
        data: dict[str, object] | None = None,
        summary: str | None = None,
        advice: str | None = None,
    ) -> None:
        super().__init__(message)
        if outcome is not None:
            self.outcome = outcome
        self.data = data or {}
        """What the failing step found, kept in the report's step (e.g. each retry)."""
        # The verdict's words when this case says more than its outcome's standard ones.
        self.summary, self.advice = summary, advice

    @property
    def message(self) -> str:
        return str(self)


class BadInputError(TroubleshooterError):
    """A scenario, tenant profile, option or file is not valid."""

    outcome = Outcome.BAD_INPUT


class BrowserError(TroubleshooterError):
    """No usable browser, or it died."""

    outcome = Outcome.BROWSER_ERROR


class PageError(TroubleshooterError):
    """A page did not load or a target could not be found."""

    outcome = Outcome.PAGE_ERROR


class TenantUnreachable(TroubleshooterError):
    """The tenant refused, reset or dropped the connection (``net::ERR_CONNECTION_…``)."""

    outcome = Outcome.TENANT_UNREACHABLE


class ThrottledError(TroubleshooterError):
    """SharePoint kept answering 429/503 after the retries its Retry-After allowed."""

    outcome = Outcome.THROTTLED


class SharePointAnswerError(TroubleshooterError):
    """SharePoint answered a photo request with a server error, a non-image, or too late."""

    outcome = Outcome.SHAREPOINT_ERROR


class SignInError(TroubleshooterError):
    """Sign-in ended in a recognised failure; ``outcome`` says which."""

    outcome = Outcome.SIGN_IN_FAILED


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (Playwright's carry a call log below it)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else exc.__class__.__name__
