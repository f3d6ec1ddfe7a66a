"""The after-check's schedule: fast at first, then slower, never hammering (no timing)."""

import itertools

from troubleshooter.steps.photos import EARLY_POLL_S, FIRST_POLL_S, MAX_POLL_S, poll_wait


def schedule(until_s: float, fetch_s: float = 0.0) -> list[float]:
    """When the after-check asks (seconds after its first ask), each ask taking ``fetch_s``."""
    asks, elapsed = [0.0], fetch_s
    while elapsed < until_s:
        elapsed += poll_wait(elapsed)
        asks.append(elapsed)
        elapsed += fetch_s
    return asks


def test_first_asks_come_quickly_then_grow_by_half() -> None:
    assert poll_wait(0.0) == FIRST_POLL_S
    assert poll_wait(1.0) == 0.5
    assert poll_wait(3.0) == 1.5
    assert poll_wait(5.0) == EARLY_POLL_S
    assert poll_wait(19.0) == EARLY_POLL_S


def test_an_answer_is_seen_at_most_half_the_wait_late() -> None:
    asks = schedule(20.0)
    for before, after in itertools.pairwise(asks):
        assert after - before <= max(FIRST_POLL_S, before / 2) + 1e-9
    assert len([a for a in asks if a <= 3.0]) <= 12  # about ten asks in the first 3 s


def test_a_long_wait_slows_down_to_about_once_a_minute() -> None:
    assert poll_wait(100.0) == 10.0
    assert poll_wait(3 * 3600) == MAX_POLL_S
    hour = schedule(3600.0, fetch_s=0.05)
    assert len(hour) < 150  # a request every ~25 s on average over the first hour


def test_never_more_often_than_the_first_wait() -> None:
    for elapsed in (0.0, 0.05, 1.0, 30.0, 600.0, 36_000.0):
        assert FIRST_POLL_S <= poll_wait(elapsed) <= MAX_POLL_S
