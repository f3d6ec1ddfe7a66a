"""One retry policy for throttled answers, shared by the run's photo probe and ``check``.

SharePoint Online and Microsoft Graph answer ``429`` or ``503`` with ``Retry-After`` (seconds
or an HTTP-date, RFC 9110) and ask clients to wait that long ("Avoid getting throttled or
blocked in SharePoint Online"; Graph ``concepts/throttling.md``). Without the header the
:class:`Gate` backs off exponentially with jitter, capped at 300 s (PnP PowerShell's throttling
article; msgraph-sdk-design RetryHandler). Every wait counts against a budget.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

THROTTLED = (429, 503)
MAX_WAIT_S = 300.0


def retry_after_seconds(value: str, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds to wait: delta-seconds or an HTTP-date; None if unusable."""
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class Gate:
    """One pause shared by every worker: after a 429/503 nobody asks until it has passed."""

    def __init__(
        self,
        max_tries: int = 10,
        budget_s: float = 900.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.max_tries, self.budget_s, self._sleep = max_tries, budget_s, sleep
        self._until = 0.0
        self.waited_s = 0.0
        self.throttled = 0
        self._streak = 0

    def throttle(self, retry_after: str, counted: bool = True) -> float:
        """Record a throttled answer; returns the pause it asked for, in seconds.

        ``counted=False``: another pool's throttled answer, heard before that pool is collected.
        """
        if counted:
            self.throttled += 1
            self._streak += 1
        delay = retry_after_seconds(retry_after)
        if delay is None:  # no usable header: 1, 2, 4… s with jitter
            delay = min(MAX_WAIT_S, 2 ** max(0, self._streak - 1)) * (1 + random.random() / 4)
        delay = min(delay, MAX_WAIT_S)
        self._until = max(self._until, time.monotonic() + delay)
        return delay

    def passed(self) -> None:
        self._streak = 0

    @property
    def exhausted(self) -> bool:
        return self.waited_s >= self.budget_s

    def wait(self) -> None:
        pause = self._until - time.monotonic()
        if pause > 0:
            pause = min(pause, max(0.0, self.budget_s - self.waited_s))
            self.waited_s += pause
            self._sleep(pause)

    def affords(self, delay_s: float) -> bool:
        """Whether waiting ``delay_s`` more stays within the budget."""
        return self.waited_s + delay_s <= self.budget_s
