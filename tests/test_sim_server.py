"""The simulated tenant as a server: a clear error on a busy port, and a record of its secrets."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from troubleshooter.sim import SimOptions, SimServeError, SimTenant, serve_forever
from troubleshooter.sim.users import demo_users


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port another program listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        yield other.getsockname()[1]


def test_start_on_a_busy_port_says_so(busy_port: int) -> None:
    sim = SimTenant()
    with pytest.raises(SimServeError) as caught:
        sim.start(port=busy_port)
    assert isinstance(caught.value, OSError)
    assert str(caught.value) == (
        f"cannot serve the simulated tenant on 127.0.0.1:{busy_port}: port {busy_port} is "
        "already in use (another program, or another simulated tenant, listens there); "
        "choose another port, or port 0 for any free one"
    )
    assert not sim.running


def test_serve_forever_on_a_busy_port_raises_oserror(busy_port: int) -> None:
    ready: list[SimTenant] = []
    with pytest.raises(OSError, match="already in use"):
        serve_forever(SimOptions(), "127.0.0.1", busy_port, ready.append)
    assert ready == [], "it never said it was ready"


def test_issued_secrets_are_kept_after_a_code_is_redeemed() -> None:
    sim = SimTenant(users=demo_users())
    state = sim.state
    upn = state.users[0].upn
    code = state.issue_code(upn, "client", "https://rp.example/cb", "n")
    assert state.redeem_code(code, "https://rp.example/cb") is not None
    assert state.redeem_code(code, "https://rp.example/cb") is None, "a code works once"
    session = state.start_login_session("ESTSAUTH", upn)
    fedauth = state.start_rp_session("sp", "FedAuth", upn)
    rtfa = state.start_rp_session("sp", "rtFa", None)
    state.end_sessions(upn)
    assert [(s.kind, s.value) for s in state.issued_secrets] == [
        ("code", code),
        ("ESTSAUTH", session),
        ("FedAuth", fedauth),
        ("rtFa", rtfa),
    ]
    assert state.rp_sessions == {}, "the sessions ended; the record of them stays"


def test_issued_secrets_is_thread_safe() -> None:
    state = SimTenant(users=demo_users()).state

    def issue(worker: int) -> None:
        for n in range(200):
            state.record_secret("P4", f"{worker}-{n}")

    threads = [threading.Thread(target=issue, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    values = [s.value for s in state.issued_secrets]
    assert len(values) == len(set(values)) == 8 * 200
    state.record_secret("P4", "0-0")
    assert len(state.issued_secrets) == 8 * 200, "each value is recorded once"
