"""The sign-in step: a strategy, then the identity check."""

from __future__ import annotations

from troubleshooter.context import RunContext
from troubleshooter.pages.diagnose import save_page
from troubleshooter.scenario import SignInStep
from troubleshooter.signin import confirm_identity, sign_in_with_password, wait_for_person
from troubleshooter.steps import StepOutcome, handler


@handler(SignInStep)
def sign_in(ctx: RunContext, step: SignInStep) -> StepOutcome:
    settings, session = ctx.settings, ctx.settings.session
    timeout = session.sign_in_timeout_s or step.timeout_s
    pages: list[str] = []
    if session.sign_in == "interactive":
        wait_for_person(ctx.page, ctx.targets, settings.upn, timeout, ctx.waiting)
    else:
        pages = sign_in_with_password(
            ctx.page,
            ctx.targets,
            settings.upn,
            settings.credentials,
            timeout,
            on_view=lambda view: save_page(ctx, view),
        )
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
