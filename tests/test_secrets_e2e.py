"""Secrets never reach the evidence or the terminal: scan every byte the run leaves behind."""

from __future__ import annotations

import base64
import io
import zipfile
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from tests.helpers import only_run_folder, run_cli, tenant_profile, users_with
from troubleshooter.sim import SimOptions, SimTenant

pytestmark = pytest.mark.slow
UPN = "isaiah.langer@contoso.onmicrosoft.com"
PASSWORD = "Quartz-Zebra-7741!&Plum"
TOTP_SECRET = "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU"


def variants(secret: str) -> list[bytes]:
    """The secret as it could be stored: plain, URL-encoded, base64, any case for base32."""
    forms = {secret, quote(secret), quote_plus(secret), secret.lower()}
    encoded = {base64.b64encode(f.encode()).decode() for f in forms}
    return [f.encode() for f in forms | encoded]


def blobs(folder: Path) -> list[tuple[str, bytes]]:
    """Every file below ``folder``, and every member of every zip, recursively."""
    found: list[tuple[str, bytes]] = []

    def add(name: str, data: bytes) -> None:
        found.append((name, data))
        if data[:4] == b"PK\x03\x04":
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for member in archive.namelist():
                    add(f"{name}!{member}", archive.read(member))

    for path in sorted(folder.rglob("*")):
        if path.is_file():
            add(str(path.relative_to(folder)), path.read_bytes())
    return found


def test_password_and_totp_secret_never_reach_files_or_output(tmp_path: Path) -> None:
    users = users_with(UPN, password=PASSWORD, mfa="totp", totp_secret=TOTP_SECRET)
    out = tmp_path / "out"
    with SimTenant(options=SimOptions(sync_delay=0.2), users=users) as sim:
        result = run_cli(
            "run",
            "sharepoint-resync",
            "--user",
            UPN,
            "--tenant",
            str(tenant_profile(sim, tmp_path)),
            "--out",
            str(out),
            "--poll-timeout",
            "10",
            "--ticket",
            "INC-4242",
            env={"TROUBLESHOOTER_PASSWORD": PASSWORD, "TROUBLESHOOTER_TOTP_SECRET": TOTP_SECRET},
        )
    assert result.returncode == 0, result.stdout + result.stderr
    folder = only_run_folder(out)
    files = blobs(out)
    assert len(files) >= 10, "the scan must see the whole run folder"
    assert any(name.endswith(".png") for name, _ in files)
    needles = variants(PASSWORD) + variants(TOTP_SECRET)
    output = [("stdout", result.stdout.encode()), ("stderr", result.stderr.encode())]
    for name, data in [*files, *output]:
        for needle in needles:
            assert needle not in data, f"{needle!r} found in {name}"
    assert (folder / "report.json").is_file()
