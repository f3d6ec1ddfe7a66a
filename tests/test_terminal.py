"""What the terminal says before and around a run: no display, doctor's browser and display
rows, scenario names in --help and a "did you mean" for a misspelt one."""

from __future__ import annotations

import io
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console

from tests.helpers import run_cli
from troubleshooter.doctor import CHANNEL_PATHS
from troubleshooter.events import RunStarted, StepFinished, StepStarted, Waiting
from troubleshooter.progress import ProgressPrinter, plain
from troubleshooter.scenario import builtin_names

NO_DISPLAY = {"DISPLAY": "", "WAYLAND_DISPLAY": ""}
UPN = "adele.vance@contoso.onmicrosoft.com"
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11/Wayland")


@linux_only
@pytest.mark.parametrize(
    "extra", [("--headed",), ("--sign-in", "interactive"), ("--sign-in", "interactive", "--zip")]
)
def test_a_window_without_a_display_is_refused_before_anything_starts(
    tmp_path: Path, extra: tuple[str, ...]
) -> None:
    out = tmp_path / "out"
    args = ["run", "sharepoint-resync", "--user", UPN, "--out", str(out), *extra]
    result = run_cli(*args, env=NO_DISPLAY)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith("error: a browser window was asked for")
    assert "xvfb-run" in result.stderr and "--headless" in result.stderr
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr
    assert not out.exists(), "no run folder, not even an empty one"


@linux_only
def test_demo_headed_without_a_display_is_refused(tmp_path: Path) -> None:
    result = run_cli("demo", "--headed", "--out", str(tmp_path / "out"), env=NO_DISPLAY)
    assert result.returncode == 2 and "no display here" in result.stderr
    assert not (tmp_path / "out").exists()


@linux_only
def test_doctor_notes_a_missing_display_without_failing(tmp_path: Path) -> None:
    result = run_cli("doctor", "--browser-only", env=NO_DISPLAY)
    assert result.returncode == 0, result.stdout + result.stderr
    row = next(line for line in result.stdout.splitlines() if "Display" in line)
    assert "note" in row and "xvfb-run" in row


def test_doctor_does_not_call_a_missing_channel_found() -> None:
    if any(Path(p).is_file() for p in CHANNEL_PATHS["msedge"]):
        pytest.skip("Edge is installed here")
    result = run_cli("doctor", "--browser-only", "--channel", "msedge")
    assert result.returncode == 1
    rows = [line for line in result.stdout.splitlines() if "Browser" in line]
    assert rows and "FAILED" in rows[0] and "msedge: not installed" in rows[0]
    assert not any(" ok " in row for row in rows), rows


def test_run_help_lists_the_built_in_scenarios() -> None:
    result = run_cli("run", "--help")
    assert result.returncode == 0
    # click wraps help text at hyphens too: "people-" / "search"
    text = " ".join(result.stdout.split()).replace("- ", "-")
    assert ", ".join(builtin_names()) in text


def test_a_misspelt_scenario_gets_did_you_mean() -> None:
    result = run_cli("run", "sharepoint-resinc", "--user", UPN)
    assert result.returncode == 2
    assert result.stderr.startswith(
        "error: unknown scenario 'sharepoint-resinc': did you mean sharepoint-resync? "
    )
    far = run_cli("run", "zzz", "--user", UPN)
    assert far.returncode == 2 and "did you mean" not in far.stderr


def _printed(*events: object) -> str:
    out = io.StringIO()
    printer = ProgressPrinter(Console(file=out, width=80, force_terminal=False, highlight=False))
    for event in events:
        printer(event)  # type: ignore[arg-type]
    return out.getvalue()


def test_progress_says_how_long_a_wait_may_last_and_that_a_stale_copy_differs() -> None:
    started = StepStarted(9, "check_sharepoint_photo", "Ask SharePoint again")
    waits = [Waiting(9, "waiting for SharePoint to refresh its copy", s, 60) for s in (1, 3, 7)]
    stale = {"sizes": {"L": {"comparison": {"same": False}}}}
    finished = StepFinished(
        9,
        "check_sharepoint_photo",
        "Ask SharePoint again",
        "ok",
        60.2,
        detail="SharePoint's copy differs",
        data=stale,
    )
    text = _printed(started, *waits, finished)
    assert "waiting for SharePoint to refresh its copy (1 s of 60 s)" in text
    assert "(7 s of 60 s)" in text and "(3 s of 60 s)" not in text, "one line every 5 s"
    assert "Ask SharePoint again … differs (60.2 s)" in text and " ok " not in text


@pytest.mark.parametrize("browser", ["/usr/bin/chromium (system)", ""])
def test_the_first_lines_say_who_where_and_with_what_one_fact_a_line(browser: str) -> None:
    """At 80 columns the run's title alone can fill a line: the user, the tenant and the browser
    each get their own (no browser line when it is not known)."""
    title = "Re-sync the profile photo through the SharePoint icon"
    tenant = "sim (simulated contoso tenant)"
    started = RunStarted(
        "sharepoint-resync",
        title,
        UPN,
        tenant,
        ["open"] * 11,
        datetime.now(UTC),
        {"browser": browser} if browser else {},
    )
    expected = [title, f"      for {UPN}", f"      on tenant {tenant}"]
    expected += [f"      with {browser}"] if browser else []
    assert _printed(started).splitlines() == expected


def test_text_that_looks_like_an_emoji_code_is_printed_as_it_is() -> None:
    """Titles come from scenario files and details from pages: rich must not read ":x:" or
    ":ok:" in them as emoji codes."""
    started = StepStarted(3, "open", "Open :x: site")
    finished = StepFinished(3, "open", "Open :x: site", "ok", 0.4, detail="at /sites/a:ok:b")
    text = _printed(started, finished)
    assert "Open :x: site" in text and "/sites/a:ok:b" in text, text
    assert "\u274c" not in text and "\U0001f197" not in text


def test_progress_details_use_plain_words() -> None:
    assert plain("clicked sharepoint_icon (found by role='link' name='SharePoint')") == (
        "clicked the SharePoint icon"
    )
    assert plain("captured own_persona") == "captured the user's photo on the page"
    assert plain("people_webpart is visible (found by css=\"div[data-x*='P']\")") == (
        "the People web part is visible"
    )


@linux_only
def test_an_empty_password_at_the_prompt_is_asked_again() -> None:
    import contextlib
    import os
    import pty
    import select
    import signal

    script = (
        "from troubleshooter.credentials import resolve_credentials\n"
        "c = resolve_credentials('a@contoso.com')\n"
        "print('RESULT', c.source, c.password == 'Typed-Pa55')\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("TROUBLESHOOTER_")}
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
    pid, fd = pty.fork()
    if pid == 0:  # the child: a person's terminal is its stdin
        os.execve(sys.executable, [sys.executable, "-c", script], env)
    output = b""

    def read_until(marker: bytes, count: int = 1) -> None:
        """Read until ``marker`` has appeared ``count`` times; never wait forever."""
        nonlocal output
        while output.count(marker) < count:
            ready, _, _ = select.select([fd], [], [], 60)
            assert ready, f"no {marker!r} from the prompt within 60 s: {output!r}"
            try:
                output += os.read(fd, 1024)
            except OSError:  # the child has exited and closed its terminal
                break

    try:
        read_until(b"(not shown): ")
        os.write(fd, b"\n")
        read_until(b"type it again")
        # The second prompt, not the first one again: getpass flushes what was typed before
        # it turns echo off, so typing early would be lost.
        read_until(b"(not shown): ", count=2)
        os.write(fd, b"Typed-Pa55\n")
        read_until(b"RESULT prompt")
        read_until(b"True")
    finally:
        if b"True" not in output:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    assert b"RESULT prompt True" in output
    assert output.count(b"(not shown): ") == 2
    assert b"Typed-Pa55" not in output, "never echoed"
