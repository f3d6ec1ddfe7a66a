"""SIGTERM ends a run the way Ctrl-C does: the runner keeps what it has and says so.

A service manager or ``kill`` sends SIGTERM; without a handler the process would die with the
report still saying ``running``. The handler raises :class:`Terminated` (a KeyboardInterrupt),
so every place that already saves evidence on Ctrl-C does the same here, and the command
exits 143 (128 + SIGTERM) instead of 130.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType

EXIT_TERMINATED = 128 + signal.SIGTERM


class Terminated(KeyboardInterrupt):
    """The process received SIGTERM."""


_received: list[int] = []


def install() -> None:
    """Turn SIGTERM into :class:`Terminated` in the main thread."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _on_sigterm)


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    if not _received:
        _received.append(signum)
        raise Terminated()


def terminated() -> bool:
    return bool(_received)


def exit_code(code: int) -> int:
    """``code``, or 143 when the run ended because of SIGTERM."""
    return EXIT_TERMINATED if terminated() else code


def why(exc: KeyboardInterrupt) -> str:
    """The detail for a run that ``exc`` stopped."""
    return "stopped by SIGTERM" if isinstance(exc, Terminated) else "interrupted by the operator"
