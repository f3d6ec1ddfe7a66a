"""The floor: a minimal hand-written Playwright script doing what `troubleshooter run
sharepoint-resync` does for the demo user, against the same embedded simulated tenant, and
writing the same evidence: the full-page screenshots the tool keeps and its element
captures, each with a banner (ticket, user, time, step, URL); the photos; the composite with the
verdict on it; the HAR and the trace with secrets removed; report.html (thumbnails and
embedded copies, readable offline), summary.md, report.json and manifest.json.

`--evidence bare` writes the same files without banners, redaction, report.html or summary.md
(the floor of earlier measurements, kept to show what the evidence itself costs).

Run: .venv/bin/python benchmarks/floor_script.py OUT_DIR [--trace full|light|off]
     [--evidence same|bare]
The selectors live in SELECTORS: update them when the simulated pages change.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import html
import io
import json
import os
import re
import sys
import time
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont
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
# Names whose values are secrets (headers, cookies, form fields, query parameters).
SECRET_NAME = re.compile(
    r"(?i)cookie|authorization|token|secret|passw|credential|session|^(code|state|nonce|sig)$"
)
SECRET_PARAM = re.compile(r"(?i)([?&#](?:code|[a-z_]*token|state|nonce|sig|passwd?)=)[^&#\s\"']*")
JWT = re.compile(r"\beyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]*")
FONT = ImageFont.load_default(size=13)
CAPTURES = ("account-circle.png", "sharepoint-photo-before.png", "sharepoint-photo-after.png")


def stamped(png: bytes, lines: list[str], smallest: int = 160) -> bytes:
    """The image with a dark banner above it saying what it is; small captures enlarged."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    if min(image.size) < smallest:
        factor = -(-smallest // min(image.size))
        image = image.resize((image.width * factor, image.height * factor), Image.NEAREST)
    width, height = max(image.width, 560), 12 + 18 * len(lines)
    canvas = Image.new("RGB", (width, height + image.height), "white")
    draw = ImageDraw.Draw(canvas)
    draw.rectangle((0, 0, width, height - 1), fill=(17, 24, 39))
    for i, line in enumerate(lines):
        draw.text((6, 6 + 18 * i), line, fill="white", font=FONT)
    canvas.paste(image, (0, height))
    out = io.BytesIO()
    canvas.save(out, "PNG")
    return out.getvalue()


def scrub(value: Any, password: str) -> Any:
    """A HAR or trace record without secrets: secret-named values, the password, tokens."""
    if isinstance(value, dict):
        if "value" in value and SECRET_NAME.search(str(value.get("name", ""))):
            return {**value, "value": "REDACTED"}
        return {
            k: "REDACTED" if SECRET_NAME.search(k) and isinstance(v, str) else scrub(v, password)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [scrub(v, password) for v in value]
    if isinstance(value, str):
        value = value.replace(password, "REDACTED") if password in value else value
        value = SECRET_PARAM.sub(r"\1REDACTED", value) if "=" in value else value
        return JWT.sub("REDACTED", value) if "eyJ" in value else value
    return value


def redact_trace(path: Path, password: str) -> None:
    """Rewrite the trace zip with every event scrubbed and the password out of resources."""
    with zipfile.ZipFile(path) as old:
        members = [(info, old.read(info)) for info in old.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as new:
        for info, data in members:
            if info.filename.endswith((".trace", ".network")):
                lines = data.decode().splitlines()
                data = "\n".join(
                    json.dumps(scrub(json.loads(line), password)) for line in lines if line
                ).encode()
            elif info.filename.endswith((".html", ".json", ".js", ".css", ".txt")):
                data = data.replace(password.encode(), b"REDACTED")
            new.writestr(info.filename, data)


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def data_uri(content: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(content).decode()}"


def jpeg(image: Image.Image, width: int, quality: int, crop_square: bool = False) -> bytes:
    """A JPEG copy at most ``width`` wide (the top square of it for a thumbnail)."""
    if crop_square:
        image = image.crop((0, 0, image.width, min(image.height, image.width)))
    if image.width > width:
        image = image.resize((width, round(image.height * width / image.width)), Image.LANCZOS)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def report_html(report: dict[str, Any], files: dict[str, bytes]) -> str:
    """A self-contained page: the verdict, the photos, each step with its screenshot."""
    e = html.escape
    parts = [
        "<!DOCTYPE html><html lang='en'><meta charset='utf-8'>",
        f"<title>{e(report['verdict'])} · {e(report['upn'])}</title><main>",
        f"<h1>Profile photo re-sync: {e(report['verdict'])}</h1>",
        f"<p>{e(report['upn'])} · {e(report['started_at'])}</p><h2>Photos</h2>",
    ]
    photos = ("photo-of-record.jpg", "sharepoint-l-before.jpg", "sharepoint-l-after.jpg")
    for name in (*photos, *CAPTURES):
        mime = "image/png" if name.endswith(".png") else "image/jpeg"
        parts.append(
            f"<figure><img alt='{e(name)}' src='{data_uri(files[name], mime)}'>"
            f"<figcaption>{e(name)}</figcaption></figure>"
        )
    parts.append("<h2>Steps</h2><ol>")
    for step in report["steps"]:
        parts.append(
            f"<li>{e(str(step['name']))}: {step['duration_s']} s · "
            f"<code>{e(str(step['url']))}</code>"
        )
        shot = step.get("screenshot")
        if isinstance(shot, str):
            image = Image.open(io.BytesIO(files[shot])).convert("RGB")
            big = data_uri(jpeg(image, 1280, 75), "image/jpeg")
            thumb = data_uri(jpeg(image, 360, 80, crop_square=True), "image/jpeg")
            parts.append(
                f"<a href='#{e(shot)}'><img alt='' src='{thumb}'></a>"
                f"<div id='{e(shot)}'><a href='{e(shot)}'>full size</a>"
                f"<img alt='{e(shot)}' src='{big}'></div>"
            )
        parts.append("</li>")
    composite = Image.open(io.BytesIO(files["composite.png"])).convert("RGB")
    parts.append(
        f"</ol><h2>Side by side</h2><img alt='composite' "
        f"src='{data_uri(jpeg(composite, 1280, 75), 'image/jpeg')}'></main></html>"
    )
    return "".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--trace", choices=["full", "light", "off"], default="light")
    parser.add_argument("--evidence", choices=["same", "bare"], default="same")
    args = parser.parse_args()
    same = args.evidence == "same"
    out: Path = args.out
    started_at = utc_now()
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

        def banner(png: bytes, n: int, name: str) -> bytes:
            if not same:
                return png
            lines = [f"No ticket · {UPN} · {utc_now()}", f"Step {n}: {name}", page.url]
            return stamped(png, lines)

        def step(n: int, name: str, shot: bool, started: float) -> None:
            entry: dict[str, object] = {"index": n, "name": name, "url": page.url}
            if shot:
                entry["screenshot"] = f"{n:02d}-{name}.png"
                keep(f"{n:02d}-{name}.png", banner(page.screenshot(full_page=True), n, name))
            entry["duration_s"] = round(time.monotonic() - started, 3)
            steps.append(entry)

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
        keep("account-circle.png", banner(account.screenshot(), 3, "reference"))
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
        step(6, "site", False, t)  # the tool's picture of the site is the next step's

        t = time.monotonic()
        page.locator(SELECTORS["people_webpart"]).evaluate(IMAGES_LOADED)
        step(7, "people-webpart", True, t)

        t = time.monotonic()
        persona = page.locator(SELECTORS["own_persona"].format(name=name))
        keep("sharepoint-photo-before.png", banner(persona.screenshot(), 8, "persona-before"))
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
        keep("sharepoint-photo-after.png", banner(persona.screenshot(), 10, "persona-after"))
        cdp.detach()
        step(10, "persona-after", True, t)

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
        synced = compare(after["L"], reference).same and not compare(before["L"], reference).same
        verdict = "synced" if synced else "not-synced"
        keep("composite.png", banner(buffer.getvalue(), 11, f"verdict: {verdict}"))
        step(11, "composite", False, t)

        if args.trace != "off":
            context.tracing.stop(path=out / "trace.zip")
        context.close()
        browser.close()
        har = out / "network.har"
        if same:
            har.write_text(json.dumps(scrub(json.loads(har.read_text()), DEMO_PASSWORD)))
        files["network.har"] = har.read_bytes()
        if args.trace != "off":
            if same:
                redact_trace(out / "trace.zip", DEMO_PASSWORD)
            files["trace.zip"] = (out / "trace.zip").read_bytes()
        report = {
            "upn": UPN,
            "started_at": started_at,
            "verdict": verdict,
            "steps": steps,
            "comparison": {
                k: compare(v, reference).as_dict()
                for k, v in (("before", before["L"]), ("after", after["L"]))
            },
        }
        keep("report.json", json.dumps(report, indent=2, default=str).encode())
        if same:
            keep("report.html", report_html(report, files).encode())
            summary = f"**Profile photo re-sync: {verdict}**\n\n- **Who:** {UPN}\n" + "".join(
                f"- {s['name']}: {s['duration_s']} s\n" for s in steps
            )
            keep("summary.md", summary.encode())
        manifest = {n: hashlib.sha256(d).hexdigest() for n, d in sorted(files.items())}
        (out / "manifest.json").write_text(json.dumps(manifest, indent=2))
    print(report["verdict"])
    sys.exit(0 if synced else 1)


if __name__ == "__main__":
    main()
