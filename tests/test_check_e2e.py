"""`troubleshooter check` end to end: the real command, a real Chromium, the simulated tenant."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import run_cli, run_on, tenant_profile
from troubleshooter.sim import DEMO_PASSWORD, DEMO_USERS, OPERATOR_UPN, SimTenant
from troubleshooter.sim.users import old_photo

pytestmark = pytest.mark.slow
ADELE = "adele.vance@contoso.onmicrosoft.com"
MEGAN = "megan.bowen@contoso.onmicrosoft.com"
UNKNOWN = "nobody.here@contoso.onmicrosoft.com"
ENV = {"TROUBLESHOOTER_PASSWORD": DEMO_PASSWORD}


def expected_state(upn: str, sim: SimTenant) -> str:
    """What check must say, from the tenant's own state (tests may look inside the sim)."""
    record = sim.state.photo_of_record(upn)
    copy = sim.state.sharepoint_photo(upn)
    if record is None:
        return "no-photo-of-record"
    if copy is None:
        return "placeholder"
    return "in-sync" if copy == record else "stale"


def check(sim: SimTenant, tmp_path: Path, *args: str) -> tuple[int, Path, str]:
    out = tmp_path / "out"
    done = run_cli(
        "check",
        "--as",
        OPERATOR_UPN,
        "--tenant",
        str(tenant_profile(sim, tmp_path)),
        "--out",
        str(out),
        *args,
        env=ENV,
    )
    folders = sorted((p for p in out.glob("*/check-*") if p.is_dir()), key=lambda p: p.name)
    return done.returncode, (folders[-1] if folders else out), done.stdout + done.stderr


def valid_against(schema: str, report: dict[str, object]) -> None:
    import jsonschema

    from troubleshooter.audit.model import SCHEMAS

    jsonschema.validate(report, json.loads((SCHEMAS / schema).read_text(encoding="utf-8")))


def tree(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def audit_rows(folder: Path) -> dict[str, dict[str, str]]:
    with (folder / "audit.csv").open(encoding="utf-8", newline="") as handle:
        return {row["upn"]: row for row in csv.DictReader(handle)}


def test_check_reports_every_demo_users_state_and_sees_a_resync(
    make_sim: Callable[..., SimTenant], tmp_path: Path
) -> None:
    sim = make_sim()
    users = tmp_path / "users.csv"
    with users.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["upn", "title"])
        for user in DEMO_USERS:
            writer.writerow([user.upn, user.job_title])
        writer.writerow([UNKNOWN, "nobody"])
    expected = {u.upn: expected_state(u.upn, sim) for u in DEMO_USERS}
    expected[UNKNOWN] = "unknown-user"
    assert set(expected.values()) == {
        "stale",
        "placeholder",
        "no-photo-of-record",
        "in-sync",
        "unknown-user",
    }

    code, folder, output = check(sim, tmp_path, "--users", str(users), "--zip")
    assert code == 1, output
    rows = audit_rows(folder)
    assert {upn: row["verdict"] for upn, row in rows.items()} == expected
    assert rows[ADELE]["title"] == "Retail Manager", "other columns are passed through"
    assert int(rows[ADELE]["distance"]) > int(rows[ADELE]["threshold"])
    assert not any(r.triggered for r in sim.state.trigger_log), "check never triggers a refresh"
    assert sim.state.refresh_pending(ADELE) is None

    files = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert {"audit.csv", "audit.html", "report.json", "summary.md", "manifest.json"} <= files
    assert f"photos/{ADELE}.record.jpg" in files and f"photos/{ADELE}.sharepoint-L.jpg" in files
    report = json.loads((folder / "report.json").read_text())
    valid_against("check.schema.json", report)
    assert report["confirmed_as"] == OPERATOR_UPN
    assert report["counts"]["stale"] == list(expected.values()).count("stale")
    html = (folder / "audit.html").read_text()
    assert html.count("<tr data-verdict=") == len(expected) and "http" not in html.split("<tr")[1]
    for target in (folder, folder.with_name(folder.name + ".zip")):
        verified = run_cli("verify", str(target))
        assert verified.returncode == 0, verified.stdout

    # Adele re-syncs herself; then the next audit shows her in sync.
    (tmp_path / "resync").mkdir()
    resync = run_on(sim, tmp_path / "resync", "sharepoint-resync", ADELE)
    assert resync.returncode == 0, resync.stdout + resync.stderr
    code, second, output = check(sim, tmp_path, "--users", str(users))
    assert second != folder
    assert audit_rows(second)[ADELE]["verdict"] == "in-sync", output
    triggered = {r.photo_upn for r in sim.state.trigger_log if r.triggered}
    assert triggered == {ADELE}, "only Adele's own visit triggered"


def test_single_user_checks_use_runs_exit_codes(
    make_sim: Callable[..., SimTenant], tmp_path: Path
) -> None:
    sim = make_sim()
    code, folder, output = check(sim, tmp_path, "--user", MEGAN)
    assert code == 3, output
    assert "placeholder: 1" in output
    assert tree(folder) == {
        "audit.csv",
        "audit.html",
        "manifest.json",
        "report.json",
        "summary.md",
        f"photos/{MEGAN}.record.jpg",
        f"photos/{MEGAN}.sharepoint-L.png",
    }
    code, _, output = check(sim, tmp_path, "--user", "diego.siciliani@contoso.onmicrosoft.com")
    assert code == 4, output


def test_expected_photos_from_a_folder(make_sim: Callable[..., SimTenant], tmp_path: Path) -> None:
    sim = make_sim()
    photos = tmp_path / "hr"
    photos.mkdir()
    # An HR export that still has Adele's old headshot: SharePoint matches it.
    (photos / f"{ADELE}.jpg").write_bytes(old_photo("adele.vance", "AV"))
    code, folder, output = check(
        sim, tmp_path, "--user", ADELE, "--photos", str(photos), "--sizes", "L"
    )
    assert code == 0, output
    row = audit_rows(folder)[ADELE]
    assert row["verdict"] == "in-sync"
    assert row["sharepoint_l_sha256"] and not row["sharepoint_m_sha256"], "only L was read"
    assert row["reference_source"].endswith(f"{ADELE}.jpg")
    assert (folder / "photos" / f"{ADELE}.expected.jpg").is_file()


def test_bad_rows_are_reported_and_the_others_checked(
    make_sim: Callable[..., SimTenant], tmp_path: Path
) -> None:
    sim = make_sim()
    users = tmp_path / "users.csv"
    users.write_text(f"upn\n{MEGAN}\n\nnot a upn\n{MEGAN}\n{ADELE}\n", encoding="utf-8")
    code, folder, output = check(sim, tmp_path, "--users", str(users))
    assert code == 1
    assert "warning: line 4: upn 'not a upn': expected the user's sign-in name (UPN)" in output
    assert f"warning: line 5: {MEGAN} is listed twice; checked once" in output
    rows = list(csv.DictReader((folder / "audit.csv").open(encoding="utf-8")))
    assert [(r["upn"], r["verdict"], r["line"]) for r in rows] == [
        (MEGAN, "placeholder", "2"),
        ("not a upn", "bad-row", "4"),
        (MEGAN, "bad-row", "5"),
        (ADELE, "stale", "6"),
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"email\nadele@contoso.com\n", "line 1 must name a 'upn' column (found 'email')"),
        (b"upn\n\xff\xfeadele\n", "not UTF-8 text (byte 4); save it as CSV UTF-8"),
    ],
)
def test_a_bad_users_file_stops_before_any_browser(
    tmp_path: Path, content: bytes, message: str
) -> None:
    users = tmp_path / "users.csv"
    users.write_bytes(content)
    done = run_cli("check", "--users", str(users), "--out", str(tmp_path / "out"))
    assert done.returncode == 2
    assert done.stderr.strip() == f"error: --users {users}: {message}"
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*.csv"))


def test_throttled_requests_wait_for_retry_after_and_still_finish(
    make_sim: Callable[..., SimTenant], tmp_path: Path
) -> None:
    sim = make_sim(throttle_rate=8.0, throttle_burst=6, throttle_retry_after=1)
    users = tmp_path / "users.csv"
    users.write_text("upn\n" + "\n".join(u.upn for u in DEMO_USERS) + "\n", encoding="utf-8")
    code, folder, output = check(sim, tmp_path, "--users", str(users), "--concurrency", "4")
    assert code == 1, output
    verdicts = {upn: row["verdict"] for upn, row in audit_rows(folder).items()}
    assert verdicts == {u.upn: expected_state(u.upn, sim) for u in DEMO_USERS}
    report = json.loads((folder / "report.json").read_text())
    assert sim.throttle is not None and sim.throttle.throttled > 0
    assert report["throttled"] > 0 and report["retries"] > 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("check",), "error: pass either --user UPN (repeatable) or --users FILE.csv"),
        (("check", "--user", "adele"), "error: --user 'adele': expected the user's sign-in"),
        (
            ("check", "--user", ADELE, "--tenant", "contoso"),
            "error: --as: pass your own (the operator's) account",
        ),
        (
            ("check", "--user", ADELE, "--as", "helpdesk"),
            "error: --as 'helpdesk': expected the user's sign-in name (UPN)",
        ),
        (("check", "--user", ADELE, "--photos", "/nonexistent"), "error: --photos /nonexistent"),
        (("check", "--user", ADELE, "--sizes", "S,M"), "error: --sizes: L (which decides"),
        (
            ("guide", "--user", ADELE, "--site", "sites/x"),
            "error: --site 'sites/x': expected a web address",
        ),
    ],
)
def test_bad_options_are_one_line_and_exit_2(
    tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    done = run_cli(*args, "--out", str(tmp_path / "out"))
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.startswith(message), done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_many_batches_throttled_keep_file_order_and_the_exact_bytes_hashes(
    make_sim: Callable[..., SimTenant], tmp_path: Path
) -> None:
    """Batches are queued in the browser ahead of time and a 429 in one stops them all; every
    user still comes out once, in the file's order, with the hashes of the bytes served (S
    and M are hashed in the page)."""
    import hashlib

    from troubleshooter.sim.extra import extra_upn
    from troubleshooter.sim.photos import SP_SIZES

    sim = make_sim(extra_users=100, throttle_rate=40.0, throttle_burst=30, throttle_retry_after=1)
    upns = [extra_upn(n, "contoso.onmicrosoft.com") for n in range(1, 101)]
    users = tmp_path / "users.csv"
    users.write_text("upn\n" + "\n".join(upns) + "\n", encoding="utf-8")
    code, folder, output = check(sim, tmp_path, "--users", str(users), "--concurrency", "6")
    assert code == 1, output
    with (folder / "audit.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["upn"] for r in rows] == upns
    assert {r["upn"]: r["verdict"] for r in rows} == {u: expected_state(u, sim) for u in upns}
    for row in rows:
        copy = sim.state.sharepoint_copy(row["upn"])
        for size, px in SP_SIZES.items():
            served = sim.state.thumbnail(copy, px) if copy else sim.state.placeholder(px)
            assert row[f"sharepoint_{size.lower()}_sha256"] == hashlib.sha256(served).hexdigest()
    report = json.loads((folder / "report.json").read_text())
    assert sim.throttle is not None and sim.throttle.throttled > 0
    assert report["throttled"] > 0 and report["users"] == 100
