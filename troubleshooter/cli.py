"""The command line: parse options, call the core, map domain errors to exit codes.

Heavy modules (Playwright, Pillow, the simulated tenant) are imported inside the commands so
that ``--help`` stays fast.
"""

from __future__ import annotations

import sys
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
    "4 no photo of record, 10-18 sign-in problems, 20 page error, 21 browser error, "
    "70 internal error, 130 interrupted. `troubleshooter exit-codes` lists them all.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
scenarios_app = typer.Typer(help="List, show and check scenario files.", no_args_is_help=True)
sim_app = typer.Typer(help="The simulated Microsoft 365 tenant.", no_args_is_help=True)
app.add_typer(scenarios_app, name="scenarios")
app.add_typer(sim_app, name="sim")


class SignIn(StrEnum):
    password = "password"
    interactive = "interactive"


class Channel(StrEnum):
    msedge = "msedge"
    chrome = "chrome"


# ---- shared options --------------------------------------------------------------------------
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
HeadedOpt = Annotated[
    bool | None,
    typer.Option(
        "--headed/--headless",
        help="Show the browser window. Default: headless, except for --sign-in interactive.",
    ),
]


def _fail(exc: TroubleshooterError) -> NoReturn:
    from troubleshooter.verdict import exit_code

    typer.echo(f"error: {exc.message}", err=True)
    raise typer.Exit(exit_code(exc.outcome))


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


@app.command()
def run(
    scenario: Annotated[str, typer.Argument(help="Built-in scenario name or a YAML file.")],
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
    ticket: Annotated[
        str | None, typer.Option("--ticket", help="Ticket id for the report.")
    ] = None,
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
    zip_: Annotated[
        bool, typer.Option("--zip", help="Also write <run folder>.zip, to attach to the ticket.")
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
        session=_session(
            sign_in, headed, sign_in_timeout, executable_path, channel, browser_endpoint
        ),
        poll_timeout_s=poll_timeout,
        ticket=ticket,
        operator=operator,
        targets_file=targets,
        expected_photo=expected_photo,
        photo=photo,
        zip=zip_,
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

    typer.echo("Starting the simulated Microsoft 365 tenant on 127.0.0.1 …")
    request = RunRequest(
        scenario=DEMO_SCENARIO,
        upn=user,
        out=out,
        session=_session(SignIn.password, headed, None, executable_path, None, None),
        operator="troubleshooter demo",
    )
    _run_and_exit(request)


def _session(
    sign_in: SignIn,
    headed: bool | None,
    sign_in_timeout: float | None,
    executable_path: str | None,
    channel: Channel | None,
    endpoint: str | None,
) -> SessionOptions:
    from troubleshooter.context import SessionOptions

    return SessionOptions(
        sign_in=sign_in.value,
        headed=headed,
        sign_in_timeout_s=sign_in_timeout,
        executable_path=executable_path,
        channel=channel.value if channel else None,
        endpoint=endpoint,
    )


def _run_and_exit(request: object) -> NoReturn:
    from troubleshooter.jobs import run_job

    try:
        job = run_job(request)  # type: ignore[arg-type]
    except TroubleshooterError as exc:
        _fail(exc)
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        raise typer.Exit(130) from None
    for warning in job.warnings:
        typer.echo(f"warning: {warning}", err=True)
    if job.folder is not None:
        typer.echo(f"Evidence: {job.folder}")
    if job.bundle is not None:
        typer.echo(f"Bundle: {job.bundle}")
    raise typer.Exit(job.result.exit_code)


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

    _fail(BadInputError("--as: pass your own (the operator's) account, like helpdesk@contoso.com"))


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
        int, typer.Option("--concurrency", min=1, max=32, help="Photo requests in flight.")
    ] = 4,
    out: OutOpt = Path("evidence"),
    ticket: Annotated[
        str | None, typer.Option("--ticket", help="Ticket id: groups the evidence.")
    ] = None,
    zip_: Annotated[bool, typer.Option("--zip", help="Also write <folder>.zip.")] = False,
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
            session=_session(
                sign_in, headed, sign_in_timeout, executable_path, channel, browser_endpoint
            ),
            concurrency=concurrency,
            ticket=ticket,
            zip=zip_,
        )
        validate(request)  # before the progress bar takes the terminal
        with AuditProgress(source.count) as progress:
            result = run_check(request, progress)
    except TroubleshooterError as exc:
        _fail(exc)
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        raise typer.Exit(130) from None
    counts = ", ".join(f"{v}: {n}" for v, n in sorted(result.counts.items()))
    if result.exit_code == 130:
        typer.echo("interrupted: the users checked so far are written up", err=True)
    for warning in result.warnings:
        typer.echo(f"warning: {warning}", err=True)
    typer.echo(f"Checked {sum(result.counts.values())} user(s): {counts}")
    typer.echo(f"Evidence: {result.folder}")
    if result.bundle is not None:
        typer.echo(f"Bundle: {result.bundle}")
    raise typer.Exit(result.exit_code)


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
    ticket: Annotated[
        str | None, typer.Option("--ticket", help="Ticket id: groups the evidence.")
    ] = None,
    zip_: Annotated[bool, typer.Option("--zip", help="Also write <folder>.zip.")] = False,
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
        session=_session(
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
        _fail(exc)
    except KeyboardInterrupt:
        terminal.stop()
        typer.echo("interrupted", err=True)
        raise typer.Exit(130) from None
    terminal.stop()
    from troubleshooter.verdict import info

    about = info(result.outcome)
    typer.echo(f"Verdict: {result.outcome.value} (exit {result.exit_code}) — {about.summary}")
    typer.echo(f"Evidence: {result.folder}")
    if result.bundle is not None:
        typer.echo(f"Bundle: {result.bundle}")
    raise typer.Exit(result.exit_code)


@app.command()
def doctor(
    tenant: TenantOpt = "sim",
    browser_only: Annotated[
        bool, typer.Option("--browser-only", help="Only check that a browser can start.")
    ] = False,
    executable_path: ExecutableOpt = None,
    channel: ChannelOpt = None,
    browser_endpoint: EndpointOpt = None,
) -> None:
    """Check the browser, Playwright, and whether the tenant's URLs can be reached."""
    from rich.console import Console
    from rich.table import Table

    from troubleshooter.doctor import run_checks
    from troubleshooter.jobs import tenant_for

    browser = (executable_path, channel.value if channel else None, browser_endpoint)
    try:
        if browser_only:
            checks = run_checks(None, *browser)
        else:
            with tenant_for(tenant) as (profile, _):
                checks = run_checks(profile, *browser)
    except TroubleshooterError as exc:
        _fail(exc)
    table = Table(title="troubleshooter doctor")
    for column in ("check", "result", "detail"):
        table.add_column(column)
    for check in checks:
        table.add_row(check.name, "ok" if check.ok else "FAILED", check.detail)
    Console(highlight=False).print(table)
    raise typer.Exit(0 if all(c.ok for c in checks) else 1)


@app.command()
def recheck(
    run_dir: Annotated[Path, typer.Argument(help="The run folder of an earlier run.")],
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
    """Repeat the photo check of an earlier run (or guide) in a new private session, and add it
    to its folder."""
    from troubleshooter.audit.guide import is_guide_folder
    from troubleshooter.recheck import RecheckRequest, run_recheck

    if is_guide_folder(run_dir):
        session = _session(
            sign_in, headed, sign_in_timeout, executable_path, channel, browser_endpoint
        )
        _recheck_guide(run_dir, tenant, session)

    request = RecheckRequest(
        run_dir=run_dir,
        tenant=tenant,
        poll_timeout_s=poll_timeout,
        session=_session(
            sign_in, headed, sign_in_timeout, executable_path, channel, browser_endpoint
        ),
    )
    try:
        result = run_recheck(request)
    except TroubleshooterError as exc:
        _fail(exc)
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        raise typer.Exit(130) from None
    typer.echo(f"Evidence: {result.folder} (recheck {result.number})")
    raise typer.Exit(result.exit_code)


def _recheck_guide(run_dir: Path, tenant: str | None, session: SessionOptions) -> NoReturn:
    """A guide folder: check again as the guide's operator (the user is not signed in)."""
    from troubleshooter.audit.guide import recheck_guide

    try:
        outcome, code, number = recheck_guide(run_dir, tenant, session)
    except TroubleshooterError as exc:
        _fail(exc)
    typer.echo(f"Verdict: {outcome.value} (exit {code})")
    typer.echo(f"Evidence: {run_dir} (recheck {number})")
    raise typer.Exit(code)


@app.command("exit-codes")
def exit_codes() -> None:
    """Print every verdict with its exit code and advice."""
    from troubleshooter.verdict import all_outcomes

    for outcome, about in all_outcomes():
        typer.echo(f"{about.exit_code:>3}  {outcome.value:<27} {about.summary}")


@app.command()
def compare(
    first: Annotated[Path, typer.Argument(help="An image file.")],
    second: Annotated[Path, typer.Argument(help="Another image file.")],
) -> None:
    """Say whether two images show the same photo (exit 0 same, 1 different)."""
    from troubleshooter.photo import compare_files

    try:
        result = compare_files(first, second)
    except TroubleshooterError as exc:
        _fail(exc)
    verdict = "same" if result.same else "different"
    typer.echo(f"{verdict} (distance {result.distance}, same when <= {result.threshold})")
    raise typer.Exit(0 if result.same else 1)


# ---- scenarios ---------------------------------------------------------------------------------
@scenarios_app.command("list")
def scenarios_list() -> None:
    """List the built-in scenarios."""
    from troubleshooter.scenario import builtin_names, load_scenario

    for name in builtin_names():
        typer.echo(f"{name:<20} {load_scenario(name).title}")


@scenarios_app.command("show")
def scenarios_show(
    name: Annotated[str, typer.Argument(help="Built-in scenario name or a YAML file.")],
) -> None:
    """Print a scenario's YAML."""
    from troubleshooter.scenario import find_scenario, load_scenario

    try:
        load_scenario(name)
        typer.echo(find_scenario(name).read_text(encoding="utf-8"), nl=False)
    except TroubleshooterError as exc:
        _fail(exc)


@scenarios_app.command("validate")
def scenarios_validate(
    files: Annotated[list[str], typer.Argument(help="Scenario files or built-in names.")],
) -> None:
    """Check scenario files; exit 2 if any is not valid."""
    from troubleshooter.scenario import load_scenario

    bad = 0
    for spec in files:
        try:
            scenario = load_scenario(spec)
            typer.echo(f"ok: {spec} ({scenario.name}, {len(scenario.steps)} steps)")
        except TroubleshooterError as exc:
            typer.echo(f"error: {exc.message}", err=True)
            bad += 1
    raise typer.Exit(2 if bad else 0)


# ---- simulated tenant ----------------------------------------------------------------------------
@sim_app.command("serve")
def sim_serve(
    port: Annotated[
        int, typer.Option("--port", min=0, max=65535, help="0 = any free port.")
    ] = 8765,
    sync_delay: Annotated[
        float, typer.Option("--sync-delay", min=0, help="Seconds before SharePoint refreshes.")
    ] = 1.5,
    extra_users: Annotated[
        int,
        typer.Option(
            "--extra-users",
            min=0,
            max=100_000,
            help="Also generate this many users (user0001@…) with photos, some stale.",
        ),
    ] = 0,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the generated users.")] = 1,
    throttle_rate: Annotated[
        float,
        typer.Option(
            "--throttle-rate",
            min=0,
            help="Photo requests per second per session before 429 + Retry-After (0: never).",
        ),
    ] = 0.0,
) -> None:
    """Serve the simulated tenant on 127.0.0.1 until Ctrl-C."""
    from troubleshooter.sim import (
        DEMO_PASSWORD,
        DEMO_USERS,
        SimOptions,
        SimServeError,
        describe,
        serve_forever,
    )

    def ready(sim: object) -> None:
        urls = sim.urls  # type: ignore[attr-defined]
        typer.echo(f"Simulated tenant on port {sim.port}  (Ctrl-C to stop)")  # type: ignore[attr-defined]
        for name in ("home", "sharepoint", "mysite", "outlook", "login", "site"):
            typer.echo(f"  {name:<11} {getattr(urls, name)}")
        typer.echo(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
        for user in DEMO_USERS:
            typer.echo(f"  {user.upn:<42} {describe(user)}")
        if extra_users:
            typer.echo(f"  + {extra_users} generated users user0001@… (seed {seed}; same password)")
        typer.echo("Tenant profile for --tenant (save as sim.yaml):")
        typer.echo(f"  name: sim\n  home: {urls.home}\n  sharepoint: {urls.sharepoint}")
        typer.echo(f"  mysite: {urls.mysite}\n  site: {urls.site}\n  outlook: {urls.outlook}")

    try:
        options = SimOptions(
            sync_delay=sync_delay,
            extra_users=extra_users,
            extra_seed=seed,
            throttle_rate=throttle_rate,
        )
        serve_forever(options, "127.0.0.1", port, ready)
    except SimServeError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


# ---- evidence ------------------------------------------------------------------------------------
evidence_app = typer.Typer(help="Run folders: retention.", no_args_is_help=True)
app.add_typer(evidence_app, name="evidence")


@app.command()
def verify(
    run: Annotated[
        Path, typer.Argument(help="A run folder or its .zip.", exists=True, readable=True)
    ],
) -> None:
    """Check a run folder or zip against its manifest.json (exit 1 on any difference)."""
    from troubleshooter.evidence.manifest import verify as verify_run

    try:
        result = verify_run(run)
    except TroubleshooterError as exc:
        _fail(exc)
    for line in result.lines():
        typer.echo(line)
    raise typer.Exit(0 if result.ok else 1)


@evidence_app.command("prune")
def evidence_prune(
    older_than: Annotated[
        str, typer.Option("--older-than", help="Age like 30d, 12h or 2w (by the run's start).")
    ],
    out: OutOpt = Path("evidence"),
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only list what would be deleted.")
    ] = False,
) -> None:
    """Delete run folders (and their zips) older than the given age."""
    from troubleshooter.evidence.prune import delete, old_runs, parse_age

    try:
        runs = old_runs(out, parse_age(older_than))
    except TroubleshooterError as exc:
        _fail(exc)
    verb = "would delete" if dry_run else "deleted"
    if not dry_run:
        delete(runs)
    for found in runs:
        for path in found.paths():
            typer.echo(f"{verb}: {path}  (started {found.started:%Y-%m-%d %H:%M} UTC)")
    typer.echo(f"{len(runs)} run folder(s) {verb}, older than {older_than}.")


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # a bug: one line for the user, not a traceback
        from troubleshooter.evidence.redact import redact_text
        from troubleshooter.verdict import Outcome, exit_code

        what = redact_text(f"{exc.__class__.__name__}: {exc}").splitlines()[0]
        typer.echo(
            f"error: internal error ({what}). This is a bug in "
            "troubleshooter; please report it with the command you ran.",
            err=True,
        )
        sys.exit(exit_code(Outcome.INTERNAL_ERROR))
