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
    from rich.console import Console
    from rich.table import Table

    from troubleshooter.doctor import run_checks
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
        table.add_row(check.name, "ok" if check.ok else "FAILED", check.detail)
    Console(highlight=False).print(table)
    raise typer.Exit(0 if all(c.ok for c in checks) else 1)


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
        fail(exc)
    verdict = "same" if result.same else "different"
    typer.echo(f"{verdict} (distance {result.distance}, same when <= {result.threshold})")
    raise typer.Exit(0 if result.same else 1)


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
        fail(exc)
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
        fail(exc)
    verb = "would delete" if dry_run else "deleted"
    if not dry_run:
        delete(runs)
    for found in runs:
        for path in found.paths():
            typer.echo(f"{verb}: {path}  (started {found.started:%Y-%m-%d %H:%M} UTC)")
    typer.echo(f"{len(runs)} run folder(s) {verb}, older than {older_than}.")
