"""Where a password and TOTP secret come from: environment, OS keyring, or a hidden prompt.

Never from a command-line argument: those end up in shell history and process lists.
"""

from __future__ import annotations

import base64
import binascii
import getpass
import os
import sys
from dataclasses import dataclass, field

from troubleshooter.errors import BadInputError, SignInError
from troubleshooter.verdict import Outcome

ENV_PASSWORD = "TROUBLESHOOTER_PASSWORD"
ENV_TOTP_SECRET = "TROUBLESHOOTER_TOTP_SECRET"
KEYRING_SERVICE = "troubleshooter"
KEYRING_TOTP_SERVICE = "troubleshooter-totp"


@dataclass(frozen=True)
class Credentials:
    """A password and optional TOTP secret. ``repr`` never shows them."""

    password: str | None = field(default=None, repr=False)
    totp_secret: str | None = field(default=None, repr=False)
    source: str = "none"
    # Every value seen, shared with copies made by ``with_password``: a password typed again
    # later (and the refused ones, often one typo away from it) is kept out of files too.
    known: list[str] = field(default_factory=list, repr=False, compare=False)

    def __post_init__(self) -> None:
        for value in (self.password, self.totp_secret):
            if value and value not in self.known:
                self.known.append(value)

    def secrets(self) -> list[str]:
        """The values that must never reach a file or the terminal (a live list)."""
        return self.known

    def with_password(self, password: str) -> Credentials:
        """The same credentials with a password typed again at the prompt."""
        return Credentials(password, self.totp_secret, "prompt", self.known)

    def can_ask_again(self) -> bool:
        """A password typed at the prompt, and a person still at the terminal."""
        return self.source == "prompt" and sys.stdin.isatty()


def _keyring_get(service: str, upn: str) -> str | None:
    try:
        import keyring  # imported lazily: some platforms print warnings on import

        return keyring.get_password(service, upn)
    except Exception:
        return None


def credentials_for(upn: str, sign_in: str, demo_password: str | None = None) -> Credentials:
    """No credentials for interactive sign-in (the user types them); else resolve them."""
    if sign_in == "interactive":
        return Credentials(source="typed by the user in the browser")
    return resolve_credentials(upn, fallback_password=demo_password)


def resolve_credentials(
    upn: str,
    *,
    password_env: str = ENV_PASSWORD,
    totp_env: str = ENV_TOTP_SECRET,
    fallback_password: str | None = None,
    allow_prompt: bool = True,
) -> Credentials:
    """Find the password (env, keyring, fallback, prompt) and the TOTP secret (env, keyring)."""
    # The simulated tenant's users (a fallback password) are not in the OS keyring.
    keyring_get = _keyring_get if fallback_password is None else lambda service, upn: None
    totp = os.environ.get(totp_env) or keyring_get(KEYRING_TOTP_SERVICE, upn)
    if totp:
        _check_totp_secret(totp, totp_env)
    password = os.environ.get(password_env)
    source = f"environment ({password_env})"
    if not password:
        password, source = keyring_get(KEYRING_SERVICE, upn), "keyring"
    if not password and fallback_password:
        password, source = fallback_password, "simulated tenant demo password"
    if not password and allow_prompt and sys.stdin.isatty():
        password, source = prompt_password(upn), "prompt"
    if not password:
        source = "none"
    return Credentials(password=password or None, totp_secret=totp or None, source=source)


PASSWORD_SOURCES = (
    f"set {ENV_PASSWORD}, store it with `keyring set {KEYRING_SERVICE} <upn>`, or run in a "
    "terminal to be asked for it (never as a command-line option: shells keep those in their "
    "history); or use --sign-in interactive, or `troubleshooter guide`, which needs no password"
)
TOTP_SOURCES = (
    f"put the user's authenticator (TOTP) secret in {ENV_TOTP_SECRET} or store it with "
    f"`keyring set {KEYRING_TOTP_SERVICE} <upn>`, then run again; or use --sign-in interactive "
    "so that the user types the code"
)


def no_password(upn: str) -> SignInError:
    """Sign-in cannot start: no password from any source (and nobody at a terminal)."""
    return SignInError(
        f"no password for {upn}: none in {ENV_PASSWORD} or the keyring, and no terminal to ask",
        outcome=Outcome.SIGN_IN_FAILED,
        summary="No password was available for the user, so the tool did not sign in.",
        advice=PASSWORD_SOURCES[0].upper() + PASSWORD_SOURCES[1:] + ".",
    )


def no_totp_secret(upn: str) -> SignInError:
    """The sign-in asks for an authenticator code and the tool has no secret to make one."""
    return SignInError(
        f"sign-in for {upn} asks for an authenticator code and no TOTP secret was given",
        outcome=Outcome.MFA_NEEDS_PERSON,
        summary="Sign-in asks for an authenticator code, and no TOTP secret was available.",
        advice=TOTP_SOURCES[0].upper() + TOTP_SOURCES[1:] + ".",
    )


PROMPT_TRIES = 3


def prompt_password(upn: str) -> str | None:
    """Ask at the terminal; an empty answer (Enter pressed too soon) is asked again."""
    for attempt in range(1, PROMPT_TRIES + 1):
        try:
            typed = getpass.getpass(f"Password for {upn} (not shown): ")
        except EOFError:  # Ctrl-D: no password
            return None
        if typed:
            return typed
        if attempt < PROMPT_TRIES:
            print("The password was empty; type it again (Ctrl-D to give up).", file=sys.stderr)
    return None


def _check_totp_secret(secret: str, env: str) -> None:
    """A TOTP secret must be base32; say so before any browser starts (never echo it)."""
    cleaned = secret.replace(" ", "").upper()
    try:
        base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))
    except (binascii.Error, ValueError):
        raise BadInputError(
            f"the TOTP secret (from {env} or the keyring) is not base32: copy it again from "
            "the authenticator set-up page"
        ) from None
