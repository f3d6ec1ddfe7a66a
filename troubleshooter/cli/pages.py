"""``troubleshooter pages check``: the page map (targets.yaml) against saved pages, offline."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from troubleshooter.cli.common import ExecutableOpt, app, fail
from troubleshooter.errors import TroubleshooterError

pages_app = typer.Typer(
    help="The page map (targets.yaml) against saved pages.", no_args_is_help=True
)
app.add_typer(pages_app, name="pages")


@pages_app.command("check")
def pages_check(
    paths: Annotated[
        list[Path],
        typer.Argument(
            metavar="PATHS...", help="Saved pages (.html) or run folders from `run --save-pages`."
        ),
    ],
    targets: Annotated[
        Path | None,
        typer.Option("--targets", help="The targets YAML to check (default: built-in)."),
    ] = None,
    executable_path: ExecutableOpt = None,
) -> None:
    """Which targets each saved page shows, which strategy finds each, and which sign-in view
    the tool would read, offline. Exit 1 when a page misses a target it needs."""
    from troubleshooter.pages.check import check_pages, collect, report_lines
    from troubleshooter.targets import TargetBook

    try:
        book = TargetBook.load(targets)
        results = check_pages(collect(paths), book, executable_path)
    except TroubleshooterError as exc:
        fail(exc)
    for line in report_lines(results):
        typer.echo(line)
    raise typer.Exit(1 if any(r.failures for r in results) else 0)
