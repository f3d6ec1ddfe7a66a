"""The README stays true to the code: every command and every exit code is documented."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
import typer
import typer.main

from tests.helpers import ROOT
from troubleshooter.cli import app
from troubleshooter.verdict import all_outcomes

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands(group: object, prefix: str = "") -> list[str]:
    names = []
    for name, command in sorted(group.commands.items()):  # type: ignore[attr-defined]
        if hasattr(command, "commands"):
            names += _commands(command, f"{prefix}{name} ")
        else:
            names.append(f"{prefix}{name}")
    return names


COMMANDS = _commands(typer.main.get_command(app))  # type: ignore[arg-type]


def test_there_are_commands() -> None:
    assert {"run", "demo", "doctor", "scenarios list", "sim serve"} <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_is_in_the_readme(command: str) -> None:
    assert f"troubleshooter {command}" in README


@pytest.mark.parametrize(("outcome", "about"), all_outcomes(), ids=lambda v: str(v)[:30])
def test_every_exit_code_is_in_the_readme(outcome: object, about: object) -> None:
    row = re.search(rf"^\| *{about.exit_code} *\| *`{outcome.value}` *\|", README, re.M)  # type: ignore[attr-defined]
    assert row, f"README exit-code table lacks {outcome.value} = {about.exit_code}"  # type: ignore[attr-defined]


def test_readme_starts_with_the_two_commands() -> None:
    first_block = README.split("```")[1]
    assert "make demo" in first_block and "make test" in first_block


def _registered(app: typer.Typer) -> set[str]:
    groups = {group.name or "" for group in app.registered_groups}
    return groups | {c.name or c.callback.__name__ for c in app.registered_commands}  # type: ignore[union-attr]


def test_each_command_starts_with_the_module_that_registers_it() -> None:
    """`main()` imports only the named command's module: the map must say where each is."""
    from troubleshooter.cli import COMMAND_MODULES, MODULES

    assert set(COMMAND_MODULES) == _registered(app)
    for module in MODULES:
        script = (
            "import json, sys; from troubleshooter.cli import common; "
            f"import troubleshooter.cli.{module}; "
            "groups = [g.name for g in common.app.registered_groups]; "
            "names = [c.name or c.callback.__name__ for c in common.app.registered_commands]; "
            "print(json.dumps(groups + names))"
        )
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
        names = set(json.loads(out.stdout))
        assert names == {n for n, m in COMMAND_MODULES.items() if m == module}, module
