"""Make the trace viewer show each step's DOM snapshot with the answers of that moment.

The user's photo keeps its URL while SharePoint's copy changes (the old photo before the
refresh, the new one after). Playwright's trace viewer picks, for each snapshot, the answer
recorded last before it, but serves every answer with ``Cache-Control: public,
max-age=31536000`` unless its URL is listed in some frame snapshot's ``resourceOverrides``,
then ``no-store`` (``SnapshotServer.serveResource`` in the driver's ``sw.bundle.js``). The
viewer opens on the last step, so without this the browser's cache showed the new photo in
every earlier step too.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any


def changing_urls(events: Iterable[dict[str, Any]]) -> list[str]:
    """GET URLs the trace recorded with more than one different body, in first-seen order."""
    bodies: defaultdict[str, set[str]] = defaultdict(set)
    for event in events:
        snapshot = event.get("snapshot") if event.get("type") == "resource-snapshot" else None
        if not isinstance(snapshot, dict):
            continue
        request, response = snapshot.get("request") or {}, snapshot.get("response") or {}
        content = response.get("content") or {}
        body = content.get("_sha1") or content.get("_file")
        if request.get("method") == "GET" and body and request.get("url"):
            bodies[str(request["url"])].add(str(body))
    return [url for url, seen in bodies.items() if len(seen) > 1]


def mark_changing_resources(events: list[dict[str, Any]]) -> None:
    """List the URLs whose body changed in the first frame snapshot's ``resourceOverrides``
    (in place), so the viewer never serves them from its cache.

    An entry with only a URL (no ``sha1``, no ``ref``) changes no snapshot's content: the
    viewer takes a body from an override only when the entry names one.
    """
    urls = changing_urls(events)
    first = next((e for e in events if e.get("type") == "frame-snapshot"), None)
    snapshot = first.get("snapshot") if first else None
    if not urls or not isinstance(snapshot, dict):
        return
    overrides: list[dict[str, Any]] = snapshot.setdefault("resourceOverrides", [])
    listed = {o.get("url") for o in overrides if isinstance(o, dict)}
    overrides.extend({"url": url} for url in urls if url not in listed)
