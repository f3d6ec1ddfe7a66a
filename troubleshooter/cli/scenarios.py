"""``troubleshooter scenarios``: list, show and check scenario files."""

from __future__ import annotations

from typing import Annotated

import typer

from troubleshooter.cli.common import app, fail
from troubleshooter.errors import TroubleshooterError

scenarios_app = typer.Typer(help="List, show and check scenario files.", no_args_is_help=True)
app.add_typer(scenarios_app, name="scenarios")


@scenarios_app.command("list")
def scenarios_list() -> None:
    """List the built-in scenarios."""
    from troubleshooter.scenario import builtin_names, load_scenario

    for name in builtin_names():
        typer.echo(f"{name:<20} {load_scenario(name).title}")


@scenarios_app.command("show")
def scenarios_show(
    name: Annotated[
        str, typer.Argument(metavar="NAME", help="Built-in scenario name or a YAML file.")
    ],
) -> None:
    """Print a scenario's YAML."""
    from troubleshooter.scenario import find_scenario, load_scenario

    try:
        load_scenario(name)
        typer.echo(find_scenario(name).read_text(encoding="utf-8"), nl=False)
    except TroubleshooterError as exc:
        fail(exc)


@scenarios_app.command("validate")
def scenarios_validate(
    files: Annotated[
        list[str], typer.Argument(metavar="FILES...", help="Scenario files or built-in names.")
    ],
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
