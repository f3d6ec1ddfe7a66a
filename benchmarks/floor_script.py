"""The floor: a minimal hand-written Playwright script doing what `troubleshooter run
sharepoint-resync` does for the demo user, against the same embedded simulated tenant, and
writing the same evidence (full-page screenshots, trace, HAR, element screenshots, photos,
composite, report.json, manifest.json). No banners, no redaction, no HTML report.

Run: .venv/bin/python benchmarks/floor_script.py OUT_DIR [--trace full|light|off]
The selectors live in SELECTORS: update them when the simulated pages change.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import os
import sys
import time
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

from troubleshooter.photo import compare
from troubleshooter.sim import DEMO_PASSWORD, SimTenant

UPN = "adele.vance@contoso.onmicrosoft.com"
CHROMIUM = os.environ.get("TROUBLESHOOTER_BROWSER", "/usr/bin/chromium")
SELECTORS = {
    "landing_sign_in": "a:has-text('Sign in')",
    "email": "input[name='loginfmt']",
    "next": "#idSIButton9",
    "password": "input[name='passwd']",
    "kmsi_no": "#idBtn_Back",
    "home": "#mectrl_main_trigger",
    "account_button": "#mectrl_main_trigger",
    "account_email": "#mectrl_currentAccount_secondary",
    "account_photo": "#mectrl_headerPicture",  # a div with a background-image
    "app_launcher": "#O365_MainLink_NavMenu",
    "sharepoint_tile": "#O365_AppTile_Sites",
    "people_webpart": "div[data-sp-feature-tag*='PeopleWebPart']",
    "own_persona": "div[data-sp-feature-tag*='PeopleWebPart'] .ms-Persona:has-text('{name}')",
}
# In the page: what the server holds now, without cache, Referer or a new tab.
FETCH = """async url => {
  const r = await fetch(url, {cache: 'no-store', referrerPolicy: 'no-referrer',
                              credentials: 'include'});
  const b = new Uint8Array(await r.arrayBuffer());
  let s = '';
  for (let i = 0; i < b.length; i += 32768) s += String.fromCharCode(...b.subarray(i, i + 32768));
  return [r.status, r.headers.get('content-type') || '', btoa(s)];
}"""
PHOTO_URL = """el => el.currentSrc ||
  getComputedStyle(el).backgroundImage.replace(/^url\\(["']?/, '').replace(/["']?\\)$/, '')"""
IMAGES_LOADED = """el => Promise.all([...el.querySelectorAll('img')].map(img => img.complete ||
  new Promise(done => { img.onload = img.onerror = done; })))"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--trace", choices=["full", "light", "off"], default="light")
    args = parser.parse_args()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, bytes] = {}
    steps: list[dict[str, object]] = []

    def keep(name: str, data: bytes) -> None:
        (out / name).write_bytes(data)
        files[name] = data

    with SimTenant() as sim, sync_playwright() as pw:
        urls = sim.urls
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-background-networking", "--no-first-run"],
        )
        context = browser.new_context(
            viewport={"width": 1280, "height": 900},
            locale="en-US",
            service_workers="block",
            record_har_path=out / "network.har",
            record_har_content="omit",
        )
        page = context.new_page()

        def step(n: int, name: str, shot: bool, started: float) -> None:
            if shot:
                keep(f"{n:02d}-{name}.png", page.screenshot(full_page=True))
            steps.append(
                {
                    "index": n,
                    "name": name,
                    "url": page.url,
                    "duration_s": round(time.monotonic() - started, 3),
                }
            )

        def fetch(url: str) -> bytes:
            status, _type, body = page.evaluate(FETCH, url)
            assert status == 200, (url, status)
            return base64.b64decode(body)

        def photo_url(size: str) -> str:
            return f"{urls.sharepoint}/_layouts/15/userphoto.aspx?size={size}&accountname={UPN}"

        t = time.monotonic()
        page.goto(urls.home, wait_until="load")
        step(1, "open-home", True, t)

        t = time.monotonic()
        page.click(SELECTORS["landing_sign_in"])
        page.fill(SELECTORS["email"], UPN)
        page.click(SELECTORS["next"])
        page.fill(SELECTORS["password"], DEMO_PASSWORD)
        page.click(SELECTORS["next"])
        page.click(SELECTORS["kmsi_no"])
        page.wait_for_selector(SELECTORS["home"])
        page.wait_for_load_state("load")
        account = page.locator(SELECTORS["account_button"])
        name = (account.get_attribute("aria-label") or "").removeprefix("Account manager for ")
        account.click()
        email = page.inner_text(SELECTORS["account_email"])
        assert email.lower() == UPN, email
        account.click()
        step(2, "sign-in", True, t)
        if args.trace != "off":
            context.tracing.start(screenshots=args.trace == "full", snapshots=True)

        t = time.monotonic()
        keep("account-circle.png", account.screenshot())
        src = page.locator(SELECTORS["account_photo"]).evaluate(PHOTO_URL)
        reference = fetch(src)
        keep("photo-of-record.jpg", reference)
        step(3, "reference", False, t)

        t = time.monotonic()
        page.click(SELECTORS["app_launcher"])
        page.click(SELECTORS["sharepoint_tile"])
        page.wait_for_url(f"{urls.sharepoint}/**", wait_until="load")
        step(4, "sharepoint", True, t)

        t = time.monotonic()
        before = {size: fetch(photo_url(size)) for size in ("L", "M", "S")}
        for size, data in before.items():
            keep(f"sharepoint-{size.lower()}-before.jpg", data)
        step(5, "check-before", False, t)

        t = time.monotonic()
        page.goto(urls.site, wait_until="load")
        step(6, "site", True, t)

        t = time.monotonic()
        page.locator(SELECTORS["people_webpart"]).evaluate(IMAGES_LOADED)
        step(7, "people-webpart", True, t)

        t = time.monotonic()
        persona = page.locator(SELECTORS["own_persona"].format(name=name))
        keep("sharepoint-photo-before.png", persona.screenshot())
        step(8, "persona-before", False, t)

        t = time.monotonic()
        large, wait, deadline = fetch(photo_url("L")), 0.1, time.monotonic() + 60
        while not compare(large, reference).same and time.monotonic() < deadline:
            page.wait_for_timeout(wait * 1000)
            wait = min(wait * 2, 2.0)
            large = fetch(photo_url("L"))
        after = {"L": large, "M": fetch(photo_url("M")), "S": fetch(photo_url("S"))}
        for size, data in after.items():
            keep(f"sharepoint-{size.lower()}-after.jpg", data)
        step(9, "check-after", False, t)

        t = time.monotonic()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        page.reload(wait_until="load")
        persona.evaluate(IMAGES_LOADED)
        keep("sharepoint-photo-after.png", persona.screenshot())
        cdp.detach()
        step(10, "persona-after", False, t)

        t = time.monotonic()
        panels = [
            Image.open(io.BytesIO(d)).convert("RGB").resize((240, 240))
            for d in (reference, before["L"], after["L"])
        ]
        sheet = Image.new("RGB", (3 * 250, 250), "white")
        for i, panel in enumerate(panels):
            sheet.paste(panel, (5 + 250 * i, 5))
        buffer = io.BytesIO()
        sheet.save(buffer, "PNG")
        keep("composite.png", buffer.getvalue())
        step(11, "composite", False, t)

        if args.trace != "off":
            context.tracing.stop(path=out / "trace.zip")
        context.close()
        browser.close()
        files["network.har"] = (out / "network.har").read_bytes()
        if args.trace != "off":
            files["trace.zip"] = (out / "trace.zip").read_bytes()
        synced = compare(after["L"], reference).same and not compare(before["L"], reference).same
        report = {
            "upn": UPN,
            "verdict": "synced" if synced else "not-synced",
            "steps": steps,
            "comparison": {
                k: compare(v, reference).as_dict()
                for k, v in (("before", before["L"]), ("after", after["L"]))
            },
        }
        keep("report.json", json.dumps(report, indent=2, default=str).encode())
        manifest = {n: hashlib.sha256(d).hexdigest() for n, d in sorted(files.items())}
        (out / "manifest.json").write_text(json.dumps(manifest, indent=2))
    print(report["verdict"])
    sys.exit(0 if synced else 1)


if __name__ == "__main__":
    main()
