"""What every command group shares: the app, the common options, and the one error exit."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from troubleshooter import __version__
from troubleshooter.errors import TroubleshooterError

if TYPE_CHECKING:
    from troubleshooter.context import SessionOptions

app = typer.Typer(
    help="Trigger and prove Microsoft 365 profile photo re-sync in SharePoint Online.",
    epilog="Exit codes: 0 in sync, 1 still stale, 2 bad input, 3 placeholder, "
    "4 no photo of record, 5 cannot tell, 10-18 sign-in problems, 20 page error, 21 browser error, "
    "70 internal error, 130 interrupted. `troubleshooter exit-codes` lists them all.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


class SignIn(StrEnum):
    password = "password"
    interactive = "interactive"


class Channel(StrEnum):
    msedge = "msedge"
    chrome = "chrome"


TenantOpt = Annotated[
    str,
    typer.Option(
        "--tenant",
        help="'sim' (the embedded simulated tenant), a tenant name like 'contoso' "
        "(www.office.com + contoso.sharepoint.com), or a tenant profile .yaml file.",
    ),
]
ExecutableOpt = Annotated[
    str | None,
    typer.Option("--executable-path", help="Browser binary to use (or TROUBLESHOOTER_BROWSER)."),
]
ChannelOpt = Annotated[
    Channel | None, typer.Option("--channel", help="Use an installed Edge or Chrome.")
]
EndpointOpt = Annotated[
    str | None,
    typer.Option(
        "--browser-endpoint",
        help="Connect to a running `playwright run-server` (ws://…) instead of launching.",
    ),
]
SignInOpt = Annotated[
    SignIn,
    typer.Option(
        "--sign-in",
        help="password: from TROUBLESHOOTER_PASSWORD, the OS keyring or a hidden prompt. "
        "interactive: the user signs in in a browser window.",
    ),
]
SignInTimeoutOpt = Annotated[
    float | None, typer.Option("--sign-in-timeout", min=1, help="Seconds to wait for sign-in.")
]
OutOpt = Annotated[Path, typer.Option("--out", help="Folder for run folders (evidence).")]
TicketOpt = Annotated[
    str | None,
    typer.Option("--ticket", help="Ticket id: groups the evidence and goes in the report."),
]
ZipOpt = Annotated[
    bool, typer.Option("--zip", help="Also write <folder>.zip next to it, to attach to the ticket.")
]
HeadedOpt = Annotated[
    bool | None,
    typer.Option(
        "--headed/--headless",
        help="Show the browser window. Default: headless, except for --sign-in interactive.",
    ),
]


def fail(exc: TroubleshooterError) -> NoReturn:
    from troubleshooter.verdict import exit_code

    typer.echo(f"error: {exc.message}", err=True)
    raise typer.Exit(exit_code(exc.outcome))


def session_options(
    sign_in: SignIn,
    headed: bool | None,
    sign_in_timeout: float | None,
    executable_path: str | None,
    channel: Channel | None,
    endpoint: str | None,
) -> SessionOptions:
    from troubleshooter.browser import display_problem
    from troubleshooter.context import SessionOptions
    from troubleshooter.errors import BadInputError

    options = SessionOptions(
        sign_in=sign_in.value,
        headed=headed,
        sign_in_timeout_s=sign_in_timeout,
        executable_path=executable_path,
        channel=channel.value if channel else None,
        endpoint=endpoint,
    )
    # Before any browser starts or any run folder is made.
    problem = display_problem(options.show_window, endpoint)
    if problem:
        fail(BadInputError(problem))
    return options


def _version(value: bool) -> None:
    if value:
        typer.echo(f"troubleshooter {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Trigger and prove Microsoft 365 profile photo re-sync in SharePoint Online."""
