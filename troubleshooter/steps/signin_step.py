"""The sign-in step: a strategy, then the identity check."""

from __future__ import annotations

from troubleshooter.context import RunContext
from troubleshooter.credentials import PROMPT_TRIES, no_password, prompt_password
from troubleshooter.errors import SignInError
from troubleshooter.events import AskingPerson
from troubleshooter.pages.diagnose import save_page
from troubleshooter.scenario import SignInStep
from troubleshooter.signin import confirm_identity, sign_in_with_password, wait_for_person
from troubleshooter.steps import StepOutcome, handler
from troubleshooter.verdict import Outcome


@handler(SignInStep)
def sign_in(ctx: RunContext, step: SignInStep) -> StepOutcome:
    settings, session = ctx.settings, ctx.settings.session
    timeout = session.sign_in_timeout_s or step.timeout_s
    pages: list[str] = []
    if session.sign_in == "interactive":
        wait_for_person(ctx.page, ctx.targets, settings.upn, timeout, ctx.waiting)
    else:
        if not settings.credentials.password:
            raise no_password(settings.upn)
        pages = _with_password(ctx, timeout)
    ctx.page.wait_for_load_state("load")
    display_name, email = confirm_identity(ctx.page, ctx.targets, settings.upn)
    ctx.display_name = display_name or settings.upn
    ctx.variables["display_name"] = ctx.display_name
    ctx.targets.set_values(display_name=ctx.display_name)
    confirmed = f"confirmed as {email}" if email else "account email not shown; not confirmed"
    return StepOutcome(
        f"signed in ({session.sign_in}); {confirmed}",
        {
            "strategy": session.sign_in,
            "pages": pages,
            "display_name": ctx.display_name,
            "signed_in_as": email,
            "identity_confirmed": bool(email),
        },
    )


def _with_password(ctx: RunContext, timeout: float) -> list[str]:
    """Sign in with the password; one typed at the prompt and refused is asked for again."""
    settings, seen = ctx.settings, list[str]()

    def on_view(view: str) -> None:
        seen.append(view.removeprefix("sign-in "))  # over every try, not only the last one
        save_page(ctx, view)

    for attempt in range(1, PROMPT_TRIES + 1):
        try:
            sign_in_with_password(
                ctx.page, ctx.targets, settings.upn, settings.credentials, timeout, on_view
            )
            return seen
        except SignInError as exc:
            last_try = attempt == PROMPT_TRIES or not settings.credentials.can_ask_again()
            if exc.outcome is not Outcome.WRONG_PASSWORD or last_try:
                raise
            message = (
                f"Sign-in refused that password; type it again (try {attempt + 1} of "
                f"{PROMPT_TRIES}, Ctrl-D to give up)."
            )
            ctx.emit_event(AskingPerson(ctx.step_index, message))
            typed = prompt_password(settings.upn)
            if not typed:
                raise
        settings.credentials = settings.credentials.with_password(typed)
        _submit_password(ctx, typed, timeout)
    raise AssertionError("unreachable: the last try returns or raises")


def _submit_password(ctx: RunContext, password: str, timeout: float) -> None:
    """Type the password again on the page that refused it, and send it."""
    ctx.targets.find(ctx.page, "signin_password", 10).locator.fill(password)
    with ctx.page.expect_navigation(wait_until="load", timeout=timeout * 1000):
        ctx.targets.find(ctx.page, "signin_submit", 10).locator.click()
