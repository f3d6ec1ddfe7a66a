"""Demo photos, the placeholder and the tenant state, without a browser."""

from __future__ import annotations

import http.client
import io
import itertools
import time

import imagehash
from PIL import Image

from troubleshooter.photo import Likeness, compare
from troubleshooter.sim import DEMO_USERS, SimOptions, SimTenant, demo_users, describe
from troubleshooter.sim.photos import SP_SIZES, placeholder_png, square_jpeg
from troubleshooter.sim.state import TenantState
from troubleshooter.sim.users import TENANT_DOMAIN, current_photo, retake_photo


def _phash(data: bytes) -> imagehash.ImageHash:
    return imagehash.phash(Image.open(io.BytesIO(data)).convert("L"))


def test_demo_photos_are_far_apart_and_survive_resizing() -> None:
    photos: dict[str, bytes] = {}
    for user in DEMO_USERS:
        if user.photo_of_record:
            photos[user.upn + ":record"] = user.photo_of_record
        retake = user.upn == f"miriam.graham@{TENANT_DOMAIN}"
        if user.sharepoint_photo and user.sharepoint_photo != user.photo_of_record and not retake:
            photos[user.upn + ":sharepoint"] = user.sharepoint_photo
    assert len(photos) == 15  # the helpdesk operator has a photo too
    hashes = {k: _phash(v) for k, v in photos.items()}
    for a, b in itertools.combinations(hashes, 2):
        assert hashes[a] - hashes[b] > 20, (a, b)
    for key, data in photos.items():
        assert Image.open(io.BytesIO(data)).size == (648, 648)
        for px in SP_SIZES.values():
            assert hashes[key] - _phash(square_jpeg(data, px)) <= 6


def test_the_retake_looks_alike_but_is_not_the_same_source() -> None:
    """Miriam's stale copy is the hard case: within pHash's old threshold, yet a retake."""
    record, retake = current_photo("miriam.graham", "MG"), retake_photo("miriam.graham", "MG")
    user = next(u for u in DEMO_USERS if u.upn.startswith("miriam.graham@"))
    assert (user.photo_of_record, user.sharepoint_photo) == (record, retake)
    assert _phash(record) - _phash(retake) <= 12
    for px in SP_SIZES.values():
        assert compare(record, square_jpeg(retake, px)).verdict is Likeness.DIFFERENT
        assert compare(record, square_jpeg(record, px)).verdict is Likeness.SAME
    assert "retake" in describe(user)


def test_photos_and_placeholder_are_deterministic() -> None:
    again = demo_users()
    assert [u.photo_of_record for u in again] == [u.photo_of_record for u in DEMO_USERS]
    assert placeholder_png(240) == placeholder_png(240)
    assert placeholder_png(240).startswith(b"\x89PNG")


def test_refresh_is_idempotent_and_respects_eligibility() -> None:
    state = TenantState(SimOptions(sync_delay=0.2), demo_users())
    adele, lee = "adele.vance@contoso.onmicrosoft.com", "lee.gu@contoso.onmicrosoft.com"
    assert state.record_large_request(adele, adele, "L", from_page=True)
    due = state.refresh_pending(adele)
    time.sleep(0.05)
    assert state.record_large_request(adele.upper(), adele, "L", from_page=True)
    assert state.refresh_pending(adele) == due
    assert not state.record_large_request(lee, adele, "L", from_page=True)
    assert not state.record_large_request(adele, adele, "L", from_page=False)
    assert state.record_large_request(lee, lee, "L", from_page=True)
    time.sleep(0.3)
    assert state.sharepoint_photo(adele) == state.photo_of_record(adele)
    assert state.sharepoint_photo(lee) != state.photo_of_record(lee)
    assert [r.triggered for r in state.trigger_log] == [True, True, False, False, True]


def test_index_page_and_context_manager() -> None:
    with SimTenant() as sim:
        assert sim.urls.site == sim.urls.sharepoint + "/sites/mark8projectteam"
        conn = http.client.HTTPConnection("127.0.0.1", sim.port, timeout=10)
        conn.request("GET", "/", headers={"Host": f"127.0.0.1:{sim.port}"})
        body = conn.getresponse().read().decode()
        assert "adele.vance@contoso.onmicrosoft.com" in body and sim.urls.home in body
    assert not sim.running
