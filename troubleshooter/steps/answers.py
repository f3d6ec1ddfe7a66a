"""SharePoint's answers to the photo probe: throttled ones asked again, broken ones named.

``429``/``503`` are asked again after the ``Retry-After`` they carry, through the same
:class:`~troubleshooter.retry.Gate` that ``check`` uses, within RETRY_BUDGET_S of waiting per
probe; still throttled then, the run ends ``throttled``. An answer that is a server error, not
an image, or not complete within the probe's deadline ends the run ``sharepoint-error`` at once,
saying which: waiting longer would not change what SharePoint's copy is.
"""

from __future__ import annotations

from typing import Any

from troubleshooter.context import RunContext
from troubleshooter.errors import SharePointAnswerError, ThrottledError
from troubleshooter.photo import PhotoSample
from troubleshooter.retry import THROTTLED, Gate

RETRY_BUDGET_S = 10.0  # seconds of Retry-After one probe may wait in all
MAX_TRIES = 4  # requests per URL and probe, the first included
FIRST_BYTES = 32


def ask(
    ctx: RunContext, urls: dict[str, str], retries: list[dict[str, Any]], after_s: float = 0.0
) -> dict[str, PhotoSample]:
    """Each size's answer (first asked after ``after_s``); a throttled one is asked again as
    Retry-After says, within the budget. Every retry is appended to ``retries``; the last
    answers are returned as they are."""
    gate = Gate(MAX_TRIES, RETRY_BUDGET_S, sleep=lambda s: ctx.page.wait_for_timeout(s * 1000))
    samples: dict[str, PhotoSample] = {}
    pending = dict(urls)
    for attempt in range(1, MAX_TRIES + 1):
        fetched = ctx.probe.fetch_all(list(pending.values()), after_s=after_s)
        after_s = 0.0
        samples.update(zip(pending, fetched, strict=True))
        throttled = {s: a for s, a in zip(pending, fetched, strict=True) if a.status in THROTTLED}
        if not throttled:
            break
        delay = max(gate.throttle(answer.retry_after) for answer in throttled.values())
        if attempt == MAX_TRIES or not gate.affords(delay):
            break
        for size, answer in throttled.items():
            retries.append(
                {
                    "size": size,
                    "attempt": attempt,
                    "status": answer.status,
                    "retry_after": answer.retry_after or None,
                    "wait_s": round(delay, 3),
                }
            )
        status = next(iter(throttled.values())).status
        message = f"SharePoint answered {status}: waiting {delay:.3g} s as it asked"
        ctx.waiting(message, gate.waited_s, gate.budget_s)
        gate.wait()
        pending = {size: urls[size] for size in throttled}
    return samples


def refuse(urls: dict[str, str], samples: dict[str, PhotoSample], retries: list[Any]) -> None:
    """Raise the error that ends the run when an answer is throttled or broken."""
    for size, answer in samples.items():
        url = urls[size]
        if answer.status in THROTTLED:
            waits = [r["wait_s"] for r in retries if r["size"] == size]
            after = f", Retry-After {answer.retry_after}" if answer.retry_after else ""
            raise ThrottledError(
                f"SharePoint still answered {answer.status}{after} for size {size} after "
                f"{len(waits) + 1} tries and {sum(waits):g} s of waiting "
                f"(at most {RETRY_BUDGET_S:g} s): {url}"
            )
        if answer.failure:
            raise SharePointAnswerError(
                f"SharePoint's answer for size {size}: {answer.failure}: {url}"
            )
        if answer.status == 0:
            raise SharePointAnswerError(
                f"the request for size {size} failed without an answer: {url}"
            )
        if answer.status >= 500:
            raise SharePointAnswerError(
                f"SharePoint answered HTTP {answer.status} (a server error): {url}"
            )
        if answer.status == 200 and not answer.ok:
            raise SharePointAnswerError(
                f"SharePoint's answer for size {size} was not an image: HTTP 200, Content-Type "
                f"{answer.content_type or '(none)'}, {len(answer.content)} bytes starting "
                f'"{first_bytes(answer.content)}": {url}'
            )


def first_bytes(content: bytes) -> str:
    """The first bytes of an answer as short printable text, anything else escaped."""
    return content[:FIRST_BYTES].decode("latin-1").encode("unicode_escape").decode("ascii")
