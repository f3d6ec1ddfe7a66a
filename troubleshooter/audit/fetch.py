"""Fetch many photos from inside the operator's signed-in pages, a few at a time.

Requests run in a page of each origin (Outlook, SharePoint), with that page's cookies, exactly
as a colleague's browser loads the photos; Playwright's Node-side request context would not
resolve the simulated tenant's ``*.localhost`` names anyway. A small JavaScript pool keeps
``concurrency`` requests in flight. ``429``/``503`` pause every worker through one shared
:class:`~troubleshooter.retry.Gate`, the retry policy the run's photo probe uses too.
"""

from __future__ import annotations

import base64
import hashlib
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import BrowserContext, Page

from troubleshooter.errors import PageError
from troubleshooter.retry import THROTTLED, Gate
from troubleshooter.verdict import Outcome

SIGN_IN_WAIT_S = 60.0

_POOL_JS = """
async ({requests, concurrency}) => {
  const out = requests.map(() => null);
  let next = 0, stop = false;
  const b64 = (buf) => {
    const bytes = new Uint8Array(buf); let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000)
      s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    return btoa(s);
  };
  async function worker() {
    while (!stop && next < requests.length) {
      const i = next++, req = requests[i];
      try {
        const r = await fetch(req.url, {credentials: 'include', cache: 'no-store',
          referrerPolicy: 'no-referrer', headers: req.accept ? {Accept: req.accept} : {}});
        const type = r.headers.get('Content-Type') || '';
        if (r.status === 429 || r.status === 503) {
          stop = true;  // the shared gate: no worker starts another request
          out[i] = {status: r.status, type, url: r.url, body: '',
                    retryAfter: r.headers.get('Retry-After') || ''};
          continue;
        }
        const keep = /^(image\\/|application\\/json)/i.test(type);
        const body = keep ? b64(await r.arrayBuffer()) : (await r.arrayBuffer(), '');
        out[i] = {status: r.status, type, url: r.url, body, retryAfter: ''};
      } catch (e) {
        out[i] = {status: 0, type: '', url: req.url, body: '', retryAfter: '', error: String(e)};
      }
    }
  }
  await Promise.all(Array.from({length: Math.min(concurrency, requests.length)}, worker));
  return out;
}
"""
# Start a pool and return at once, so that pools of two origins run at the same time.
_START_JS = (
    "(args) => { const pools = (window.__photoPools = window.__photoPools || {});"
    " const id = (window.__photoPoolNext = (window.__photoPoolNext || 0) + 1);"
    f" pools[id] = ({_POOL_JS.strip()})(args); return id; }}"
)
_COLLECT_JS = (
    "async (id) => { const pools = window.__photoPools; const out = await pools[id];"
    " delete pools[id]; return out; }"
)


@dataclass(frozen=True)
class Request:
    url: str
    accept: str | None = None


@dataclass(frozen=True)
class Fetched:
    """One answer: status 0 means the request itself failed (network, CORS, sign-in)."""

    url: str
    status: int
    content_type: str
    content: bytes
    final_url: str
    tries: int = 1
    error: str = ""

    @property
    def content_sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    @property
    def is_image(self) -> bool:
        return self.status == 200 and self.content_type.lower().startswith("image/")


class OriginPage:
    """A tab signed in to one origin; fetches run from it, with its cookies."""

    def __init__(self, context: BrowserContext, landing_url: str, gate: Gate) -> None:
        self.origin = "{0.scheme}://{0.netloc}".format(urlsplit(landing_url))
        self.landing_url = landing_url
        self.gate = gate
        self._context = context
        self._page: Page | None = None

    def open(self) -> OriginPage:
        """Open the landing page and let single sign-on bring the tab back to this origin."""
        page = self._context.new_page()
        self._page = page
        page.goto(self.landing_url, wait_until="commit")
        netloc = urlsplit(self.origin).netloc
        deadline = time.monotonic() + SIGN_IN_WAIT_S
        while urlsplit(page.url).netloc != netloc or not page.url.startswith("http"):
            if time.monotonic() > deadline:
                raise PageError(
                    f"{self.origin} did not sign the operator in (still at "
                    f"{page.url.split('?')[0]})",
                    outcome=Outcome.PAGE_ERROR,
                )
            page.wait_for_timeout(100)
        page.wait_for_load_state("domcontentloaded")
        return self

    def idle(self, seconds: float) -> None:
        """Wait while the browser keeps working (sync Playwright must not just sleep)."""
        if self._page is not None:
            self._page.wait_for_timeout(seconds * 1000)

    def close(self) -> None:
        if self._page is not None and not self._page.is_closed():
            self._page.close()

    def start(self, requests: list[Request], concurrency: int) -> int:
        """Start a pool of fetches in the page without waiting; returns its ticket."""
        if self._page is None:
            raise RuntimeError("open() the origin page first")
        batch = [{"url": r.url, "accept": r.accept} for r in requests]
        return int(
            self._page.evaluate(_START_JS, {"requests": batch, "concurrency": max(1, concurrency)})
        )

    def collect(self, ticket: int) -> list[dict[str, Any] | None]:
        """The answers of a started pool (None for requests it never started)."""
        assert self._page is not None
        return list(self._page.evaluate(_COLLECT_JS, ticket))

    def fetch_all(self, requests: list[Request], concurrency: int) -> list[Fetched]:
        """Every request's answer, throttled ones retried after the gate opens again."""
        job = Job(self, requests, concurrency)
        fetch_together([job], self.gate)
        return job.answers()


class Job:
    """Requests for one origin page, and what came back so far."""

    def __init__(self, page: OriginPage, requests: list[Request], concurrency: int) -> None:
        self.page, self.requests, self.concurrency = page, requests, concurrency
        self.results: list[Fetched | None] = [None] * len(requests)
        self.tries = [0] * len(requests)
        self.pending = list(range(len(requests)))
        self._ticket: int | None = None

    def start(self) -> None:
        self._ticket = self.page.start([self.requests[i] for i in self.pending], self.concurrency)

    def collect(self, gate: Gate) -> bool:
        """Take the answers in; returns True when any was throttled."""
        assert self._ticket is not None
        answers = self.page.collect(self._ticket)
        still: list[int] = []
        throttled = False
        for index, answer in zip(self.pending, answers, strict=True):
            if answer is None:  # not started: the gate closed first
                still.append(index)
                continue
            self.tries[index] += 1
            status = int(answer["status"])
            if status in THROTTLED:
                throttled = True
                gate.throttle(str(answer.get("retryAfter", "")))
                if self.tries[index] < gate.max_tries and not gate.exhausted:
                    still.append(index)
                    continue
            self.results[index] = Fetched(
                url=self.requests[index].url,
                status=status,
                content_type=str(answer.get("type", "")),
                content=base64.b64decode(answer.get("body") or ""),
                final_url=str(answer.get("url", "")),
                tries=self.tries[index],
                error=str(answer.get("error", "")),
            )
        self.pending = still
        return throttled

    def answers(self) -> list[Fetched]:
        return [r for r in self.results if r is not None]


def fetch_together(jobs: list[Job], gate: Gate) -> None:
    """Run the jobs' pools at the same time (one per origin page) until all are answered."""
    while active := [job for job in jobs if job.pending]:
        gate.wait()
        for job in active:
            job.start()
        throttled = False
        for job in active:
            throttled = job.collect(gate) or throttled
        if not throttled:
            gate.passed()
