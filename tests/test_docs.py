"""The README stays true to the code: every command and every exit code is documented."""

from __future__ import annotations

import re

import pytest
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
