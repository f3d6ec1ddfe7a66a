"""Scenario files: built-ins validate, and each mistake gets one exact message."""

from __future__ import annotations

from pathlib import Path

import pytest

from troubleshooter.errors import BadInputError
from troubleshooter.scenario import builtin_names, load_scenario, parse_scenario, substitute

BAD = Path(__file__).parent / "bad_inputs"


@pytest.mark.parametrize("name", builtin_names())
def test_builtin_scenarios_validate(name: str) -> None:
    scenario = load_scenario(name)
    assert scenario.name == name
    assert scenario.steps


@pytest.mark.parametrize(
    ("file", "message"),
    [
        (
            "unknown-action.yaml",
            ":6: step 2: action: unknown action 'clik' (known: open, sign_in, capture_reference, "
            "check_sharepoint_photo, click, fill, wait_for, screenshot, select_tab, upload_photo, "
            "composite)",
        ),
        ("missing-target.yaml", ":7: step 3 (click): target: Field required"),
        ("bad-yaml.yaml", ":5: not valid YAML: expected ',' or ']', but got '{'"),
        (
            "unknown-variable.yaml",
            ":5: unknown variable ${homepage} (known: display_name, home, mysite, photo, "
            "sharepoint, site, upn)",
        ),
        ("extra-key.yaml", ":8: step 2 (wait_for): timout_s: unknown key"),
    ],
)
def test_broken_scenarios_name_file_line_and_step(file: str, message: str) -> None:
    path = BAD / file
    with pytest.raises(BadInputError) as caught:
        load_scenario(path)
    assert caught.value.message == f"{path}{message}"


def test_unknown_builtin_lists_the_known_ones() -> None:
    with pytest.raises(BadInputError, match="unknown scenario 'nope': built-in scenarios are"):
        load_scenario("nope")


def test_missing_file() -> None:
    with pytest.raises(BadInputError, match=r"scenario file missing\.yaml: file not found"):
        load_scenario("missing.yaml")


def test_scenario_must_be_a_mapping() -> None:
    with pytest.raises(BadInputError, match="a scenario must be a mapping"):
        parse_scenario("- just\n- a list\n", "x.yaml")


def test_substitute_names_missing_site() -> None:
    assert substitute("${home}/x", {"home": "https://h"}) == "https://h/x"
    with pytest.raises(BadInputError, match=r"no value for \$\{site\} \(pass --site"):
        substitute("${site}", {})


def test_scenario_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: caf\xe9\ntitle: x\nsteps: []\n".encode("latin-1"))
    with pytest.raises(BadInputError) as caught:
        load_scenario(path)
    assert caught.value.message.startswith(f"scenario file {path}: not UTF-8 text")


def test_scenario_that_cannot_be_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "locked.yaml"
    path.write_text("name: x\n")

    def denied(self: Path, *args: object, **kwargs: object) -> str:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_text", denied)
    with pytest.raises(BadInputError) as caught:
        load_scenario(path)
    assert caught.value.message == f"scenario file {path}: cannot read (Permission denied)"


def test_every_step_class_has_exactly_one_handler() -> None:
    from troubleshooter.scenario import STEP_TYPES
    from troubleshooter.steps import HANDLERS, load_all

    load_all()
    assert set(HANDLERS) == set(STEP_TYPES), "a step class without a handler, or a stray one"
