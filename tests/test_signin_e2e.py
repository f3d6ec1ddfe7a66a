"""Sign-in strategies and outcomes, each with its exact verdict and exit code, in real Chromium."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, Playwright

from tests.helpers import ROOT, only_run_folder, run_cli, tenant_profile
from troubleshooter.browser import ENV_DEBUG_PORT
from troubleshooter.sim import DEMO_PASSWORD, SimOptions, SimTenant
from troubleshooter.sim.users import DEMO_TOTP_SECRET

pytestmark = pytest.mark.slow
DOMAIN = "contoso.onmicrosoft.com"
OTHER_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def run_for(upn: str, out: Path, *extra: str, env: dict[str, str] | None = None):
    return run_cli(
        "run",
        "sharepoint-resync",
        "--user",
        upn,
        "--out",
        str(out),
        "--poll-timeout",
        "5",
        "--sign-in-timeout",
        "20",
        *extra,
        env=env,
    )


def stopped_before_sharepoint(out: Path) -> dict:
    report = json.loads((only_run_folder(out) / "report.json").read_text())
    actions = [s["action"] for s in report["steps"]]
    assert actions == ["open", "sign_in"], "the run stops at sign-in, before any SharePoint step"
    assert report["steps"][1]["captures"], "the page that showed the problem is kept"
    assert "photos" not in report or not report["photos"], "no photo was captured or compared"
    return report


@pytest.mark.parametrize(
    ("local", "env", "outcome", "code"),
    [
        ("adele.vance", {"TROUBLESHOOTER_PASSWORD": "not-the-password"}, "wrong-password", 10),
        ("nobody.here", None, "unknown-account", 11),
        ("lynne.robbins", None, "account-locked", 12),
        ("johanna.lorenz", None, "mfa-needs-person", 13),
        ("isaiah.langer", None, "mfa-needs-person", 13),
        ("isaiah.langer", {"TROUBLESHOOTER_TOTP_SECRET": OTHER_TOTP_SECRET}, "wrong-totp", 14),
        ("nestor.wilke", None, "conditional-access-blocked", 15),
    ],
)
def test_sign_in_failures(
    tmp_path: Path, local: str, env: dict[str, str] | None, outcome: str, code: int
) -> None:
    result = run_for(f"{local}@{DOMAIN}", tmp_path, env=env)
    assert result.returncode == code, result.stdout + result.stderr
    assert f"Verdict: {outcome} (exit {code})" in result.stdout
    report = stopped_before_sharepoint(tmp_path)
    assert report["verdict"]["outcome"] == outcome
    assert report["verdict"]["failed_step"] == 2
    assert "Traceback" not in result.stderr


def test_push_mfa_advice_names_interactive(tmp_path: Path) -> None:
    result = run_for(f"johanna.lorenz@{DOMAIN}", tmp_path)
    assert "--sign-in interactive" in result.stdout


def test_totp_sign_in_succeeds(tmp_path: Path) -> None:
    result = run_for(
        f"isaiah.langer@{DOMAIN}", tmp_path, env={"TROUBLESHOOTER_TOTP_SECRET": DEMO_TOTP_SECRET}
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Verdict: synced" in result.stdout


def test_fluent_sign_in_page_and_mfa_nudge(tmp_path: Path) -> None:
    result = run_for(f"grady.archie@{DOMAIN}", tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads((only_run_folder(tmp_path) / "report.json").read_text())
    assert "nudge" in report["steps"][1]["data"]["pages"]


def test_account_picker(tmp_path: Path) -> None:
    with SimTenant(options=SimOptions(sync_delay=0.2, account_picker=True)) as sim:
        result = run_for(
            f"alex.wilber@{DOMAIN}",
            tmp_path / "out",
            "--tenant",
            str(tenant_profile(sim, tmp_path)),
            env={"TROUBLESHOOTER_PASSWORD": DEMO_PASSWORD},
        )
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads((only_run_folder(tmp_path / "out") / "report.json").read_text())
    assert "picker" in report["steps"][1]["data"]["pages"]


def test_no_password_anywhere_is_a_clear_sign_in_failure(tmp_path: Path) -> None:
    with SimTenant(options=SimOptions(sync_delay=0.2)) as sim:
        result = run_for(
            f"alex.wilber@{DOMAIN}",
            tmp_path / "out",
            "--tenant",
            str(tenant_profile(sim, tmp_path)),
        )
    assert result.returncode == 18, result.stdout + result.stderr
    assert "no password for alex.wilber@" in result.stdout
    verdict = next(line for line in result.stdout.splitlines() if line.startswith("Verdict:"))
    assert "No password was available" in verdict and "does not recognise" not in verdict
    advice = next(line for line in result.stdout.splitlines() if line.startswith("Next:"))
    assert "TROUBLESHOOTER_PASSWORD" in advice and "keyring set troubleshooter" in advice


def test_totp_user_without_a_secret_is_told_where_the_secret_goes(tmp_path: Path) -> None:
    result = run_for(f"isaiah.langer@{DOMAIN}", tmp_path)
    assert result.returncode == 13, result.stdout + result.stderr
    advice = next(line for line in result.stdout.splitlines() if line.startswith("Next:"))
    assert "TROUBLESHOOTER_TOTP_SECRET" in advice and "keyring set troubleshooter-totp" in advice
    assert "approve" not in advice, "a code to type, not a request to approve"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_interactive(tmp_path: Path, sim: SimTenant, upn: str, timeout: str, port: int):
    profile = tenant_profile(sim, tmp_path)
    args = [
        sys.executable,
        "-m",
        "troubleshooter",
        "run",
        "sharepoint-resync",
        "--user",
        upn,
        "--tenant",
        str(profile),
        "--out",
        str(tmp_path / "out"),
        "--sign-in",
        "interactive",
        "--headless",
        "--sign-in-timeout",
        timeout,
        "--poll-timeout",
        "5",
    ]
    env = {**os.environ, ENV_DEBUG_PORT: str(port), "NO_COLOR": "1"}
    env.pop("TROUBLESHOOTER_PASSWORD", None)
    return subprocess.Popen(
        args,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        stdin=subprocess.DEVNULL,
    )


def interactive_run(
    tmp_path: Path, upn: str, person: Callable[[int], None]
) -> tuple[int, str, str]:
    """Run the tool with --sign-in interactive while ``person(port)`` works its window."""
    port = _free_port()
    with SimTenant(options=SimOptions(sync_delay=0.2)) as sim:
        tool = _start_interactive(tmp_path, sim, upn, "60", port)
        try:
            person(port)
            stdout, stderr = tool.communicate(timeout=120)
        finally:
            tool.kill()
    return tool.returncode, stdout, stderr


def test_interactive_sign_in_resumes_when_the_person_finishes(
    tmp_path: Path, playwright: Playwright
) -> None:
    upn = f"adele.vance@{DOMAIN}"
    code, stdout, stderr = interactive_run(
        tmp_path, upn, lambda port: _play_the_person(playwright, port, upn)
    )
    assert code == 0, stdout + stderr
    assert f"waiting for {upn} to finish signing in" in stdout
    assert "Verdict: synced" in stdout


@contextlib.contextmanager
def login_page(playwright: Playwright, port: int, shows: str = "#i0116") -> Iterator[Page]:
    """Attach to the tool's browser like a person at a second window; yield its sign-in page
    once it shows ``shows``.

    A CDP client only sees the contexts that exist when it connects, so reconnect until the
    tool's private context shows its sign-in page.
    """
    deadline = time.monotonic() + 60
    while True:
        assert time.monotonic() < deadline, "the tool's sign-in page never showed"
        try:
            browser = playwright.chromium.connect_over_cdp(f"http://127.0.0.1:{port}")
        except PlaywrightError:
            time.sleep(0.3)
            continue
        pages = [p for c in browser.contexts for p in c.pages if "login." in p.url]
        page = next((p for p in pages if p.locator(shows).count()), None)
        if page is not None:
            break
        browser.close()
        time.sleep(0.3)
    yield page
    browser.close()


def type_password_and_finish(page: Page) -> None:
    page.click("#idSIButton9")
    page.fill("#i0118", DEMO_PASSWORD)
    page.click("#idSIButton9")
    page.click("#idBtn_Back")


def _play_the_person(playwright: Playwright, port: int, upn: str) -> None:
    with login_page(playwright, port) as page:
        email = page.locator("#i0116")
        for _ in range(50):  # the tool pre-fills the UPN
            if email.input_value() == upn:
                break
            time.sleep(0.1)
        assert email.input_value() == upn
        type_password_and_finish(page)


def _play_someone_else(playwright: Playwright, port: int, other: str) -> None:
    with login_page(playwright, port) as page:
        time.sleep(1)  # let the tool pre-fill first, then overwrite it
        page.fill("#i0116", other)
        type_password_and_finish(page)


def test_interactive_sign_in_times_out(tmp_path: Path) -> None:
    with SimTenant(options=SimOptions(sync_delay=0.2)) as sim:
        tool = _start_interactive(tmp_path, sim, f"adele.vance@{DOMAIN}", "3", _free_port())
        stdout, stderr = tool.communicate(timeout=120)
    assert tool.returncode == 16, stdout + stderr
    assert "Verdict: sign-in-timeout (exit 16)" in stdout
    stopped_before_sharepoint(tmp_path / "out")


def test_identity_mismatch_when_someone_else_signs_in(
    tmp_path: Path, playwright: Playwright
) -> None:
    upn = f"adele.vance@{DOMAIN}"
    other = f"alex.wilber@{DOMAIN}"
    code, stdout, stderr = interactive_run(
        tmp_path, upn, lambda port: _play_someone_else(playwright, port, other)
    )
    assert code == 17, stdout + stderr
    assert f"signed in as alex.wilber@{DOMAIN}, expected {upn}" in stdout
    stopped_before_sharepoint(tmp_path / "out")


@pytest.mark.parametrize("offscreen", ["corner", "position"])
def test_hidden_password_input_does_not_fool_sign_in(make_sim, page: Page, offscreen: str) -> None:
    """The real email view holds the password input off-screen: the UPN goes into the email
    input, and the sign-in reaches the Microsoft 365 home."""
    from troubleshooter.credentials import Credentials
    from troubleshooter.signin import current_view, sign_in_with_password
    from troubleshooter.targets import TargetBook

    sim = make_sim(offscreen_style=offscreen)
    upn = f"adele.vance@{DOMAIN}"
    page.goto(sim.urls.home + "/login")
    book = TargetBook.load()
    assert page.locator("#i0118").is_visible() or offscreen == "position"
    assert page.locator("#i0118").count() == 1
    assert current_view(page, book) == "email"
    typed: list[str] = []
    page.on(
        "request",
        lambda r: typed.append(r.post_data or "") if "GetCredentialType" in r.url else None,
    )
    views = sign_in_with_password(
        page, book, upn, Credentials(password=DEMO_PASSWORD, source="test"), 30
    )
    assert views == ["email", "password", "kmsi"]
    assert typed and "username=adele.vance%40contoso.onmicrosoft.com" in typed[0]
    assert book.try_find(page, "home_signed_in") is not None


def _run_in_a_terminal(args: list[str], answers: list[bytes]) -> tuple[int, bytes]:
    """Run the CLI with a pty as its terminal; answer each password prompt in turn."""
    import pty
    import select
    import signal

    env = {k: v for k, v in os.environ.items() if not k.startswith("TROUBLESHOOTER_")}
    env.update(PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring", NO_COLOR="1")
    pid, fd = pty.fork()
    if pid == 0:  # the child: a person's terminal is its stdin
        os.chdir(ROOT)
        os.execve(sys.executable, [sys.executable, "-m", "troubleshooter", *args], env)
    output, deadline = b"", time.monotonic() + 180

    def read_until(marker: bytes, count: int) -> bool:
        nonlocal output
        while output.count(marker) < count and time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 5)
            if ready:
                try:
                    chunk = os.read(fd, 4096)
                except OSError:  # the child exited and closed its terminal
                    return False
                if not chunk:
                    return False
                output += chunk
        return output.count(marker) >= count

    try:
        for number, answer in enumerate(answers, start=1):
            assert read_until(b"(not shown): ", number), output.decode(errors="replace")
            os.write(fd, answer + b"\n")
        read_until(b"\x00never", 1)  # read to the end
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), output


@pytest.mark.skipif(sys.platform != "linux", reason="drives a Linux pty")
@pytest.mark.parametrize(
    ("answers", "code"),
    [
        ([b"Not-the-Pa55", DEMO_PASSWORD.encode()], 0),
        ([b"Wrong-1", b"Wrong-2", b"Wrong-3"], 10),
    ],
)
def test_a_mistyped_password_at_the_prompt_is_asked_again(
    tmp_path: Path, answers: list[bytes], code: int
) -> None:
    upn = f"adele.vance@{DOMAIN}"
    with SimTenant(options=SimOptions(sync_delay=0.2)) as sim:
        args = ["run", "sharepoint-resync", "--user", upn, "--out", str(tmp_path / "out")]
        args += ["--tenant", str(tenant_profile(sim, tmp_path)), "--poll-timeout", "20"]
        exit_code, output = _run_in_a_terminal(args, answers)
    text = output.decode(errors="replace")
    assert exit_code == code, text
    assert text.count("(not shown): ") == len(answers), "asked once per answer, no more"
    assert text.count("Sign-in refused that password; type it again") == len(answers) - 1
    assert ("Verdict: synced" if code == 0 else "Verdict: wrong-password") in text
    folder = only_run_folder(tmp_path / "out")
    if code == 0:
        report = json.loads((folder / "report.json").read_text())
        assert {"email", "password"} <= set(report["steps"][1]["data"]["pages"]), "every try's"
    for path in folder.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            assert not any(answer in content for answer in answers), f"a typed password in {path}"
    assert not any(answer in output for answer in answers), "never echoed"


def test_microsofts_request_and_correlation_ids_reach_report_and_summary(tmp_path: Path) -> None:
    """The ids the sign-in error page shows for the administrator, read from the page."""
    import re

    env = {"TROUBLESHOOTER_PASSWORD": "not-the-password"}
    result = run_for(f"adele.vance@{DOMAIN}", tmp_path, env=env)
    assert result.returncode == 10, result.stdout + result.stderr
    folder = only_run_folder(tmp_path)
    report = json.loads((folder / "report.json").read_text())
    ids = report["steps"][1]["data"]["sign_in_details"]
    guid = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    assert re.fullmatch(guid, ids["request_id"]) and re.fullmatch(guid, ids["correlation_id"])
    assert ids["request_id"] != ids["correlation_id"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", ids["timestamp"])
    line = f"Request Id {ids['request_id']}, Correlation Id {ids['correlation_id']}"
    assert line in (folder / "summary.md").read_text()
    assert line in (folder / "report.html").read_text()


_ME_CONTROL = """
<button id="mectrl_main_trigger" type="button" {label} style="width:48px;height:48px"
  onclick="const p = document.getElementById('pane'); p.hidden = !p.hidden">AV</button>
<div id="pane" hidden>
  <div id="mectrl_currentAccount_primary">Adele Vance (pane)</div>
  <div id="mectrl_currentAccount_secondary">adele.vance@contoso.onmicrosoft.com</div>
</div>
"""


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ('aria-label="Account manager for Adele Vance"', "Adele Vance"),
        ("", "Adele Vance (pane)"),
    ],
    ids=["name-from-label", "name-from-pane"],
)
def test_who_is_signed_in_is_read_from_the_account_circle_or_its_pane(
    page: Page, label: str, expected: str
) -> None:
    """The me control's label names the user (markup: tests/pages/home-me-initials.html); when
    it does not, the name comes from the My accounts pane. The pane is closed again."""
    from troubleshooter.signin import confirm_identity
    from troubleshooter.targets import TargetBook

    page.set_content(_ME_CONTROL.format(label=label))
    upn = f"adele.vance@{DOMAIN}"
    assert confirm_identity(page, TargetBook.load(), upn) == (expected, upn)
    assert page.locator("#pane").is_hidden()
