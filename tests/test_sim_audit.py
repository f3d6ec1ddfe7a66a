"""The simulated tenant's side of check and guide: the helpdesk account, Outlook's
GetPersonaPhoto, the profile service, throttling and the generated users."""

from __future__ import annotations

import http.client
from collections import Counter
from collections.abc import Callable
from email.utils import parsedate_to_datetime

from playwright.sync_api import BrowserContext, Page

from troubleshooter.sim import DEMO_USERS, OPERATOR_UPN, SimOptions, SimTenant, describe
from troubleshooter.sim.extra import extra_users
from troubleshooter.sim.hosts import OUTLOOK_HOST, SP_HOST

ADELE = "adele.vance@contoso.onmicrosoft.com"
DIEGO = "diego.siciliani@contoso.onmicrosoft.com"


def get(sim: SimTenant, host: str, path: str) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", sim.port, timeout=10)
    conn.request("GET", path, headers={"Host": f"{host}:{sim.port}"})
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


def test_the_helpdesk_operator_is_a_demo_user() -> None:
    operator = next(u for u in DEMO_USERS if u.upn == OPERATOR_UPN)
    assert describe(operator).startswith("the helpdesk operator")


def test_persona_photo_needs_an_outlook_session(sim: SimTenant) -> None:
    path = f"/owa/service.svc/s/GetPersonaPhoto?email={ADELE}&UA=0&size=HR240x240"
    assert get(sim, OUTLOOK_HOST, path).status == 401
    assert get(sim, OUTLOOK_HOST, "/mail/").status == 302  # to the sign-in service


def test_a_colleague_reads_photos_of_record_and_never_triggers(
    make_sim: Callable[..., SimTenant],
    new_context: Callable[[], BrowserContext],
    sign_in_to: Callable[..., None],
) -> None:
    sim = make_sim()
    page: Page = new_context().new_page()
    sign_in_to(page, sim.urls.outlook + "/mail/", OPERATOR_UPN)
    assert page.locator("#owa-user").inner_text() == OPERATOR_UPN
    fetch = """async (url) => { const r = await fetch(url, {cache: 'no-store'});
        return [r.status, r.headers.get('Content-Type'), (await r.arrayBuffer()).byteLength]; }"""
    persona = "/owa/service.svc/s/GetPersonaPhoto?UA=0&size=HR240x240&email="
    status, ctype, size = page.evaluate(fetch, persona + ADELE)
    assert (status, ctype) == (200, "image/jpeg") and size > 1000
    assert page.evaluate(fetch, persona + DIEGO)[0] == 404
    assert page.evaluate(fetch, persona + "nobody@contoso.onmicrosoft.com")[0] == 404

    start = sim.urls.sharepoint + "/_layouts/15/sharepoint.aspx"
    page.goto(start)  # single sign-on: no sign-in pages the second time
    page.wait_for_url(start)
    large = f"/_layouts/15/userphoto.aspx?size=L&accountname={ADELE}"
    assert page.evaluate(fetch, large)[:2] == [200, "image/jpeg"]
    asked = [r for r in sim.state.trigger_log if r.photo_upn == ADELE]
    assert asked and not any(r.triggered for r in asked), "a colleague's request never triggers"
    assert sim.state.refresh_pending(ADELE) is None

    api = "/_api/SP.UserProfiles.PeopleManager/GetPropertiesFor(accountName=@v)?@v="
    known = page.evaluate(
        "async (u) => (await fetch(u)).json()", api + f"'i%3A0%23.f%7Cmembership%7C{ADELE}'"
    )
    assert known["DisplayName"] == "Adele Vance"
    unknown = page.evaluate("async (u) => (await fetch(u)).json()", api + "'nobody%40x.com'")
    assert unknown == {"odata.null": True}


def test_requests_too_fast_get_429_with_retry_after(make_sim: Callable[..., SimTenant]) -> None:
    sim = make_sim(throttle_rate=1.0, throttle_burst=3, throttle_retry_after=2)
    path = f"/_layouts/15/userphoto.aspx?size=S&accountname={ADELE}"
    statuses = [get(sim, SP_HOST, path) for _ in range(5)]
    assert [r.status for r in statuses[:3]] == [302, 302, 302]
    assert statuses[3].status == 429 and statuses[3].getheader("Retry-After") == "2"
    assert sim.throttle is not None and sim.throttle.throttled == 2
    # Home pages are never throttled.
    assert get(sim, SP_HOST, "/_layouts/15/sharepoint.aspx").status == 302


def test_retry_after_can_be_an_http_date(make_sim: Callable[..., SimTenant]) -> None:
    sim = make_sim(throttle_rate=1.0, throttle_burst=1, throttle_http_date=True)
    path = f"/owa/service.svc/s/GetPersonaPhoto?email={ADELE}"
    get(sim, OUTLOOK_HOST, path)
    answer = get(sim, OUTLOOK_HOST, path)
    assert answer.status == 429
    assert parsedate_to_datetime(answer.getheader("Retry-After") or "").tzinfo is not None


def test_generated_users_are_deterministic_and_cover_every_state() -> None:
    first = extra_users(300, "contoso.onmicrosoft.com", "pw", seed=7)
    again = extra_users(300, "contoso.onmicrosoft.com", "pw", seed=7)
    assert [(u.upn, u.photo_of_record, u.sharepoint_photo) for u in first] == [
        (u.upn, u.photo_of_record, u.sharepoint_photo) for u in again
    ]
    states = Counter(describe(u) for u in first)
    assert set(states) == {
        "in sync",
        "SharePoint photo is stale",
        "SharePoint has no copy (placeholder)",
        "no photo at all",
    }
    other = extra_users(5, "contoso.onmicrosoft.com", "pw", seed=8)
    assert other[0].photo_of_record != first[0].photo_of_record or other[0].sharepoint_photo


def test_extra_users_join_the_demo_users() -> None:
    sim = SimTenant(options=SimOptions(extra_users=25))
    assert len(sim.state.users) == len(DEMO_USERS) + 25
    assert sim.state.user("user0025@contoso.onmicrosoft.com") is not None
