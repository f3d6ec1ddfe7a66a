"""Ctrl-C reaches the code that drives the browser, never Playwright's own event loop.

The signal is sent from another thread at a random moment while the page is busy talking to
the driver (calls one after another, console messages to a listener). Wherever it lands, the
run must see a KeyboardInterrupt and the page must still answer afterwards: that is what lets
an interrupted run take its last screenshot and save its trace.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import threading
from collections.abc import Iterator

import pytest
from playwright.sync_api import ConsoleMessage, Page

from troubleshooter import stopping

BUSY_PAGE = "<script>setInterval(() => console.log('tick'), 1)</script>"
TRIES = 60


@pytest.fixture
def stop_handlers() -> Iterator[None]:
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    stopping.install()
    yield
    for sig, handler in previous.items():
        signal.signal(sig, handler)


def _interrupted_while_busy(page: Page, delay_s: float) -> BaseException | None:
    """What the calls raised when Ctrl-C came ``delay_s`` after the first one."""
    stopping.install()  # each try is a command's first Ctrl-C
    timer = threading.Timer(delay_s, os.kill, (os.getpid(), signal.SIGINT))
    raised: BaseException | None = None
    try:
        timer.start()  # in the try: the signal may come before the first call
        for _ in range(10_000):  # seconds of calls: the signal comes during them
            page.evaluate("1")
    except BaseException as exc:
        raised = exc
    with contextlib.suppress(KeyboardInterrupt):  # late: the calls had already failed
        timer.join()
    return raised


def test_ctrl_c_wherever_it_lands_is_raised_in_the_run_and_leaves_playwright_working(
    page: Page, stop_handlers: None
) -> None:
    ticks: list[str] = []
    page.on("console", lambda message: ticks.append(message.text))
    page.set_content(BUSY_PAGE)
    rng = random.Random(7)
    for attempt in range(TRIES):
        raised = _interrupted_while_busy(page, rng.uniform(0.0, 0.02))
        assert type(raised) is KeyboardInterrupt, f"Ctrl-C {attempt} raised {raised!r}"
        assert page.evaluate("1 + 1") == 2, f"Playwright still answers after Ctrl-C {attempt}"
    assert page.screenshot(), "the last screenshot of an interrupted run can still be taken"
    assert ticks, "the console listener ran while the signals came"


def test_ctrl_c_in_an_event_listener_lets_it_finish_and_stops_the_next_call(
    page: Page, stop_handlers: None
) -> None:
    finished: list[str] = []

    def listener(message: ConsoleMessage) -> None:
        os.kill(os.getpid(), signal.SIGINT)  # handled here, in the listener's greenlet
        finished.append(message.text)

    page.on("console", listener)
    with pytest.raises(KeyboardInterrupt):
        page.evaluate("console.log('logged')")
        for _ in range(1_000):
            page.evaluate("1")
    assert finished == ["logged"], "the listener ran to its end"
    page.remove_listener("console", listener)
    assert page.evaluate("1 + 1") == 2


def test_ctrl_c_outside_playwright_is_a_plain_keyboard_interrupt(stop_handlers: None) -> None:
    with pytest.raises(KeyboardInterrupt):
        os.kill(os.getpid(), signal.SIGINT)
        for _ in range(1_000_000):
            pass


def test_a_second_ctrl_c_says_the_run_is_saving_and_a_third_stops_it(
    stop_handlers: None, capfd: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(KeyboardInterrupt):
        os.kill(os.getpid(), signal.SIGINT)
        for _ in range(1_000_000):
            pass
    os.kill(os.getpid(), signal.SIGINT)  # while the first is being handled
    for _ in range(100_000):
        pass
    assert capfd.readouterr().err == stopping.SAVING
    with pytest.raises(KeyboardInterrupt):
        os.kill(os.getpid(), signal.SIGINT)
        for _ in range(1_000_000):
            pass
