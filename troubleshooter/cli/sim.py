"""``troubleshooter sim``: the simulated Microsoft 365 tenant."""

from __future__ import annotations

from typing import Annotated

import typer

from troubleshooter.cli.common import app

# Spelled out, not imported: importing the sim costs every command a third of a second
# (tests/test_sim_faults.py checks that it names every fault in sim/faults.py).
FAULT_HELP = (
    "Inject a fault; repeat for several: latency[=SECONDS], photo-429, photo-429-burst[=N], "
    "photo-503, photo-500, retry-after=SECONDS, photo-corrupt-jpeg, photo-html, "
    "photo-trickle[=SECONDS], never-syncs, signin-changed, people-changed, outage[=HOST], "
    "outage-after=N, outage-reset (see the sim README)."
)
sim_app = typer.Typer(help="The simulated Microsoft 365 tenant.", no_args_is_help=True)
app.add_typer(sim_app, name="sim")


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
    fault: Annotated[
        list[str] | None,
        typer.Option(
            "--fault",
            metavar="NAME[=VALUE]",
            help=FAULT_HELP,
        ),
    ] = None,
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
    from troubleshooter.sim.faults import Faults, apply_fault, fault_names

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
        if faults.any:
            typer.echo(f"Faults: {', '.join(fault_names(faults))}")
        typer.echo("Tenant profile for --tenant (save as sim.yaml):")
        typer.echo(f"  name: sim\n  home: {urls.home}\n  sharepoint: {urls.sharepoint}")
        typer.echo(f"  mysite: {urls.mysite}\n  site: {urls.site}\n  outlook: {urls.outlook}")

    faults = Faults()
    for spec in fault or []:
        try:
            apply_fault(faults, spec)
        except ValueError as exc:
            typer.echo(f"error: --fault: {exc}", err=True)
            raise typer.Exit(2) from None
    try:
        options = SimOptions(
            sync_delay=sync_delay,
            extra_users=extra_users,
            extra_seed=seed,
            throttle_rate=throttle_rate,
            faults=faults,
        )
        serve_forever(options, "127.0.0.1", port, ready)
    except SimServeError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
