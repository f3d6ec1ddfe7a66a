"""Find, launch or connect a Chromium-family browser and open a private context."""

from __future__ import annotations

import json
import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Playwright
from playwright.sync_api import Error as PlaywrightError

from troubleshooter.errors import BrowserError, first_line

ENV_EXECUTABLE = "TROUBLESHOOTER_BROWSER"
ENV_ENDPOINT = "TROUBLESHOOTER_BROWSER_ENDPOINT"
# Lets a second client (DevTools, or a test playing the person at the keyboard) attach.
ENV_DEBUG_PORT = "TROUBLESHOOTER_REMOTE_DEBUGGING_PORT"
# Quiet flags: no background calls home, no component updates, no first-run UI.
BASE_ARGS = ["--disable-background-networking", "--disable-component-update", "--no-first-run"]
SYSTEM_CANDIDATES = [
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/usr/bin/google-chrome",
    "/usr/bin/microsoft-edge",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    "/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge",
    r"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe",
    r"C:\Program Files\Google\Chrome\Application\chrome.exe",
]


@dataclass(frozen=True)
class BrowserChoice:
    """How to start the browser, and why this one."""

    source: str  # "option", "environment", "channel", "playwright", "system", "remote"
    executable: str | None = None
    channel: str | None = None
    endpoint: str | None = None
    tried: list[str] = field(default_factory=list)

    def describe(self) -> str:
        what = self.endpoint or self.channel or self.executable or "Playwright's Chromium"
        return f"{what} ({self.source})"


def choose_browser(
    playwright: Playwright,
    executable_path: str | None = None,
    channel: str | None = None,
    endpoint: str | None = None,
) -> BrowserChoice:
    """Pick a browser: options first, then the environment, Playwright's own, a system one."""
    tried: list[str] = []
    if endpoint:
        return BrowserChoice("remote", endpoint=endpoint)
    if executable_path:
        return _existing("option", "--executable-path", executable_path)
    if channel:
        return BrowserChoice("channel", channel=channel)
    if os.environ.get(ENV_ENDPOINT):
        return BrowserChoice("remote", endpoint=os.environ[ENV_ENDPOINT])
    if _env_executable():
        return _existing("environment", ENV_EXECUTABLE, _env_executable() or "")
    bundled = playwright.chromium.executable_path
    if bundled and Path(bundled).is_file():
        return BrowserChoice("playwright", executable=bundled, tried=tried)
    tried.append(f"Playwright's Chromium at {bundled} (not installed)")
    for candidate in [shutil.which("chromium"), *SYSTEM_CANDIDATES]:
        if candidate and Path(candidate).is_file():
            return BrowserChoice("system", executable=candidate, tried=tried)
    tried.append("system Chromium/Chrome/Edge in the usual places")
    raise BrowserError(
        "no browser found. Tried: "
        + "; ".join(tried)
        + ". Fix: run `playwright install chromium`, or install Chromium "
        "(Debian: apt-get install chromium), or pass --executable-path or --channel msedge."
    )


def _existing(source: str, label: str, path: str) -> BrowserChoice:
    if not Path(path).is_file():
        raise BrowserError(f"{label} {path}: no such file")
    return BrowserChoice(source, executable=path)


def _env_executable() -> str | None:
    return os.environ.get(ENV_EXECUTABLE) or None


def display_problem(show_window: bool, endpoint: str | None = None) -> str | None:
    """Why a browser window cannot open here (Linux without X11 or Wayland), or None."""
    if not show_window or endpoint or not sys.platform.startswith("linux"):
        return None
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    return (
        "a browser window was asked for (--headed or --sign-in interactive) but there is no "
        "display here (neither DISPLAY nor WAYLAND_DISPLAY is set). Use --headless with "
        "--sign-in password, run it under a virtual display (xvfb-run troubleshooter ...), "
        "or run it on a desktop session"
    )


def launch_args() -> list[str]:
    args = list(BASE_ARGS)
    # Chromium refuses to start its sandbox as root (containers, CI).
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--no-sandbox")
    port = os.environ.get(ENV_DEBUG_PORT, "")
    if port.isdigit():
        args += [f"--remote-debugging-port={port}", "--remote-debugging-address=127.0.0.1"]
    return args


def launch(playwright: Playwright, choice: BrowserChoice, headed: bool = False) -> Browser:
    """Start (or connect to) the chosen browser."""
    try:
        if choice.endpoint:
            # `playwright run-server` launches the browser itself, with these options.
            options = {"headless": not headed, "args": BASE_ARGS}
            header = {"x-playwright-launch-options": json.dumps(options)}
            return playwright.chromium.connect(choice.endpoint, headers=header)
        return playwright.chromium.launch(
            headless=not headed,
            handle_sigint=False,  # Ctrl-C and SIGTERM are the runner's: it saves the evidence
            handle_sigterm=False,
            executable_path=choice.executable if choice.source != "playwright" else None,
            channel=choice.channel,
            args=launch_args(),
        )
    except PlaywrightError as exc:
        raise BrowserError(f"could not start {choice.describe()}: {first_line(exc)}") from None


# How every private context is made; the tests' contexts use the same (tests/conftest.py).
PRIVATE_CONTEXT: dict[str, Any] = {
    "viewport": {"width": 1280, "height": 900},
    "locale": "en-US",
    "service_workers": "block",
}


def new_private_context(browser: Browser, **options: Any) -> BrowserContext:
    """A brand-new, non-persistent context: the automation equivalent of an InPrivate window.

    It has no profile on disk and shares no cookies, storage or HTTP cache with any other run.
    """
    return browser.new_context(**PRIVATE_CONTEXT, **options)
