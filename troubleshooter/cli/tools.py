"""Commands that check and keep evidence and the setup: doctor, verify, compare, exit-codes,
evidence prune."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from troubleshooter.cli.common import (
    ChannelOpt,
    EndpointOpt,
    ExecutableOpt,
    OutOpt,
    TenantOpt,
    app,
    fail,
)
from troubleshooter.errors import TroubleshooterError


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
    from rich.table import Table

    from troubleshooter.doctor import run_checks
    from troubleshooter.progress import plain_console
    from troubleshooter.tenant import tenant_for

    browser = (executable_path, channel.value if channel else None, browser_endpoint)
    try:
        if browser_only:
            checks = run_checks(None, *browser)
        else:
            with tenant_for(tenant) as (profile, _):
                checks = run_checks(profile, *browser)
    except TroubleshooterError as exc:
        fail(exc)
    table = Table(title="troubleshooter doctor")
    for column in ("check", "result", "detail"):
        table.add_column(column)
    for check in checks:
        table.add_row(check.name, check.result, check.detail)
    plain_console().print(table)
    raise typer.Exit(0 if all(c.ok for c in checks) else 1)


@app.command("exit-codes")
def exit_codes() -> None:
    """Print every verdict with its exit code and advice, by exit code."""
    import shutil
    import textwrap

    from troubleshooter.verdict import all_outcomes

    width = max(60, min(shutil.get_terminal_size().columns, 100))
    indent = " " * 5
    for outcome, about in sorted(all_outcomes(), key=lambda pair: pair[1].exit_code):
        typer.echo(f"{about.exit_code:>3}  {outcome.value}")
        typer.echo(
            textwrap.fill(about.summary, width, initial_indent=indent, subsequent_indent=indent)
        )
        typer.echo(
            textwrap.fill(
                f"Next: {about.advice}", width, initial_indent=indent, subsequent_indent=indent
            )
        )


@app.command()
def compare(
    first: Annotated[
        Path, typer.Argument(metavar="FIRST", help="The reference image (the photo of record).")
    ],
    second: Annotated[
        Path,
        typer.Argument(metavar="SECOND", help="Another image (for example SharePoint's copy)."),
    ],
) -> None:
    """Say whether SECOND is a resample of the same source image as FIRST.

    Exit 0 same, 1 different (a retake, edit or other photo), 5 cannot tell.
    """
    from troubleshooter.photo import Likeness, compare_files
    from troubleshooter.verdict import Outcome, exit_code

    try:
        result = compare_files(first, second)
    except TroubleshooterError as exc:
        fail(exc)
    verdict = result.verdict
    meaning = {
        Likeness.SAME: "a resample of the same source image",
        Likeness.DIFFERENT: "not the same source image",
        Likeness.CANNOT_TELL: "too close to call: look at both images",
    }[verdict]
    typer.echo(f"{verdict.value}: {meaning}")
    typer.echo("\n".join(result.table()))
    codes = {Likeness.SAME: 0, Likeness.DIFFERENT: 1}
    raise typer.Exit(codes.get(verdict, exit_code(Outcome.CANNOT_TELL)))


# ---- evidence ------------------------------------------------------------------------------------
evidence_app = typer.Typer(help="Run folders: retention.", no_args_is_help=True)
app.add_typer(evidence_app, name="evidence")


@app.command()
def verify(
    run: Annotated[
        Path,
        typer.Argument(metavar="RUN", help="A run folder or its .zip.", exists=True, readable=True),
    ],
) -> None:
    """Check a run folder or zip against its manifest.json (exit 1 on any difference)."""
    from troubleshooter.evidence.manifest import verify as verify_run

    try:
        result = verify_run(run)
    except TroubleshooterError as exc:
        fail(exc)
    for line in result.lines():
        typer.echo(line)
    raise typer.Exit(0 if result.ok else 1)


@evidence_app.command("prune")
def evidence_prune(
    older_than: Annotated[
        str,
        typer.Option(
            "--older-than",
            help="Age by the run's start: a whole number and a unit, "
            "s, min, h, d or w (30d, 12h, 90min, 4w). 'm' is refused: minutes or months?",
        ),
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
        fail(exc)
    verb = "would delete" if dry_run else "deleted"
    if not dry_run:
        delete(runs)
    for found in runs:
        for path in found.paths():
            typer.echo(f"{verb}: {path}  (started {found.started:%Y-%m-%d %H:%M} UTC)")
    typer.echo(f"{len(runs)} run folder(s) {verb}, older than {older_than}.")
