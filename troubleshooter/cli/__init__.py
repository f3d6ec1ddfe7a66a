"""The command line: parse options, call the core, map domain errors to exit codes.

One module per command group; heavy modules (Playwright, Pillow, the simulated tenant) are
imported inside the commands so that ``--help`` stays fast.
"""

from __future__ import annotations

import sys

import typer

from troubleshooter.cli import audit, run, scenarios, sim, tools  # noqa: F401  (registers commands)
from troubleshooter.cli.common import app

__all__ = ["app", "main"]


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # a bug: one line for the user, not a traceback
        from troubleshooter.errors import first_line
        from troubleshooter.evidence.redact import redact_text
        from troubleshooter.verdict import Outcome, exit_code

        what = redact_text(f"{exc.__class__.__name__}: {first_line(exc)}")
        typer.echo(
            f"error: internal error ({what}). This is a bug in "
            "troubleshooter; please report it with the command you ran.",
            err=True,
        )
        sys.exit(exit_code(Outcome.INTERNAL_ERROR))
