"""SharePoint in the simulated tenant: the lazy photo-sync rule, caching, placeholder, CDN hop."""

from __future__ import annotations

import re
import time
from urllib.parse import quote

from playwright.sync_api import Page, expect

from troubleshooter.sim import SimTenant
from troubleshooter.sim.photos import placeholder_png

ADELE = "adele.vance@contoso.onmicrosoft.com"
ALEX = "alex.wilber@contoso.onmicrosoft.com"
MEGAN = "megan.bowen@contoso.onmicrosoft.com"
LEE = "lee.gu@contoso.onmicrosoft.com"
DIEGO = "diego.siciliani@contoso.onmicrosoft.com"
WAIT = 0.6  # > the tests' sync_delay (0.3 s)


def own_img(name: str) -> str:
    return (
        "div[data-sp-feature-tag*='PeopleWebPart'] "
        f".ms-Persona:has(.ms-Persona-primaryText:has-text('{name}')) img.ms-Image-image"
    )


def photo_url(sim: SimTenant, upn: str, size: str = "L", extra: str = "") -> str:
    base = f"{sim.urls.sharepoint}/_layouts/15/userphoto.aspx"
    return f"{base}?size={size}&accountname={quote(upn)}{extra}"


def test_people_web_part_markup(sim: SimTenant, page: Page, sign_in_to) -> None:
    sign_in_to(page, sim.urls.site, DIEGO)
    expect(page.locator("[data-automationid='SiteHeaderTitle'] a")).to_have_text(
        "Mark 8 Project Team"
    )
    part = page.locator(
        "div[data-sp-feature-tag='PeopleWebPart web part (People)']"
        "[data-sp-web-part-id='7f718435-ee4d-431c-bdbf-9c4ff326f46e']"
    )
    expect(part.get_by_role("heading", name="People")).to_be_visible()
    # A Fluent v8 Persona as npm renders it: no list roles, alt="" on the image (SOURCES.md).
    expect(part.get_by_role("list")).to_have_count(0)
    items = part.locator(".ms-Persona")
    expect(items).to_have_count(len(sim.state.users))
    adele = items.filter(has_text="Adele Vance")
    img = adele.locator(".ms-Persona-coin.ms-Persona--size72 .ms-Persona-image img.ms-Image-image")
    expect(img).to_have_attribute(
        "src",
        "/sites/mark8projectteam/_layouts/15/userphoto.aspx?size=L&accountname="
        + quote(ADELE, safe=""),
    )
    expect(img).to_have_attribute("alt", "")
    expect(img).to_have_class(re.compile("is-loaded"))
    expect(adele.locator(".ms-Persona-secondaryText")).to_have_text(
        "Retail Manager", use_inner_text=True
    )
    expect(adele.locator(".ms-Persona-initials")).to_have_count(0)
    box = img.bounding_box()
    assert box and round(box["width"]) == 72 and round(box["height"]) == 72
    page.goto(sim.urls.sharepoint + "/sites/contosonews")
    expect(page.locator("[data-automationid='SiteHeaderTitle'] a")).to_have_text("Contoso News")
    expect(page.locator("div[data-sp-feature-tag*='PeopleWebPart']")).to_have_count(0)


def test_lazy_rule_own_visit_triggers_and_cache_keeps_old_image(
    make_sim, page: Page, new_context, sign_in_to, shown_phash, bytes_phash
) -> None:
    sim = make_sim()
    user = sim.state.user(ADELE)
    assert user is not None
    user.sync_delay = 4.0  # the user's own delay overrides the option (long: loaded CI machines)
    old, new = sim.state.sharepoint_photo(ADELE), sim.state.photo_of_record(ADELE)
    assert old and new and old != new
    sign_in_to(page, sim.urls.site, ADELE)
    first_due = sim.state.refresh_pending(ADELE)
    assert first_due is not None
    assert shown_phash(page, own_img("Adele Vance")) - bytes_phash(old) <= 6
    own = [r for r in sim.state.trigger_log if r.photo_upn == ADELE]
    assert own and own[0].requester_upn == ADELE and own[0].size == "L" and own[0].triggered
    # re-triggering (a direct request with a page Referer) does not push the refresh later
    page.evaluate(
        "(u) => fetch(u, {cache: 'reload'})", photo_url(sim, ADELE).replace(sim.urls.sharepoint, "")
    )
    assert sum(r.triggered for r in sim.state.trigger_log if r.photo_upn == ADELE) == 2
    assert sim.state.refresh_pending(ADELE) in (first_due, None)
    time.sleep(max(0.0, first_due - time.time()) + 0.2)
    assert sim.state.sharepoint_photo(ADELE) == sim.state.photo_of_record(ADELE)

    # the same (reused) context still shows the cached old image
    page.goto(sim.urls.site)
    assert shown_phash(page, own_img("Adele Vance")) - bytes_phash(old) <= 6

    # a fresh private context shows the new one
    fresh = new_context().new_page()
    sign_in_to(fresh, sim.urls.site, ADELE)
    assert shown_phash(fresh, own_img("Adele Vance")) - bytes_phash(new) <= 6


def test_visit_by_another_user_refreshes_nothing(make_sim, page: Page, sign_in_to) -> None:
    sim = make_sim()
    old = sim.state.sharepoint_photo(ADELE)
    sign_in_to(page, sim.urls.site, ALEX)
    page.wait_for_load_state("networkidle")
    records = [r for r in sim.state.trigger_log if r.photo_upn == ADELE]
    assert records and not any(r.triggered for r in records)
    assert all(r.requester_upn == ALEX for r in records)
    time.sleep(WAIT)
    assert sim.state.sharepoint_photo(ADELE) == old


def test_not_editable_picture_never_refreshes(make_sim, page: Page, sign_in_to) -> None:
    sim = make_sim()
    old = sim.state.sharepoint_photo(LEE)
    sign_in_to(page, sim.urls.site, LEE)
    page.wait_for_load_state("networkidle")
    assert any(r.triggered for r in sim.state.trigger_log if r.photo_upn == LEE)
    time.sleep(WAIT)
    assert sim.state.sharepoint_photo(LEE) == old != sim.state.photo_of_record(LEE)


def test_no_copy_serves_placeholder_until_synced(
    make_sim, page: Page, new_context, sign_in_to, shown_phash, bytes_phash
) -> None:
    sim = make_sim()
    assert sim.state.sharepoint_photo(MEGAN) is None
    sign_in_to(page, sim.urls.sharepoint + "/_layouts/15/search.aspx/people?q=megan", MEGAN)
    expect(page.get_by_role("tab", name="People")).to_have_attribute("aria-selected", "true")
    megan = ".ms-Persona:has(.ms-Persona-primaryText:has-text('Megan Bowen')) img"
    assert shown_phash(page, megan) - bytes_phash(placeholder_png(240)) <= 4
    time.sleep(WAIT)
    assert sim.state.sharepoint_photo(MEGAN) == sim.state.photo_of_record(MEGAN)
    fresh = new_context().new_page()
    sign_in_to(fresh, sim.urls.site, MEGAN)
    photo = sim.state.photo_of_record(MEGAN)
    assert photo and shown_phash(fresh, own_img("Megan Bowen")) - bytes_phash(photo) <= 6


def test_direct_request_needs_the_option(make_sim, new_context, sign_in_to) -> None:
    for option, expect_refresh in ((False, False), (True, True)):
        sim = make_sim(refresh_on_direct_request=option)
        page = new_context().new_page()
        sign_in_to(page, sim.urls.sharepoint + "/_layouts/15/sharepoint.aspx", ADELE)
        assert not sim.state.trigger_log  # the start page shows no large photo
        resp = page.goto(photo_url(sim, ADELE))
        assert resp is not None and resp.ok
        assert [r.triggered for r in sim.state.trigger_log] == [expect_refresh]
        time.sleep(WAIT)
        synced = sim.state.sharepoint_photo(ADELE) == sim.state.photo_of_record(ADELE)
        assert synced is expect_refresh


def test_placeholder_cdn_redirect_and_bad_token(sim: SimTenant, page: Page, sign_in_to) -> None:
    sign_in_to(page, sim.urls.sharepoint + "/_layouts/15/sharepoint.aspx", ALEX)
    resp = page.goto(photo_url(sim, DIEGO, "L"))
    assert resp is not None and resp.status == 200
    assert "/_vti_bin/afdcache.ashx/_userprofile/userphoto.jpg?" in resp.url
    assert re.search(r"_oat_=.+&P1=\d+&P2=.+&P3=1&P4=.+&size=L&accountName=", resp.url)
    redirected = resp.request.redirected_from
    assert redirected is not None and "userphoto.aspx" in redirected.url
    assert resp.headers["content-type"] == "image/png"
    assert resp.body() == placeholder_png(240)
    assert resp.headers["cache-control"] == "private, max-age=86400"
    assert resp.headers.get("etag") and resp.headers.get("last-modified")

    bad = page.goto(re.sub(r"P4=[0-9a-f]+", "P4=00ff", resp.url))
    assert bad is not None and bad.status == 403
    assert "Time-Limited URL validation failed" in bad.text()

    none = page.goto(photo_url(sim, DIEGO, "M", "&default=none"))
    assert none is not None and none.status == 404

    sized = page.goto(photo_url(sim, ALEX, "S").replace("accountname", "AccountName"))
    assert sized is not None and sized.headers["content-type"] == "image/jpeg"
    assert page.evaluate("document.images[0].naturalWidth") == 48


def test_without_cdn_redirect_photo_is_served_directly(make_sim, page: Page, sign_in_to) -> None:
    sim = make_sim(cdn_redirect=False, photo_max_age=60)
    sign_in_to(page, sim.urls.sharepoint + "/_layouts/15/sharepoint.aspx", ALEX)
    resp = page.goto(photo_url(sim, ALEX, "M"))
    assert resp is not None and resp.status == 200 and "userphoto.aspx" in resp.url
    assert resp.headers["cache-control"] == "private, max-age=60"
    assert page.evaluate("document.images[0].naturalWidth") == 72


def test_search_show_more_results_people_tab(sim: SimTenant, page: Page, sign_in_to) -> None:
    sign_in_to(page, sim.urls.sharepoint + "/_layouts/15/sharepoint.aspx", ALEX)
    expect(page.get_by_role("link", name="Mark 8 Project Team")).to_be_visible()
    box = page.get_by_role("combobox", name="Search in SharePoint")
    box.fill("Alex Wilber")
    box.press("Enter")
    expect(
        page.locator(".ms-Persona", has_text="Alex Wilber").locator("img").first
    ).to_have_attribute("src", re.compile("size=M"))
    page.get_by_role("link", name="Show more results").click()
    tabs = page.get_by_role("tablist").get_by_role("tab")
    expect(tabs).to_have_text(["All", "Files", "Sites", "People", "News"])
    page.get_by_role("tab", name="People").click()
    expect(page.get_by_role("tab", name="People")).to_have_attribute("aria-selected", "true")
    expect(page.locator(".ms-Persona", has_text="Alex Wilber").locator("img")).to_have_attribute(
        "src", re.compile("size=L")
    )


def test_onedrive_and_profile_show_own_large_photo(make_sim, page: Page, sign_in_to) -> None:
    sim = make_sim()
    onedrive = (
        f"{sim.urls.mysite}/personal/adele_vance_contoso_onmicrosoft_com/_layouts/15/onedrive.aspx"
    )
    sign_in_to(page, onedrive, ADELE)
    expect(page.get_by_role("heading", name="My files")).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert any(r.triggered for r in sim.state.trigger_log)
    page.goto(f"{sim.urls.mysite}/_layouts/15/me.aspx?p={quote(ALEX)}&v=profile")
    expect(page.get_by_role("heading", name="Alex Wilber")).to_be_visible()
    expect(page.locator(".ms-Persona", has_text="Alex Wilber").locator("img")).to_have_attribute(
        "src", re.compile("size=L")
    )
