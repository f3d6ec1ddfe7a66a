"""Tenant profiles and --targets files: every broken file is one BadInputError naming it."""

from __future__ import annotations

from pathlib import Path

import pytest

from troubleshooter.errors import BadInputError
from troubleshooter.targets import TargetBook
from troubleshooter.tenant import load_tenant_file, resolve_tenant

GOOD_TARGET = "account_photo:\n  description: x\n  strategies:\n    - css: img\n"


def _message(call, *args) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(BadInputError) as caught:
        call(*args)
    return caught.value.message


def test_tenant_profile_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_bytes(b"name: caf\xe9\nhome: https://x\n")
    message = _message(resolve_tenant, str(path))
    assert message.startswith(f"tenant profile {path}: not UTF-8 text")


def test_tenant_profile_unreadable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("name: x\n")

    def denied(self: Path, *args: object, **kwargs: object) -> str:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_text", denied)
    assert _message(load_tenant_file, path) == (
        f"tenant profile {path}: cannot read (Permission denied)"
    )


def test_tenant_profile_bad_yaml_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("name: x\nhome: [\n")
    message = _message(load_tenant_file, path)
    assert message.startswith(f"tenant profile {path}:")
    assert "not valid YAML" in message
    assert "\n" not in message


def test_tenant_profile_that_is_a_list(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("- a\n- b\n")
    assert _message(load_tenant_file, path) == (
        f"tenant profile {path}: expected a mapping of keys to values"
    )


def test_builtin_targets_load() -> None:
    assert "account_photo" in TargetBook.load().targets


def test_targets_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "targets.yaml"
    path.write_text(GOOD_TARGET)
    assert list(TargetBook.load(path).targets) == ["account_photo"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"account_photo:\n  description: caf\xe9\n", "not UTF-8 text"),
        (b"- a\n- b\n", "expected a mapping of target names to targets, got a list"),
        (b"just a string\n", "expected a mapping of target names to targets, got a str"),
        (b"42\n", "expected a mapping of target names to targets, got a int"),
        (b"account_photo: [1, 2]\n", "account_photo: a target must be a mapping"),
        (b"account_photo: nope\n", "account_photo: a target must be a mapping"),
        (b"account_photo:\n  description: x\n", "account_photo.strategies: Field required"),
        (b"a: [\n", "not valid YAML"),
    ],
)
def test_broken_targets_file(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "targets.yaml"
    path.write_bytes(content)
    message = _message(TargetBook.load, path)
    assert message.startswith(f"targets file {path}")
    assert expected in message
    assert "\n" not in message


def test_targets_file_unreadable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "targets.yaml"
    path.write_text(GOOD_TARGET)

    def denied(self: Path, *args: object, **kwargs: object) -> str:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_text", denied)
    assert _message(TargetBook.load, path) == (
        f"targets file {path}: cannot read (Permission denied)"
    )


def test_targets_file_missing(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    assert _message(TargetBook.load, path) == f"targets file {path}: file not found"
