"""The commands that run a session: run, demo, recheck."""

from __future__ import annotations

from dataclasses import replace
from enum import StrEnum
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


class TraceOpt(StrEnum):
    full = "full"
    light = "light"
    off = "off"


if TYPE_CHECKING:
    from troubleshooter.jobs import RunRequest


def _builtin_scenarios() -> str:
    """The built-in scenario names for --help, without importing the (slow) scenario models;
    the same folders as scenario.builtin_dir (a test keeps them equal)."""
    from importlib import resources

    packaged = resources.files("troubleshooter") / "builtin_scenarios"
    repo = Path(__file__).resolve().parents[2] / "scenarios"
    folder = Path(str(packaged)) if packaged.is_dir() else repo
    return ", ".join(sorted(p.stem for p in folder.glob("*.yaml")))


@app.command()
def run(
    scenario: Annotated[
        str,
        typer.Argument(
            metavar="SCENARIO",
            help=f"A built-in scenario ({_builtin_scenarios()}) or a scenario YAML file.",
        ),
    ],
    user: Annotated[str, typer.Option("--user", help="UPN of the user being helped.")],
    tenant: TenantOpt = "sim",
    site: Annotated[
        str | None,
        typer.Option("--site", help="SharePoint site URL where the user is in a People web part."),
    ] = None,
    out: OutOpt = Path("evidence"),
    headed: HeadedOpt = None,
    sign_in: SignInOpt = SignIn.password,
    sign_in_timeout: SignInTimeoutOpt = None,
    poll_timeout: Annotated[
        float | None,
        typer.Option(
            "--poll-timeout",
            min=0,
            help="Seconds to keep asking SharePoint after the re-sync steps (0: ask once; "
            "default: the scenario's, 60 s for the built-ins).",
        ),
    ] = None,
    ticket: TicketOpt = None,
    operator: Annotated[
        str | None, typer.Option("--operator", help="Who ran it, for the report.")
    ] = None,
    targets: Annotated[
        Path | None,
        typer.Option("--targets", help="Your own targets YAML (e.g. translated UI labels)."),
    ] = None,
    expected_photo: Annotated[
        Path | None,
        typer.Option(
            "--expected-photo",
            help="The photo of record as a file (at most 4 MB), instead of the one the "
            "Microsoft 365 home shows.",
        ),
    ] = None,
    photo: Annotated[
        Path | None,
        typer.Option("--photo", help="The new photo for scenarios that upload one (${photo})."),
    ] = None,
    zip_: ZipOpt = False,
    trace: Annotated[
        TraceOpt,
        typer.Option(
            "--trace",
            help="Playwright trace after sign-in: light (a DOM snapshot of every action), "
            "full (also a filmstrip of screenshots, a bigger bundle) or off.",
        ),
    ] = TraceOpt.light,
    save_pages: Annotated[
        bool,
        typer.Option(
            "--save-pages",
            help="Keep a redacted copy of every page visited, for `troubleshooter pages check`.",
        ),
    ] = False,
    executable_path: ExecutableOpt = None,
    channel: ChannelOpt = None,
    browser_endpoint: EndpointOpt = None,
) -> None:
    """Run a scenario for one user in a new private browser session."""
    from troubleshooter.jobs import RunRequest

    request = RunRequest(
        scenario=scenario,
        upn=user.strip(),
        tenant=tenant,
        site=site,
        out=out,
        session=replace(
            session_options(
                sign_in, headed, sign_in_timeout, executable_path, channel, browser_endpoint
            ),
            trace=trace.value,
        ),
        poll_timeout_s=poll_timeout,
        ticket=ticket,
        operator=operator,
        targets_file=targets,
        expected_photo=expected_photo,
        photo=photo,
        zip=zip_,
        save_pages=save_pages,
    )
    _run_and_exit(request)


@app.command()
def demo(
    user: Annotated[
        str, typer.Option("--user", help="Demo user (`troubleshooter sim serve` lists them).")
    ] = "adele.vance@contoso.onmicrosoft.com",  # the stale one
    out: OutOpt = Path("evidence"),
    headed: HeadedOpt = None,
    executable_path: ExecutableOpt = None,
) -> None:
    """Start the simulated tenant and fix the demo user's stale SharePoint photo."""
    from troubleshooter.jobs import DEMO_SCENARIO, RunRequest
    from troubleshooter.validate import check_upn

    try:
        check_upn(user)
    except TroubleshooterError as exc:
        fail(exc)
    typer.echo("Starting the simulated Microsoft 365 tenant on 127.0.0.1 …")
    request = RunRequest(
        scenario=DEMO_SCENARIO,
        upn=user,
        out=out,
        session=session_options(SignIn.password, headed, None, executable_path, None, None),
        operator="troubleshooter demo",
    )
    _run_and_exit(request)


def _run_and_exit(request: RunRequest) -> NoReturn:
    from troubleshooter.jobs import run_job
    from troubleshooter.progress import ProgressPrinter

    try:
        job = run_job(request, [ProgressPrinter()])
    except TroubleshooterError as exc:
        fail(exc)
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        raise typer.Exit(stopping.exit_code(130)) from None
    for warning in job.warnings:
        typer.echo(f"warning: {warning}", err=True)
    if job.folder is not None:
        typer.echo(f"Evidence: {job.folder}")
    if job.bundle is not None:
        typer.echo(f"Bundle: {job.bundle}")
    if job.folder is not None:
        _open_line(job.folder)
    raise typer.Exit(stopping.exit_code(job.result.exit_code))


def _open_line(folder: Path) -> None:
    """The last line of every run: the report to open (a link where the terminal allows)."""
    from rich.markup import escape

    from troubleshooter.progress import plain_console

    report = (folder / "report.html").resolve()
    console = plain_console(soft_wrap=True)
    console.print(f"Open: [link={report.as_uri()}]{escape(str(report))}[/link]")


@app.command()
def recheck(
    run_dir: Annotated[
        Path, typer.Argument(metavar="RUN_DIR", help="The run folder of an earlier run.")
    ],
    tenant: Annotated[
        str | None,
        typer.Option(
            "--tenant",
            help="The first run's tenant (name or profile file); default: the one it recorded.",
        ),
    ] = None,
    poll_timeout: Annotated[
        float | None,
        typer.Option("--poll-timeout", min=0, help="Seconds to keep asking SharePoint (0: once)."),
    ] = None,
    headed: HeadedOpt = None,
    sign_in: SignInOpt = SignIn.password,
    sign_in_timeout: SignInTimeoutOpt = None,
    executable_path: ExecutableOpt = None,
    channel: ChannelOpt = None,
    browser_endpoint: EndpointOpt = None,
) -> None:
    """Repeat the photo check of an earlier run (or guide) in a new private session, and add
    it to its folder."""
    from troubleshooter.audit.guide import is_guide_folder
    from troubleshooter.progress import ProgressPrinter
    from troubleshooter.recheck import RecheckRequest, run_recheck

    session = session_options(
        sign_in, headed, sign_in_timeout, executable_path, channel, browser_endpoint
    )
    if is_guide_folder(run_dir):
        from troubleshooter.cli.audit import recheck_guide_folder

        recheck_guide_folder(run_dir, tenant, session)
    request = RecheckRequest(
        run_dir=run_dir,
        tenant=tenant,
        poll_timeout_s=poll_timeout,
        session=session,
    )
    try:
        result = run_recheck(request, [ProgressPrinter()])
    except TroubleshooterError as exc:
        fail(exc)
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        raise typer.Exit(stopping.exit_code(130)) from None
    typer.echo(f"Evidence: {result.folder} (recheck {result.number})")
    bundle = result.folder.with_name(result.folder.name + ".zip")
    if bundle.is_file():
        from troubleshooter.evidence.bundle import bundle as write_bundle

        # The first run's zip no longer holds the whole folder: attach this one instead.
        typer.echo(
            f"Bundle: {write_bundle(result.folder)} (rewritten with recheck {result.number})"
        )
    _open_line(result.folder)
    raise typer.Exit(stopping.exit_code(result.exit_code))
