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

# One limiter per page: every pool of the page shares ``concurrency`` slots, so the next
# batch can be queued while the last one finishes (the browser never waits for Python), and a
# lower rank (an earlier batch) gets the next free slot. A 429/503 stops every pool of the page
# until Python, after the shared gate's pause, starts a pool with ``resume``.
_START_JS = r"""
(args) => {
  const S = (window.__photo = window.__photo ||
    {limit: 1, busy: 0, waiters: [], stop: null, pools: {}, next: 0});
  S.limit = Math.max(1, args.concurrency);
  if (args.resume) S.stop = null;
  const acquire = (rank) => new Promise((go) => {
    if (S.busy < S.limit) { S.busy++; go(); } else S.waiters.push({rank, go});
  });
  const release = () => {
    S.busy--;
    if (!S.waiters.length) return;
    let best = 0;
    for (let w = 1; w < S.waiters.length; w++)
      if (S.waiters[w].rank < S.waiters[best].rank) best = w;
    S.busy++;
    S.waiters.splice(best, 1)[0].go();
  };
  const b64 = (buf) => {
    const bytes = new Uint8Array(buf); let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000)
      s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    return btoa(s);
  };
  const hex = (buf) => Array.from(new Uint8Array(buf),
    (b) => b.toString(16).padStart(2, '0')).join('');
  const canHash = !!(window.isSecureContext && crypto.subtle);
  const requests = args.requests, out = requests.map(() => null);
  let next = 0, stopped = null;
  async function worker() {
    while (next < requests.length) {
      await acquire(args.rank);
      if (S.stop || next >= requests.length) { stopped = S.stop; release(); break; }
      const i = next++, req = requests[i];
      try {
        const r = await fetch(req.url, {credentials: 'include', cache: 'no-store',
          referrerPolicy: 'no-referrer', headers: req.accept ? {Accept: req.accept} : {}});
        const type = r.headers.get('Content-Type') || '';
        if (r.status === 429 || r.status === 503) {
          const retryAfter = r.headers.get('Retry-After') || '';
          S.stop = {retryAfter};  // the shared gate: no pool of this page starts another
          out[i] = {status: r.status, type, url: r.url, body: '', sha256: '', retryAfter};
          continue;
        }
        const keep = /^(image\/|application\/json)/i.test(type);
        const data = await r.arrayBuffer();
        // Only the hash is wanted (S and M): hash here, skip moving the bytes to Python.
        const hashed = keep && req.hashOnly && canHash;
        out[i] = {status: r.status, type, url: r.url, retryAfter: '',
                  body: keep && !hashed ? b64(data) : '',
                  sha256: hashed ? hex(await crypto.subtle.digest('SHA-256', data)) : ''};
      } catch (e) {
        out[i] = {status: 0, type: '', url: req.url, body: '', sha256: '', retryAfter: '',
                  error: String(e)};
      } finally {
        release();
      }
    }
  }
  const id = ++S.next;
  S.pools[id] = Promise.all(
    Array.from({length: Math.min(S.limit, requests.length)}, worker)
  ).then(() => ({out, stopped}));
  return id;
}
"""
_COLLECT_JS = (
    "async (id) => { const pools = window.__photo.pools; const out = await pools[id];"
    " delete pools[id]; return out; }"
)


@dataclass(frozen=True)
class Request:
    url: str
    accept: str | None = None
    hash_only: bool = False
    """Only the SHA-256 of the body is wanted: hashed in the page when it can."""


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
    sha256: str = ""
    """Set when the page hashed the body instead of handing it over (``content`` is empty)."""

    @property
    def content_sha256(self) -> str:
        return self.sha256 or hashlib.sha256(self.content).hexdigest()

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

    def start(
        self, requests: list[Request], concurrency: int, rank: int = 0, resume: bool = False
    ) -> int:
        """Queue a pool of fetches in the page without waiting; returns its ticket.

        ``rank``: pools of a lower rank get free slots first. ``resume``: the gate's pause has
        passed, so the page may ask again after a 429/503.
        """
        if self._page is None:
            raise RuntimeError("open() the origin page first")
        batch = [{"url": r.url, "accept": r.accept, "hashOnly": r.hash_only} for r in requests]
        args = {"requests": batch, "concurrency": concurrency, "rank": rank, "resume": resume}
        return int(self._page.evaluate(_START_JS, args))

    def collect(self, ticket: int) -> tuple[list[dict[str, Any] | None], str | None]:
        """A started pool's answers (None for requests it never started), and the
        ``Retry-After`` of the 429/503 that stopped it early, if another pool heard one."""
        assert self._page is not None
        got = self._page.evaluate(_COLLECT_JS, ticket)
        stopped = got.get("stopped")
        return list(got["out"]), (str(stopped.get("retryAfter", "")) if stopped else None)

    def fetch_all(self, requests: list[Request], concurrency: int) -> list[Fetched]:
        """Every request's answer, throttled ones retried after the gate opens again."""
        job = Job(self, requests, concurrency)
        fetch_together([job], self.gate)
        return job.answers()


class Job:
    """Requests for one origin page, and what came back so far."""

    def __init__(
        self, page: OriginPage, requests: list[Request], concurrency: int, rank: int = 0
    ) -> None:
        self.page, self.requests, self.concurrency, self.rank = page, requests, concurrency, rank
        self.results: list[Fetched | None] = [None] * len(requests)
        self.tries = [0] * len(requests)
        self.pending = list(range(len(requests)))
        self._ticket: int | None = None
        self._rounds = 0

    @property
    def started(self) -> bool:
        return self._ticket is not None

    def start(self) -> None:
        """Queue the pending requests; a retry round tells the page the pause is over."""
        asked = [self.requests[i] for i in self.pending]
        resume = self._rounds > 0
        self._rounds += 1
        self._ticket = self.page.start(asked, self.concurrency, self.rank, resume)

    def collect(self, gate: Gate) -> bool:
        """Take the answers in; returns True when any was throttled."""
        assert self._ticket is not None
        answers, stopped_by = self.page.collect(self._ticket)
        self._ticket = None
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
                sha256=str(answer.get("sha256") or ""),
            )
        if still and not throttled and stopped_by is not None:
            gate.throttle(stopped_by, counted=False)  # another pool's 429: wait for it too
        self.pending = still
        return throttled

    def answers(self) -> list[Fetched]:
        return [r for r in self.results if r is not None]


def fetch_together(jobs: list[Job], gate: Gate) -> None:
    """Run the jobs' pools at the same time (one per origin page) until all are answered.

    Jobs already started (queued ahead by the caller) are collected first, not started again.
    """
    while active := [job for job in jobs if job.pending]:
        gate.wait()
        for job in active:
            if not job.started:
                job.start()
        throttled = False
        for job in active:
            throttled = job.collect(gate) or throttled
        if not throttled:
            gate.passed()
