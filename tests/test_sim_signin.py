"""Sign-in to the simulated tenant: classic and Fluent pages, errors, MFA, KMSI, SSO, sign-out."""

from __future__ import annotations

import http.client
import re
import time
from urllib.parse import parse_qs, urlsplit

import pyotp
from playwright.sync_api import Page, expect

from troubleshooter.sim import DEMO_PASSWORD, DEMO_TOTP_SECRET, SimTenant

ADELE = "adele.vance@contoso.onmicrosoft.com"
ALEX = "alex.wilber@contoso.onmicrosoft.com"
NOT_LOGIN = re.compile(r"^(?!.*login\.microsoftonline).*$")


def _raw_get(sim: SimTenant, url: str) -> http.client.HTTPResponse:
    split = urlsplit(url)
    conn = http.client.HTTPConnection("127.0.0.1", sim.port, timeout=10)
    path = split.path + (f"?{split.query}" if split.query else "")
    conn.request("GET", path, headers={"Host": split.netloc})
    resp = conn.getresponse()
    resp.read()
    return resp


def test_sharepoint_redirects_to_authorize_with_oauth_parameters(sim: SimTenant) -> None:
    resp = _raw_get(sim, sim.urls.site + "?x=1")
    assert resp.status == 302
    location = resp.getheader("Location") or ""
    assert location.startswith(sim.urls.login + "/common/oauth2/v2.0/authorize?")
    query = parse_qs(urlsplit(location).query)
    assert query["redirect_uri"] == [sim.urls.sharepoint + "/_forms/default.aspx"]
    assert query["response_mode"] == ["form_post"]
    assert query["response_type"] == ["code id_token"]
    assert query["scope"] == ["openid profile"]
    assert query["client_id"][0] and query["nonce"][0] and query["state"][0]
    home = _raw_get(sim, sim.urls.home + "/account")
    home_query = parse_qs(urlsplit(home.getheader("Location") or "").query)
    assert home_query["redirect_uri"] == [sim.urls.home + "/landing"]


def test_unknown_host_is_404(sim: SimTenant) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", sim.port, timeout=10)
    conn.request("GET", "/", headers={"Host": f"evil.localhost:{sim.port}"})
    assert conn.getresponse().status == 404


def test_classic_sign_in_with_kmsi_reaches_home(sim: SimTenant, page: Page) -> None:
    posts: list[str] = []
    page.on(
        "request",
        lambda r: posts.append(r.post_data or "") if r.url.endswith("/landing") else None,
    )
    page.goto(sim.urls.home + "/")
    expect(page.get_by_role("heading", name="Welcome to Microsoft 365")).to_be_visible()
    expect(page.get_by_role("link", name="Get Microsoft 365")).to_be_visible()
    page.get_by_role("link", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    # One page, views switching in place: the password input is already there, hidden as the
    # real page hides it (SOURCES.md).
    hidden_password = page.locator("input#i0118[name=passwd]")
    expect(hidden_password).to_have_class("moveOffScreen")
    expect(hidden_password).to_have_attribute("aria-hidden", "true")
    expect(hidden_password).to_have_attribute("tabindex", "-1")
    assert hidden_password.is_visible()  # what fooled the tool: Playwright calls it visible
    for name in ("flowToken", "ctx", "canary"):
        assert page.locator(f"input[type=hidden][name={name}]").get_attribute("value")
    url = page.url
    page.get_by_role("textbox", name="Enter your email, phone, or Skype.").fill(ADELE)
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_role("heading", name="Enter password")).to_be_visible()
    assert page.url == url  # no navigation
    expect(page.locator("input#i0116")).to_have_class("moveOffScreen")
    expect(page.locator("input#i0118")).not_to_have_attribute("aria-hidden", "true")
    page.get_by_label(f"Enter the password for {ADELE}").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Stay signed in?")).to_be_visible()
    expect(page.locator("#KmsiCheckboxField")).to_be_visible()
    page.locator("#KmsiCheckboxField").check()
    page.locator("#idSIButton9").click()
    expect(page.get_by_role("heading", name="Quick access", exact=True)).to_be_visible()
    assert page.url == sim.urls.home + "/"

    assert posts and all(f in posts[0] for f in ("code=", "id_token=", "state="))
    cookies = {(c["name"], c["domain"]): c for c in page.context.cookies()}
    login_host = urlsplit(sim.urls.login).hostname
    home_host = urlsplit(sim.urls.home).hostname
    assert cookies[("ESTSAUTH", login_host)]["httpOnly"]
    assert cookies[("ESTSAUTHPERSISTENT", login_host)]["expires"] > 0
    assert cookies[("OhpSession", home_host)]["httpOnly"]

    # the authorization code is one-time
    conn = http.client.HTTPConnection("127.0.0.1", sim.port, timeout=10)
    conn.request(
        "POST",
        "/landing",
        body=posts[0],
        headers={
            "Host": urlsplit(sim.urls.home).netloc,
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    assert conn.getresponse().status == 400

    # me control
    trigger = page.get_by_role("button", name="Account manager for Adele Vance")
    expect(page.locator("div#mectrl_headerPicture")).to_have_attribute(
        "style",
        re.compile(r"background-image: url\('.*/owa/service\.svc/s/GetPersonaPhoto\?email=adele"),
    )
    trigger.click()
    pane = page.locator("#mectrl_main_body")
    expect(pane).to_have_class(re.compile("expanded"))
    expect(page.locator("#mectrl_currentAccount_secondary")).to_have_text(ADELE)
    expect(page.locator("a#mectrl_viewAccount")).to_have_attribute(
        "href", re.compile("login_hint=adele")
    )
    style = page.locator("#mectrl_currentAccount_picture_profile_picture").get_attribute("style")
    assert style and "GetPersonaPhoto" in style

    # app bar and app launcher
    appbar = page.get_by_role("navigation", name="App bar")
    for name in ("Home", "OneDrive", "SharePoint", "Outlook", "Teams"):
        expect(appbar.get_by_role("link", name=name, exact=True)).to_be_visible()
    page.get_by_role("button", name="App launcher").click()
    expect(page.locator("a#O365_AppTile_Sites")).to_be_visible()
    expect(page.locator("a#O365_AppTile_SharePoint")).to_have_count(0)
    expect(page.locator("a#O365_AppTile_Documents")).to_have_attribute(
        "href", re.compile(r"/personal/adele_vance_contoso_onmicrosoft_com/_layouts/15/onedrive")
    )


def test_sso_to_sharepoint_without_a_second_password(
    sim: SimTenant, page: Page, sign_in_to
) -> None:
    sign_in_to(page, sim.urls.home + "/login", ALEX)
    expect(page.get_by_role("heading", name="Quick access", exact=True)).to_be_visible()
    page.get_by_role("navigation", name="App bar").get_by_role("link", name="SharePoint").click()
    expect(page.get_by_role("heading", name="SharePoint", exact=True)).to_be_visible()
    expect(page.get_by_role("combobox", name="Search in SharePoint")).to_be_visible()
    expect(page.locator("img#O365_MainLink_MePhoto")).to_have_attribute(
        "src", re.compile(r"size=M&accountname=alex")
    )
    names = {c["name"] for c in page.context.cookies(sim.urls.sharepoint)}
    assert {"FedAuth", "rtFa"} <= names
    # the My Site host is another origin: SSO again, still no password page
    page.get_by_role("button", name="App launcher").click()
    page.locator("a#O365_AppTile_Documents").click()
    expect(page.get_by_role("heading", name="My files")).to_be_visible()


def test_login_hint_prefills_email(sim: SimTenant, page: Page) -> None:
    page.goto(sim.urls.home + f"/?login_hint={ALEX}")
    page.get_by_role("link", name="Sign in", exact=True).click()
    expect(page.locator("#i0116")).to_have_value(ALEX)


def test_wrong_password_unknown_user_locked_and_blocked(
    sim: SimTenant, page: Page, classic_sign_in
) -> None:
    page.goto(sim.urls.home + "/login")
    page.locator("#i0116").fill("nobody@contoso.onmicrosoft.com")
    page.locator("#idSIButton9").click()
    expect(page.locator("#usernameError")).to_have_text(
        "This username may be incorrect. Make sure you typed it correctly. "
        "Otherwise, contact your admin."
    )

    page.goto(sim.urls.home + "/login")
    classic_sign_in(page, ADELE, "wrong password")
    expect(page.locator("#passwordError")).to_have_text(
        "Your account or password is incorrect. If you don't remember your password, reset it now."
    )
    expect(page.get_by_text("Error Code: 50126")).to_be_visible()
    expect(page.locator("input[name=sErrorCode]")).to_have_value("50126")
    expect(page.get_by_text("Troubleshooting details")).to_be_visible()
    expect(page.locator("#debugDetailsBanner")).to_contain_text("Correlation Id: ")
    expect(page.locator("#debugDetailsBanner")).to_contain_text("Request Id: ")

    page.goto(sim.urls.home + "/login")
    classic_sign_in(page, "lynne.robbins@contoso.onmicrosoft.com", "anything")
    expect(
        page.get_by_text(
            "Your account is locked. Contact your support person to unlock it, then try again."
        )
    ).to_be_visible()
    expect(page.get_by_text("AADSTS50053", exact=False)).to_be_visible()

    page.goto(sim.urls.home + "/login")
    classic_sign_in(page, "nestor.wilke@contoso.onmicrosoft.com")
    expect(page.get_by_role("heading", name="You can't get there from here")).to_be_visible()
    expect(page.get_by_text("Error Code: 53003")).to_be_visible()


def test_totp_bad_then_good_code(sim: SimTenant, page: Page, classic_sign_in) -> None:
    page.goto(sim.urls.home + "/login")
    classic_sign_in(page, "isaiah.langer@contoso.onmicrosoft.com")
    expect(page.locator("#idDiv_SAOTCC_Title")).to_have_text("Enter code")
    totp = pyotp.TOTP(DEMO_TOTP_SECRET)
    now = time.time()
    valid = {totp.at(now + step * 30) for step in (-2, -1, 0, 1, 2)}
    bad = next(c for c in ("000000", "111111", "222222") if c not in valid)
    page.get_by_role("textbox", name="Code").fill(bad)
    page.locator("#idSubmit_SAOTCC_Continue").click()
    expect(page.locator("#idSpan_SAOTCC_Error_OTC")).to_have_text(
        "You didn't enter the expected verification code. Please try again."
    )
    page.locator("#idTxtBx_SAOTCC_OTC").fill(totp.now())
    page.locator("#idSubmit_SAOTCC_Continue").click()
    expect(page.get_by_role("heading", name="Stay signed in?")).to_be_visible()
    page.locator("#idBtn_Back").click()
    expect(page.get_by_role("heading", name="Quick access", exact=True)).to_be_visible()


def test_push_waits_for_approval(sim: SimTenant, page: Page, classic_sign_in) -> None:
    upn = "johanna.lorenz@contoso.onmicrosoft.com"
    page.goto(sim.urls.home + "/login")
    classic_sign_in(page, upn)
    expect(page.locator("#idDiv_SAOTCAS_Title")).to_have_text("Approve sign in request")
    number = page.locator("#idRichContext_DisplaySign").inner_text()
    assert re.fullmatch(r"\d{2}", number)
    assert sim.pending_push_number(upn) == int(number)
    expect(
        page.get_by_text("Open your Authenticator app, and enter the number shown to sign in.")
    ).to_be_visible()
    page.locator("a#signInAnotherWay").click()
    proofs = page.locator("#idDiv_SAOTCS_Proofs div[data-value]")
    expect(proofs).to_have_count(1)
    expect(proofs).to_have_attribute("data-value", "PhoneAppNotification")
    proofs.click()
    page.wait_for_timeout(1500)
    expect(page.locator("#idDiv_SAOTCAS_Title")).to_be_visible()  # still waiting
    sim.approve_push(upn)
    expect(page.get_by_role("heading", name="Stay signed in?")).to_be_visible(timeout=5000)


def test_fluent_user_with_mfa_nudge(sim: SimTenant, page: Page) -> None:
    page.goto(sim.urls.home + "/login")
    page.locator("#i0116").fill("grady.archie@contoso.onmicrosoft.com")  # not known yet: classic
    page.locator("#idSIButton9").click()
    page.locator("input#passwordEntry").fill("wrong")
    page.locator("button[data-testid=primaryButton]").click()
    expect(page.get_by_role("alert")).to_contain_text("Your account or password is incorrect.")
    expect(page.get_by_role("alert")).to_be_visible()
    page.locator("input#passwordEntry").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="More information required")).to_be_visible()
    expect(page.get_by_role("button", name="Next")).to_be_visible()
    page.locator("a#btnAskLaterLink").click()
    expect(page.locator("#checkboxField")).to_be_visible()  # the newer KMSI (SOURCES.md)
    expect(page.get_by_text("Stay signed in?")).to_be_visible()
    page.locator("button[data-testid=secondaryButton]").click()
    expect(page.get_by_role("heading", name="Quick access", exact=True)).to_be_visible()


def test_fluent_variant_option(make_sim, page: Page) -> None:
    sim = make_sim(signin_variant="fluent")
    page.goto(sim.urls.home + "/login")
    email = page.locator("input#usernameEntry")
    expect(email).to_have_attribute("type", "email")
    expect(page.get_by_role("textbox", name="Email or phone number")).to_be_visible()
    email.fill("ghost@contoso.onmicrosoft.com")
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_role("alert")).to_contain_text("This username may be incorrect.")
    page.locator("input#usernameEntry").fill(ALEX)
    page.locator("button[data-testid=primaryButton]").click()
    expect(page.locator("input#passwordEntry")).not_to_have_class("moveOffScreen")
    page.locator("input#passwordEntry").fill(DEMO_PASSWORD)
    page.locator("button[data-testid=primaryButton]").click()
    expect(page.get_by_text("Stay signed in?")).to_be_visible()
    page.get_by_role("button", name="Yes").click()
    expect(page.get_by_role("heading", name="Quick access", exact=True)).to_be_visible()


def test_account_picker(make_sim, page: Page) -> None:
    sim = make_sim(account_picker=True)
    page.goto(sim.urls.home + f"/?login_hint={ALEX}")
    page.get_by_role("link", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", name="Pick an account")).to_be_visible()
    tile = page.locator("#tilesHolder").get_by_role("button", name=re.compile(re.escape(ALEX)))
    expect(tile).to_have_attribute("data-test-id", ALEX)
    expect(page.locator("#otherTile")).to_have_text("Use another account")
    page.locator("#otherTile").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()  # in place
    expect(page.locator("#i0116")).not_to_have_class("moveOffScreen")
    page.reload()
    page.locator(f"#tilesHolder [data-test-id='{ALEX}']").click()
    expect(page.get_by_role("heading", name="Enter password")).to_be_visible()


def test_sign_out_ends_every_session(sim: SimTenant, page: Page, sign_in_to) -> None:
    sign_in_to(page, sim.urls.sharepoint + "/_layouts/15/sharepoint.aspx", ALEX)
    page.goto(sim.urls.home + "/login")  # SSO: the login host knows the user
    expect(page.get_by_role("heading", name="Quick access", exact=True)).to_be_visible()
    page.locator("#mectrl_main_trigger").click()
    page.locator("a#mectrl_body_signOut").click()
    expect(page.get_by_role("heading", name="Welcome to Microsoft 365")).to_be_visible()
    page.goto(sim.urls.site)
    expect(page.locator("#i0116")).to_be_visible()  # no SSO any more
