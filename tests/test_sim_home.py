"""Microsoft 365 home in the simulated tenant: the photo of record and "Change your photo"."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from troubleshooter.sim.photos import demo_photo

DIEGO = "diego.siciliani@contoso.onmicrosoft.com"


def test_change_photo_updates_record_not_sharepoint(
    make_sim, page: Page, sign_in_to, bytes_phash
) -> None:
    sim = make_sim()
    sign_in_to(page, sim.urls.home + "/login", DIEGO)
    expect(
        page.locator("div#mectrl_headerPicture div#meInitialsButton.mectrl_profilepic_initials")
    ).to_have_text("DS")
    page.get_by_role("button", name="Account manager for Diego Siciliani").click()
    page.get_by_role("link", name="Change your photo").click()
    dialog = page.get_by_role("dialog", name="Change your photo")
    expect(dialog).to_be_visible()
    upload = demo_photo("test:upload", "DS")
    dialog.get_by_label("Upload a new photo").set_input_files(
        {"name": "me.jpg", "mimeType": "image/jpeg", "buffer": upload}
    )
    expect(dialog.get_by_label("Zoom")).to_be_visible()
    dialog.get_by_role("button", name="Apply").click()
    dialog.get_by_role("button", name="Done").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("div#mectrl_headerPicture")).to_have_attribute(
        "style", re.compile(r"background-image: url\(.*GetPersonaPhoto")
    )
    expect(page.locator("#meInitialsButton")).to_have_count(0)
    record = sim.state.photo_of_record(DIEGO)
    assert record is not None and bytes_phash(record) - bytes_phash(upload) <= 4
    assert sim.state.sharepoint_photo(DIEGO) is None  # the lazy rule copies it later

    # the Exchange-like endpoint serves it resized, and revalidates every time
    resp = page.goto(
        f"{sim.urls.home}/owa/service.svc/s/GetPersonaPhoto?email={DIEGO}&UA=0&size=HR96x96"
    )
    assert resp is not None and resp.status == 200
    assert resp.headers["cache-control"] == "private, no-cache" and resp.headers.get("etag")
    assert page.evaluate("document.images[0].naturalWidth") == 96


def test_upload_rejects_non_images_and_large_files(make_sim, page: Page, sign_in_to) -> None:
    sim = make_sim()
    sign_in_to(page, sim.urls.home + "/login", DIEGO)
    status = page.evaluate(
        "() => fetch('/api/me/photo', {method: 'POST', body: 'hello',"
        " headers: {'Content-Type': 'image/png'}}).then(r => r.status)"
    )
    assert status == 400
    status = page.evaluate(
        "() => fetch('/api/me/photo', {method: 'POST', body: new Uint8Array(4 * 1024 * 1024 + 1),"
        " headers: {'Content-Type': 'image/jpeg'}}).then(r => r.status)"
    )
    assert status == 413
    assert sim.state.photo_of_record(DIEGO) is None


def test_photo_of_record_endpoint_needs_session_and_404s(make_sim, page: Page, sign_in_to) -> None:
    sim = make_sim()
    url = f"{sim.urls.home}/owa/service.svc/s/GetPersonaPhoto?email={DIEGO}&UA=0&size=HR240x240"
    resp = page.goto(url)
    assert resp is not None and resp.status == 401
    sign_in_to(page, sim.urls.home + "/login", DIEGO)
    resp = page.goto(url)
    assert resp is not None and resp.status == 404
