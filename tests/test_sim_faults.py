"""The sim's fault layer: the spec, ``sim serve --fault``, and what the photo endpoints answer.

What the tool makes of each fault, in real Chromium, is in tests/test_faults_photo_e2e.py.
"""

from __future__ import annotations

import http.client
import math
import time
from collections.abc import Callable

import pytest

from tests.helpers import run_cli
from troubleshooter.sim import Faults, SimTenant
from troubleshooter.sim.faults import FAULTS, apply_fault

STALE = "adele.vance@contoso.onmicrosoft.com"
PHOTO = "/_layouts/15/userphoto.aspx?size=L&accountname=" + STALE


def _get(sim: SimTenant, host_url: str, path: str) -> http.client.HTTPResponse:
    """A request to the sim's port with the Host of ``host_url`` (*.localhost names)."""
    connection = http.client.HTTPConnection("127.0.0.1", sim.port, timeout=10)
    connection.request("GET", path, headers={"Host": host_url.split("//", 1)[1]})
    return connection.getresponse()


def test_fault_specs_set_the_fields() -> None:
    faults = Faults()
    for spec in ("latency=0.25", "photo-429-burst=5", "retry-after=7", "photo-html"):
        apply_fault(faults, spec)
    assert faults == Faults(
        latency_s=0.25, photo_status=429, photo_status_count=5, retry_after_s=7, photo_body="html"
    )
    apply_fault(faults, "never-syncs")
    apply_fault(faults, "photo-trickle")
    assert faults.never_syncs and faults.photo_trickle_s == 1.0


def test_page_faults_and_the_outage_are_faults_too() -> None:
    faults = Faults()
    for spec in ("signin-changed", "people-changed", "outage=sharepoint", "outage-after=3"):
        apply_fault(faults, spec)
    apply_fault(faults, "outage-reset")
    assert faults == Faults(
        signin_changed=True,
        people_changed=True,
        outage_host="sharepoint",
        outage_after=3,
        outage_mode="reset",
    )
    bare = Faults()
    apply_fault(bare, "outage")
    assert (bare.outage_host, bare.outage_after, bare.outage_mode) == ("login", 0, "refuse")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("photo-42", "unknown fault 'photo-42'"),
        ("photo-500=3", "fault photo-500 takes no value"),
        ("latency=soon", "'soon' is not a number"),
        ("photo-trickle=-1", "out of range"),
        ("photo-429-burst=1e9", "not a number"),
        ("outage=mars", "'mars' is not one of login, home, sharepoint, my, outlook"),
        ("signin-changed=1", "fault signin-changed takes no value"),
    ],
)
def test_bad_fault_specs_are_refused(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        apply_fault(Faults(), spec)


def test_sim_serve_lists_every_fault_and_refuses_an_unknown_one() -> None:
    shown = run_cli("sim", "serve", "--help")
    assert shown.returncode == 0
    flat = "".join(shown.stdout.split())  # the help may wrap anywhere
    assert all(name in flat for name in FAULTS), flat
    refused = run_cli("sim", "serve", "--port", "0", "--fault", "photo-999")
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines() == [
        f"error: --fault: unknown fault 'photo-999'; known: {', '.join(FAULTS)}"
    ]


@pytest.mark.parametrize(("status", "retry_after"), [(429, "3"), (503, "3"), (500, None)])
def test_status_faults_answer_photo_requests_only(
    make_sim: Callable[..., SimTenant], status: int, retry_after: str | None
) -> None:
    sim = make_sim(faults=Faults(photo_status=status, retry_after_s=3))
    photo = _get(sim, sim.urls.sharepoint, PHOTO)
    assert (photo.status, photo.getheader("Retry-After")) == (status, retry_after)
    assert _get(sim, sim.urls.mysite, PHOTO).status == status
    page = _get(sim, sim.urls.sharepoint, "/_layouts/15/sharepoint.aspx")
    assert page.status == 302, "pages answer as usual (here: to the sign-in)"
    assert sim.faults is not None and sim.faults.faulted == 2


def test_a_burst_clears_after_n_requests(make_sim: Callable[..., SimTenant]) -> None:
    sim = make_sim(faults=Faults(photo_status=429, photo_status_count=2))
    statuses = [_get(sim, sim.urls.sharepoint, PHOTO).status for _ in range(4)]
    assert statuses == [429, 429, 302, 302], "then the usual answer (sign in first)"


def test_latency_delays_every_host(make_sim: Callable[..., SimTenant]) -> None:
    sim = make_sim(faults=Faults(latency_s=0.4))
    for url in (sim.urls.home, sim.urls.login, sim.urls.sharepoint):
        started = time.monotonic()
        _get(sim, url, "/").read()
        assert time.monotonic() - started >= 0.4


def test_never_syncs_accepts_the_trigger_but_never_refreshes(
    make_sim: Callable[..., SimTenant],
) -> None:
    sim = make_sim(faults=Faults(never_syncs=True), sync_delay=0)
    old = sim.state.sharepoint_photo(STALE)
    assert sim.state.record_large_request(STALE, STALE, "L", from_page=True)
    assert sim.state.refresh_pending(STALE) == math.inf
    assert sim.state.sharepoint_photo(STALE) == old
