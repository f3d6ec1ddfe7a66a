"""Step handlers, one small function per scenario action, registered by name."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from troubleshooter.context import RunContext

Handler = Callable[[RunContext, Any], "StepOutcome"]
HANDLERS: dict[str, Handler] = {}


@dataclass
class StepOutcome:
    """What a handler reports back: a line for the timeline and data for the report."""

    detail: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


def handler(action: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        HANDLERS[action] = fn
        return fn

    return register


def get_handler(action: str) -> Handler:
    _load_all()
    return HANDLERS[action]


def _load_all() -> None:
    # Importing the modules registers their handlers.
    from troubleshooter.steps import navigation, photos, signin_step  # noqa: F401
