"""Where credentials come from, and that they never show in a repr."""

from __future__ import annotations

import sys

import keyring
import pytest
from keyring.backend import KeyringBackend

from troubleshooter.credentials import (
    ENV_PASSWORD,
    ENV_TOTP_SECRET,
    KEYRING_SERVICE,
    KEYRING_TOTP_SERVICE,
    resolve_credentials,
)

UPN = "adele.vance@contoso.onmicrosoft.com"


class MemoryKeyring(KeyringBackend):
    """An in-memory stand-in for the OS keyring (Windows Credential Manager, Keychain…)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)


@pytest.fixture
def memory_keyring(monkeypatch: pytest.MonkeyPatch) -> MemoryKeyring:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    monkeypatch.delenv(ENV_PASSWORD, raising=False)
    monkeypatch.delenv(ENV_TOTP_SECRET, raising=False)
    yield backend
    keyring.set_keyring(previous)


def test_environment_wins(memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch) -> None:
    memory_keyring.set_password(KEYRING_SERVICE, UPN, "from-keyring")
    monkeypatch.setenv(ENV_PASSWORD, "from-env")
    creds = resolve_credentials(UPN, allow_prompt=False)
    assert (creds.password, creds.source) == ("from-env", f"environment ({ENV_PASSWORD})")


def test_keyring_password_and_totp(memory_keyring: MemoryKeyring) -> None:
    memory_keyring.set_password(KEYRING_SERVICE, UPN, "from-keyring")
    memory_keyring.set_password(KEYRING_TOTP_SERVICE, UPN, "JBSWY3DPEHPK3PXP")
    creds = resolve_credentials(UPN, allow_prompt=False)
    assert (creds.password, creds.totp_secret, creds.source) == (
        "from-keyring",
        "JBSWY3DPEHPK3PXP",
        "keyring",
    )


def test_nothing_found_without_a_terminal(
    memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False)  # also under `pytest -s` in a tty
    creds = resolve_credentials(UPN, allow_prompt=True)
    assert (creds.password, creds.source) == (None, "none")


def test_repr_hides_secrets(memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_PASSWORD, "Hunter2-Secret")
    monkeypatch.setenv(ENV_TOTP_SECRET, "JBSWY3DPEHPK3PXP")
    creds = resolve_credentials(UPN, allow_prompt=False)
    assert "Hunter2" not in repr(creds) and "JBSWY3" not in repr(creds)
    assert creds.secrets() == ["Hunter2-Secret", "JBSWY3DPEHPK3PXP"]
