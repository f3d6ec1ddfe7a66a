"""Ctrl-C and SIGTERM stop a run where its own code waits, so that it keeps what it has.

A service manager or ``kill`` sends SIGTERM; without a handler the process would die with the
report still saying ``running``. The handler raises :class:`Terminated` (a KeyboardInterrupt),
so every place that already saves evidence on Ctrl-C does the same here, and the command
exits 143 (128 + SIGTERM) instead of 130.

Playwright's sync API runs its event loop in a greenlet of its own, in the main thread, so a
signal often lands there rather than in the run's code. Raised there, it would end whichever
task was running, e.g. the one reading the driver's pipe: every later call, the last
screenshot and saving the trace included, would then fail with "connection closed". The
handlers hand the exception to the run's own greenlet instead and leave Playwright's intact.

After the first Ctrl-C the command is saving what it has. Operators often press twice: the
second press only says so, and a third stops without waiting.
"""

from __future__ import annotations

import signal
import sys
import threading
from types import FrameType
from typing import Any

EXIT_TERMINATED = 128 + signal.SIGTERM


class Terminated(KeyboardInterrupt):
    """The process received SIGTERM."""


SAVING = "Stopping: saving what was captured so far. Press Ctrl-C again to quit without it.\n"

_received: list[int] = []  # SIGTERM
_interrupts: list[int] = []  # SIGINT


def install() -> None:
    """Turn SIGINT into KeyboardInterrupt and SIGTERM into :class:`Terminated`, in the main
    thread, raised in the code that drives the browser; nothing received yet."""
    _received.clear()
    _interrupts.clear()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _on_sigint)
        signal.signal(signal.SIGTERM, _on_sigterm)


def _on_sigint(signum: int, frame: FrameType | None) -> None:
    _interrupts.append(signum)
    if len(_interrupts) == 2:  # the first is being handled: let it save
        sys.stderr.write(SAVING)
        sys.stderr.flush()
        return
    raise_in_caller(KeyboardInterrupt())


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    if not _received:
        _received.append(signum)
        raise_in_caller(Terminated())


def raise_in_caller(exc: KeyboardInterrupt) -> None:
    """Raise ``exc`` in the thread's root greenlet: where the run's code waits on Playwright.

    Playwright's dispatcher greenlet (a child of the root) is suspended where the signal found
    it and goes on from there at the next call. A listener's greenlet (a grandchild) is left to
    finish first: the dispatcher raises ``exc`` once it runs again.
    """
    greenlet: Any = sys.modules.get("greenlet")  # imported only with Playwright
    current = greenlet.getcurrent() if greenlet is not None else None
    if current is None or current.parent is None:
        raise exc
    root = current.parent
    while root.parent is not None:
        root = root.parent
    if current.parent is root:
        root.throw(exc)
        return
    import asyncio  # already loaded by Playwright; not paid by commands without a browser

    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        raise exc from None
    loop.call_soon_threadsafe(root.throw, exc)


def terminated() -> bool:
    return bool(_received)


def exit_code(code: int) -> int:
    """``code``, or 143 when the run ended because of SIGTERM."""
    return EXIT_TERMINATED if terminated() else code


def why(exc: KeyboardInterrupt) -> str:
    """The detail for a run that ``exc`` stopped."""
    return "stopped by SIGTERM" if isinstance(exc, Terminated) else "interrupted by the operator"
