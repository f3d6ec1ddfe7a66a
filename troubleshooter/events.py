"""Events the runner emits. Listeners (progress display, evidence recorder) subscribe to them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from troubleshooter.artifacts import ArtifactKind
from troubleshooter.verdict import Decision, Outcome

StepStatus = Literal["ok", "failed", "skipped"]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class RunStarted:
    scenario: str
    title: str
    upn: str
    tenant: str
    steps: list[str]
    started_at: datetime
    environment: dict[str, str]


@dataclass(frozen=True)
class StepStarted:
    index: int
    action: str
    title: str


@dataclass(frozen=True)
class StepFinished:
    index: int
    action: str
    title: str
    status: StepStatus
    duration_s: float
    url: str | None = None
    detail: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Capture:
    """An image captured during a step; the recorder decides where it goes."""

    index: int
    name: str
    kind: ArtifactKind
    content: bytes
    extension: str
    description: str
    url: str | None = None


@dataclass(frozen=True)
class ConsoleLine:
    """A browser console message."""

    at: datetime
    level: str
    text: str
    url: str | None


@dataclass(frozen=True)
class Waiting:
    """Progress while the runner waits (polling SharePoint, waiting for a person)."""

    index: int
    message: str
    elapsed_s: float
    limit_s: float | None = None  # how long it waits at most, when known


@dataclass(frozen=True)
class AskingPerson:
    """The run asks the person at the terminal (a refused password again): live lines stop."""

    index: int
    message: str


@dataclass(frozen=True)
class PhotoChecked:
    label: str  # "reference[-label]", "before", "after"
    data: dict[str, Any]


@dataclass(frozen=True)
class RunFinished:
    """The verdict, as ``verdict.py`` decided it; listeners show or record it."""

    decision: Decision
    failed_step: int | None
    finished_at: datetime
    detail: str | None = None
    comparison: dict[str, Any] = field(default_factory=dict)

    @property
    def outcome(self) -> Outcome:
        return self.decision.outcome

    @property
    def exit_code(self) -> int:
        return self.decision.exit_code


Event = (
    RunStarted
    | StepStarted
    | StepFinished
    | Capture
    | ConsoleLine
    | Waiting
    | AskingPerson
    | PhotoChecked
    | RunFinished
)
Listener = Callable[[Event], None]


class EventBus:
    """Delivers each event to every listener, in subscription order.

    A listener that fails (a closed terminal pipe, a full disk) is dropped and its failure
    kept in ``failures``, so it cannot stop the run or the other listeners. Failures of an
    ``essential`` listener (the evidence recorder) are also kept in ``lost``: the session turns
    them into an error, so a run whose evidence was not written never ends as a success.
    """

    def __init__(
        self, listeners: list[Listener] | None = None, essential: list[Listener] | None = None
    ) -> None:
        self._listeners: list[Listener] = list(listeners or [])
        self._essential = list(essential or [])
        self.failures: list[str] = []
        self.lost: list[str] = []

    def emit(self, event: Event) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception as exc:
                self._listeners.remove(listener)
                name = getattr(listener, "__class__", type(listener)).__name__
                failure = f"{name} stopped: {exc.__class__.__name__}: {exc}"
                self.failures.append(failure)
                if any(listener is e for e in self._essential):
                    self.lost.append(failure)
