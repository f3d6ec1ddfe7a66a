"""Bad input gets one clear line, a documented exit code, no traceback and no run folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import only_run_folder, run_cli

UPN = "adele.vance@contoso.onmicrosoft.com"


def bad_tenant_file(tmp_path: Path) -> Path:
    path = tmp_path / "tenant.yaml"
    path.write_text("name: broken\nhome: https://www.office.com\n")
    return path


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["run", "no-such-scenario", "--user", UPN],
            "error: unknown scenario 'no-such-scenario': ",
        ),
        (
            ["run", "sharepoint-resync", "--user", UPN, "--tenant", "missing.yaml"],
            "error: tenant profile missing.yaml: file not found\n",
        ),
        (
            ["run", "sharepoint-resync", "--user", UPN, "--tenant", "Contoso Corp"],
            "error: --tenant 'Contoso Corp': expected 'sim', a tenant name like 'contoso' (or "
            "contoso.onmicrosoft.com, https://contoso.sharepoint.com), or a tenant profile .yaml\n",
        ),
        (
            ["run", "sharepoint-resync", "--user", UPN, "--tenant", "contoso"],
            "error: this scenario browses to ${site}: pass --site URL",
        ),
        (
            ["run", "sharepoint-resync", "--user", UPN, "--expected-photo", "nope.jpg"],
            "error: --expected-photo nope.jpg: file not found\n",
        ),
    ],
)
def test_bad_input_exits_2_with_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    result = run_cli(*args, "--out", str(tmp_path / "out"))
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith(message), result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_tenant_profile_missing_keys(tmp_path: Path) -> None:
    profile = bad_tenant_file(tmp_path)
    result = run_cli("run", "sharepoint-resync", "--user", UPN, "--tenant", str(profile))
    assert result.returncode == 2
    assert result.stderr == f"error: tenant profile {profile}:1: sharepoint: Field required\n"


def test_out_that_is_a_file(tmp_path: Path) -> None:
    taken = tmp_path / "taken"
    taken.write_text("")
    result = run_cli("run", "sharepoint-resync", "--user", UPN, "--out", str(taken))
    assert result.returncode == 2
    assert result.stderr == f"error: --out '{taken}': cannot write evidence there (File exists)\n"


def test_ticket_folder_that_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "inc-7").write_text("")
    result = run_cli(
        "run", "sharepoint-resync", "--user", UPN, "--out", str(tmp_path), "--ticket", "INC-7"
    )
    assert result.returncode == 2
    assert result.stderr == (
        f"error: --ticket '{tmp_path / 'inc-7'}': cannot write evidence there (File exists)\n"
    )


@pytest.mark.parametrize(
    "user", ["../../escaped", "", "jane", "jane@contoso.com/x", "a b@contoso.com"]
)
def test_user_must_be_a_upn(tmp_path: Path, user: str) -> None:
    result = run_cli("run", "sharepoint-resync", "--user", user, "--out", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: --user {user!r}: ")
    assert "UPN" in result.stderr and result.stderr.count("\n") == 1
    assert not any(tmp_path.iterdir())


def test_totp_secret_that_is_not_base32(tmp_path: Path) -> None:
    result = run_cli(
        "run",
        "sharepoint-resync",
        "--user",
        UPN,
        "--out",
        str(tmp_path),
        env={"TROUBLESHOOTER_TOTP_SECRET": "not base32 at all!!"},
    )
    assert result.returncode == 2
    assert "the TOTP secret (from TROUBLESHOOTER_TOTP_SECRET or the keyring) is not base32" in (
        result.stderr
    )
    assert "not base32 at all" not in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "sharepoint-resync"], "Missing option '--user'"),
        (["verify", "no-such-folder"], "path 'no-such-folder' does not exist"),
        (["run", "sharepoint-resync", "--user", UPN, "--sign-in", "sms"], "'sms' is not one of"),
    ],
)
def test_usage_errors(args: list[str], message: str) -> None:
    result = run_cli(*args)
    assert result.returncode == 2
    # Typer's own wording: the case of "path" differs between its releases.
    assert message.lower() in result.stderr.lower() and "Traceback" not in result.stderr


@pytest.mark.slow
def test_unreachable_tenant_is_named_with_advice(tmp_path: Path) -> None:
    result = run_cli(
        "run",
        "sharepoint-resync",
        "--user",
        "jane@contoso.com",
        "--tenant",
        "contoso",
        "--site",
        "https://contoso.sharepoint.com/sites/intranet",
        "--out",
        str(tmp_path),
    )
    assert result.returncode == 23, result.stdout + result.stderr
    assert "Verdict: tenant-unreachable" in result.stdout
    assert "could not reach https://www.office.com (ERR_" in result.stdout
    report = json.loads((only_run_folder(tmp_path) / "report.json").read_text())
    assert report["status"] == "error" and report["verdict"]["failed_step"] == 1
