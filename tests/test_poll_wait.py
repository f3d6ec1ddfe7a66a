"""The after-check's schedule: fast at first, then slower, never hammering (no timing)."""

from troubleshooter.steps.photos import EARLY_POLL_S, FIRST_POLL_S, MAX_POLL_S, poll_wait


def test_first_asks_come_quickly_then_double() -> None:
    waits = [poll_wait(n, elapsed_s=0.0) for n in range(5)]
    assert waits == [FIRST_POLL_S, 2 * FIRST_POLL_S, 4 * FIRST_POLL_S, EARLY_POLL_S, EARLY_POLL_S]


def test_a_long_wait_slows_down_to_about_once_a_minute() -> None:
    assert poll_wait(20, elapsed_s=100.0) == 10.0
    assert poll_wait(40, elapsed_s=3 * 3600) == MAX_POLL_S


def test_never_more_often_than_the_first_wait() -> None:
    for attempt in range(60):
        for elapsed in (0.0, 1.0, 30.0, 600.0, 36_000.0):
            assert FIRST_POLL_S <= poll_wait(attempt, elapsed) <= MAX_POLL_S
