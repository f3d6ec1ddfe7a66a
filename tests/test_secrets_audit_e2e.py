"""check and guide never write the operator's password nor any cookie, code or token the tenant
handed out (the Outlook session cookies included): scan every byte they leave behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import run_cli, tenant_profile, users_with
from tests.test_secrets_e2e import assert_clean, blobs, issued_needles, variants
from troubleshooter.sim import OPERATOR_UPN, SimOptions, SimTenant

pytestmark = pytest.mark.slow
PASSWORD = "Ochre-Walrus-5521!&Fig"
ADELE = "adele.vance@contoso.onmicrosoft.com"


def test_check_and_guide_leave_no_secrets(tmp_path: Path) -> None:
    users = users_with(OPERATOR_UPN, password=PASSWORD)
    out = tmp_path / "out"
    env = {"TROUBLESHOOTER_PASSWORD": PASSWORD}
    with SimTenant(options=SimOptions(sync_delay=0.2), users=users) as sim:
        profile = str(tenant_profile(sim, tmp_path))
        users_csv = tmp_path / "users.csv"
        users_csv.write_text("upn\n" + "\n".join(u.upn for u in users) + "\n", encoding="utf-8")
        common = ("--as", OPERATOR_UPN, "--tenant", profile, "--out", str(out), "--zip")
        check = run_cli("check", "--users", str(users_csv), *common, env=env)
        assert check.returncode == 1, check.stdout + check.stderr
        guide = run_cli("guide", "--user", ADELE, "--watch-timeout", "2", *common, env=env)
        assert guide.returncode == 1, guide.stdout + guide.stderr

        kinds = {secret.kind for secret in sim.state.issued_secrets}
        expected = {"ESTSAUTH", "code", "id_token", "FedAuth", "OpenIdConnect.token.v1", "P4"}
        assert expected <= kinds, f"every kind of secret was handed out: {kinds}"
        files = blobs(out)
        names = {name for name, _ in files}
        assert any(name.endswith("audit.html") for name in names)
        assert any(name.endswith("message.md") for name in names)
        assert any("!" in name for name in names), "the zips were opened"
        output = [
            (f"{command} {stream}", getattr(done, stream).encode())
            for command, done in (("check", check), ("guide", guide))
            for stream in ("stdout", "stderr")
        ]
        literals = [("password", n) for n in variants(PASSWORD)]
        assert_clean([*files, *output], literals + issued_needles(sim))
