"""Playwright calls the trace does not record: the tool's own look-ups and waits.

The trace records every Playwright call with a DOM snapshot before and after it. A look-up
(which strategy shows a target, whether the page's images have drawn) changes nothing on the
page, so its snapshots repeat those of the action that follows, cost the browser and the driver
a DOM serialisation each (about 5 ms of CPU per call) and bury the steps' actions under
"Evaluate" rows. Playwright runs its own helper calls as "internal", which the trace skips;
``untraced`` runs a call the same way.

That switch is Playwright's private API (the version is pinned to a minor release in
pyproject.toml). Where it is missing the call still runs, traced as any other, and
tests/test_untraced.py and tests/test_evidence_e2e.py fail, so an upgrade that moves it is
noticed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


def _internal_zone() -> Any:
    """Playwright's call context marked internal, or None where this Playwright has none."""
    try:
        from playwright._impl.channel_owner import ApiZone
        from playwright._impl.utils.zones import current_zone

        return current_zone().with_("apiZone", ApiZone("troubleshooter", [], None, True))
    except Exception:  # another Playwright: the call is traced, which only costs time
        return None


def untraced(call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``call(*args, **kwargs)``, its Playwright calls left out of the trace (and out of
    DEBUG=pw:api's log)."""
    zone = _internal_zone()
    if zone is None:
        return call(*args, **kwargs)
    return zone.run(lambda: call(*args, **kwargs))
