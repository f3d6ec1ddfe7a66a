"""Step handlers, one small function per scenario step class, registered by that class."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from troubleshooter.context import RunContext
from troubleshooter.scenario import BaseStep

S = TypeVar("S", bound=BaseStep)
Handler = Callable[[RunContext, Any], "StepOutcome"]
Typed = Callable[[RunContext, S], "StepOutcome"]
HANDLERS: dict[type[BaseStep], Handler] = {}


@dataclass
class StepOutcome:
    """What a handler reports back: a line for the timeline and data for the report."""

    detail: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


def handler(
    step_type: type[S],
) -> Callable[[Callable[[RunContext, S], StepOutcome]], Callable[[RunContext, S], StepOutcome]]:
    """Register the handler of one step class."""

    def register(
        fn: Callable[[RunContext, S], StepOutcome],
    ) -> Callable[[RunContext, S], StepOutcome]:
        HANDLERS[step_type] = fn
        return fn

    return register


def handler_for(step: BaseStep) -> Handler:
    """The handler of a step (every step class has one: tests/test_scenario.py checks it)."""
    load_all()
    return HANDLERS[type(step)]


def load_all() -> None:
    # Importing the modules registers their handlers.
    from troubleshooter.steps import navigation, photos, signin_step  # noqa: F401
