"""The command line: parse options, call the core, map domain errors to exit codes.

One module per command group; heavy modules (Playwright, Pillow, the simulated tenant) are
imported inside the commands so that ``--help`` stays fast.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

import typer

from troubleshooter import stopping
from troubleshooter.cli import common

__all__ = ["app", "main"]

# The module that registers each command, in the order --help lists them. A command starts
# with only its own module imported: building every command's options would cost each start
# ~15 ms (issue 12).
COMMAND_MODULES = {
    "check": "audit",
    "guide": "audit",
    "pages": "pages",
    "run": "run",
    "demo": "run",
    "recheck": "run",
    "scenarios": "scenarios",
    "sim": "sim",
    "doctor": "tools",
    "exit-codes": "tools",
    "compare": "tools",
    "verify": "tools",
    "evidence": "tools",
}
MODULES = tuple(dict.fromkeys(COMMAND_MODULES.values()))


def register(argv: Sequence[str] = ()) -> typer.Typer:
    """The app with the command ``argv`` names registered; every command when it names none
    (help, --version) or one that does not exist (so that the error can list them)."""
    name = next((arg for arg in argv if not arg.startswith("-")), None)
    wanted = [COMMAND_MODULES[name]] if name in COMMAND_MODULES else MODULES
    for module in wanted:
        importlib.import_module(f"troubleshooter.cli.{module}")
    return common.app


def __getattr__(name: str) -> typer.Typer:
    """``from troubleshooter.cli import app``: the app with every command."""
    if name == "app":
        return register()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


PASSWORD_HELP = (
    "error: {option}: passwords are never taken from the command line (shell history and "
    "process lists keep them); set TROUBLESHOOTER_PASSWORD, store it with 'keyring set "
    "troubleshooter UPN', type it at the prompt, or use --sign-in interactive"
)


def main() -> None:
    """Console-script entry point."""
    from troubleshooter.validate import shown

    stopping.install()
    for arg in sys.argv[1:]:
        if arg.split("=", 1)[0] in {"--password", "--pass", "--pw"}:
            typer.echo(PASSWORD_HELP.format(option=arg.split("=", 1)[0]), err=True)
            sys.exit(2)
    try:
        code = register(sys.argv[1:])(standalone_mode=False)
    except typer.TyperException as exc:  # a usage error: one line, not Click's three
        if type(exc).__name__ == "NoArgsIsHelpError":  # a bare command group: its help
            typer.echo(exc.format_message())
            sys.exit(0)
        message = " ".join(exc.format_message().split())
        printable = message if message.isprintable() else shown(message, 200)
        typer.echo(f"error: {printable} (see --help)", err=True)
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        sys.exit(stopping.exit_code(130))
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
    sys.exit(code if isinstance(code, int) else 0)
