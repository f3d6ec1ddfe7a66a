"""``troubleshooter check`` and ``guide``: work as the helpdesk's own account, no user password."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from troubleshooter import stopping
from troubleshooter.cli.common import (
    ChannelOpt,
    EndpointOpt,
    ExecutableOpt,
    HeadedOpt,
    OutOpt,
    SignIn,
    SignInOpt,
    SignInTimeoutOpt,
    TenantOpt,
    TicketOpt,
    ZipOpt,
    app,
    fail,
    session_options,
)
from troubleshooter.errors import TroubleshooterError

if TYPE_CHECKING:
    from troubleshooter.context import SessionOptions

AsOpt = Annotated[
    str | None,
    typer.Option(
        "--as",
        metavar="UPN",
        help="The operator's own account (UPN) to sign in with; its password comes from the "
        "same sources as run's. Default on the simulated tenant: its helpdesk account.",
    ),
]


def _operator(operator: str | None, tenant: str) -> str:
    """--as, or the simulated tenant's helpdesk account; a real tenant needs it spelled out."""
    if operator:
        return operator.strip()
    if tenant == "sim":
        from troubleshooter.sim import OPERATOR_UPN

        return OPERATOR_UPN
    from troubleshooter.errors import BadInputError

    fail(BadInputError("--as: pass your own (the operator's) account, like helpdesk@contoso.com"))


@app.command()
def check(
    user: Annotated[
        list[str] | None,
        typer.Option("--user", metavar="UPN", help="A user to check; repeat for more."),
    ] = None,
    users: Annotated[
        Path | None,
        typer.Option(
            "--users",
            help="CSV file with a 'upn' column (other columns are passed through; an "
            "optional 'photo' column names the expected photo file).",
        ),
    ] = None,
    operator: AsOpt = None,
    tenant: TenantOpt = "sim",
    photos: Annotated[
        Path | None,
        typer.Option(
            "--photos",
            help="Folder of expected photos named by UPN (jane@contoso.com.jpg), e.g. an HR "
            "export, used instead of the photo of record.",
        ),
    ] = None,
    concurrency: Annotated[
        int,
        typer.Option("--concurrency", min=1, max=32, help="Photo requests in flight per host."),
    ] = 4,
    sizes: Annotated[
        str,
        typer.Option(
            "--sizes",
            help="SharePoint sizes to read: L decides; S and M add their hashes to audit.csv "
            "(L alone saves 3 of 7 requests per user: about 1.5 times as fast).",
        ),
    ] = "S,M,L",
    out: OutOpt = Path("evidence"),
    ticket: TicketOpt = None,
    zip_: ZipOpt = False,
    headed: HeadedOpt = None,
    sign_in: SignInOpt = SignIn.password,
    sign_in_timeout: SignInTimeoutOpt = None,
    executable_path: ExecutableOpt = None,
    channel: ChannelOpt = None,
    browser_endpoint: EndpointOpt = None,
) -> None:
    """Check users' SharePoint photos as the helpdesk's own account (no user password).

    Exit codes: 0 all in sync (or no photo to sync), 1 some stale, placeholder, unknown,
    unreadable or bad rows, 2 bad input. One --user gets run's codes (3 placeholder, 4 no
    photo of record).
    """
    from troubleshooter.audit.check import CheckRequest, run_check, validate
    from troubleshooter.audit.progress import AuditProgress
    from troubleshooter.audit.users import from_csv, from_options

    try:
        if bool(user) == (users is not None):
            from troubleshooter.errors import BadInputError

            raise BadInputError("pass either --user UPN (repeatable) or --users FILE.csv")
        source = from_csv(users) if users is not None else from_options(user or [])
        request = CheckRequest(
            users=source,
            operator=_operator(operator, tenant),
            tenant=tenant,
            photos=photos,
            out=out,
            session=session_options(
                sign_in, headed, sign_in_timeout, executable_path, channel, browser_endpoint
            ),
            concurrency=concurrency,
            sizes=tuple(dict.fromkeys(s.strip().upper() for s in sizes.split(",") if s.strip())),
            ticket=ticket,
            zip=zip_,
        )
        validate(request)  # before the progress bar takes the terminal
        with AuditProgress(source.count) as progress:
            result = run_check(request, progress)
    except TroubleshooterError as exc:
        fail(exc)
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        raise typer.Exit(stopping.exit_code(130)) from None
    counts = ", ".join(f"{v}: {n}" for v, n in sorted(result.counts.items()))
    if result.exit_code == 130:
        typer.echo("interrupted: the users checked so far are written up", err=True)
    for warning in result.warnings:
        typer.echo(f"warning: {warning}", err=True)
    typer.echo(f"Checked {sum(result.counts.values())} user(s): {counts}")
    typer.echo(f"Evidence: {result.folder}")
    if result.bundle is not None:
        typer.echo(f"Bundle: {result.bundle}")
    raise typer.Exit(stopping.exit_code(result.exit_code))


@app.command()
def guide(
    user: Annotated[str, typer.Option("--user", help="UPN of the user being helped.")],
    site: Annotated[
        str | None,
        typer.Option("--site", help="SharePoint site URL where the user is in a People web part."),
    ] = None,
    operator: AsOpt = None,
    tenant: TenantOpt = "sim",
    watch_timeout: Annotated[
        float,
        typer.Option("--watch-timeout", min=0, help="Seconds to watch for the change."),
    ] = 900.0,
    watch_interval: Annotated[
        float,
        typer.Option(
            "--watch-interval",
            min=0.5,
            help="Seconds before the first re-check; each wait is 1.5 times longer, at most 60.",
        ),
    ] = 5.0,
    out: OutOpt = Path("evidence"),
    ticket: TicketOpt = None,
    zip_: ZipOpt = False,
    headed: HeadedOpt = None,
    sign_in: SignInOpt = SignIn.password,
    sign_in_timeout: SignInTimeoutOpt = None,
    executable_path: ExecutableOpt = None,
    channel: ChannelOpt = None,
    browser_endpoint: EndpointOpt = None,
) -> None:
    """Guide the user through their own re-sync and watch it happen, as the operator.

    Checks first; if SharePoint is stale, prints the instructions (also message.md and
    message.html), then watches until SharePoint matches the photo of record. Exit codes:
    0 synced or already in sync, 1 still stale, 3 still the placeholder, 4 no photo of record.
    """
    from troubleshooter.audit.guide import GuideRequest, run_guide
    from troubleshooter.audit.progress import GuideTerminal

    request = GuideRequest(
        upn=user.strip(),
        operator=_operator(operator, tenant),
        tenant=tenant,
        site=site,
        out=out,
        session=session_options(
            sign_in, headed, sign_in_timeout, executable_path, channel, browser_endpoint
        ),
        watch_timeout_s=watch_timeout,
        watch_interval_s=watch_interval,
        ticket=ticket,
        zip=zip_,
    )
    terminal = GuideTerminal()
    try:
        result = run_guide(request, terminal)
    except TroubleshooterError as exc:
        terminal.stop()
        fail(exc)
    except KeyboardInterrupt:
        terminal.stop()
        typer.echo("interrupted", err=True)
        raise typer.Exit(stopping.exit_code(130)) from None
    terminal.stop()
    from troubleshooter.verdict import info

    about = info(result.outcome)
    typer.echo(f"Verdict: {result.outcome.value} (exit {result.exit_code}) — {about.summary}")
    typer.echo(f"Evidence: {result.folder}")
    if result.bundle is not None:
        typer.echo(f"Bundle: {result.bundle}")
    raise typer.Exit(stopping.exit_code(result.exit_code))


def recheck_guide_folder(run_dir: Path, tenant: str | None, session: SessionOptions) -> NoReturn:
    """A guide folder: check again as the guide's operator (the user is not signed in)."""
    from troubleshooter.audit.guide import recheck_guide

    try:
        outcome, code, number = recheck_guide(run_dir, tenant, session)
    except TroubleshooterError as exc:
        fail(exc)
    typer.echo(f"Verdict: {outcome.value} (exit {code})")
    typer.echo(f"Evidence: {run_dir} (recheck {number})")
    raise typer.Exit(code)
