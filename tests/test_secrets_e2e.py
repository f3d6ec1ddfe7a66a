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


def issued_needles(sim: SimTenant) -> list[tuple[str, bytes]]:
    """Every secret the tenant handed out (cookies, codes, id_tokens, CDN tokens), as needles."""
    needles: list[tuple[str, bytes]] = []
    for secret in sim.state.issued_secrets:
        values = [secret.value]
        if secret.kind == "id_token":
            values.append(secret.value.rsplit(".", 1)[-1])  # the signature alone
        for value in values:
            needles += [(secret.kind, form) for form in variants(value)]
    return needles


def assert_clean(blobs_found: list[tuple[str, bytes]], needles: list[tuple[str, bytes]]) -> None:
    leaks = [
        f"{kind} {needle[:12]!r}… found in {name} at byte {data.find(needle)}"
        for name, data in blobs_found
        for kind, needle in needles
        if needle in data
    ]
    assert not leaks, "\n".join(leaks)


def test_secrets_never_reach_files_or_output(tmp_path: Path) -> None:
    users = users_with(UPN, password=PASSWORD, mfa="totp", totp_secret=TOTP_SECRET)
    out = tmp_path / "out"
    env = {"TROUBLESHOOTER_PASSWORD": PASSWORD, "TROUBLESHOOTER_TOTP_SECRET": TOTP_SECRET}
    options = SimOptions(sync_delay=0.2, cdn_redirect=True)
    # The tenant stays up until the scan is done: its record of what it issued is the list of
    # needles, and the recheck signs in to it again.
    with SimTenant(options=options, users=users) as sim:
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
            "--zip",
            "--save-pages",
            env=env,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        folder = only_run_folder(out)
        assert folder.with_name(folder.name + ".zip").is_file()
        recheck = run_cli("recheck", str(folder), env=env)
        assert recheck.returncode == 0, recheck.stdout + recheck.stderr

        issued = sim.state.issued_secrets
        kinds = {secret.kind for secret in issued}
        expected = {"ESTSAUTH", "code", "id_token", "OhpSession", "FedAuth", "rtFa", "_oat_", "P4"}
        expected.add("flowToken")  # flowToken, ctx and canary of the sign-in page
        saved = sorted(folder.glob("saved-page-*.html"))
        assert any("sign-in-totp" in p.name for p in saved), "the TOTP view was saved too"
        assert expected <= kinds, f"the run must have been handed every kind of secret: {kinds}"
        assert sum(secret.kind == "code" for secret in issued) >= 4, "two sign-ins, 2+ parties"

        files = blobs(out)
        assert len(files) >= 10, "the scan must see the whole run folder"
        assert any(name.endswith(".png") for name, _ in files)
        assert any("!" in name for name, _ in files), "the zips were opened"
        output = [
            (f"{command} {stream}", getattr(done, stream).encode())
            for command, done in (("run", result), ("recheck", recheck))
            for stream in ("stdout", "stderr")
        ]
        literals = [("password", n) for n in variants(PASSWORD)]
        literals += [("TOTP secret", n) for n in variants(TOTP_SECRET)]
        assert_clean([*files, *output], literals + issued_needles(sim))
    assert (folder / "report.json").is_file()


def test_diagnosis_of_a_missed_target_keeps_no_secret(tmp_path: Path) -> None:
    """A target missed right after the password was typed: the page's copy, its aria snapshot
    and the strategies hold no password, token or cookie."""
    import yaml

    from tests.helpers import ROOT

    data = yaml.safe_load((ROOT / "troubleshooter" / "targets.yaml").read_text())
    data["signin_submit"]["strategies"] = [{"css": "#idSIButton9-renamed"}]
    broken = tmp_path / "broken.yaml"
    broken.write_text(yaml.safe_dump(data, sort_keys=False))
    users = users_with(UPN, password=PASSWORD, mfa="totp", totp_secret=TOTP_SECRET)
    out = tmp_path / "out"
    env = {"TROUBLESHOOTER_PASSWORD": PASSWORD, "TROUBLESHOOTER_TOTP_SECRET": TOTP_SECRET}
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
            "--targets",
            str(broken),
            "--save-pages",
            env=env,
        )
        assert result.returncode == 20, result.stdout + result.stderr
        folder = only_run_folder(out)
        page = (folder / "diagnosis-page.html").read_text()
        assert 'name="flowToken"' in page and 'name="ctx"' in page and 'name="canary"' in page
        assert (folder / "diagnosis-aria.yaml").is_file()
        assert "#idSIButton9-renamed" in (folder / "diagnosis-strategies.txt").read_text()
        assert "flowToken" in {secret.kind for secret in sim.state.issued_secrets}
        output = [(f"run {s}", getattr(result, s).encode()) for s in ("stdout", "stderr")]
        literals = [("password", n) for n in variants(PASSWORD)]
        literals += [("TOTP secret", n) for n in variants(TOTP_SECRET)]
        assert_clean([*blobs(out), *output], literals + issued_needles(sim))
