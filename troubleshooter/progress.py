"""Progress on the terminal: one live line per step as it happens, then the verdict.

At a terminal the running step is one line with a spinner and its elapsed time (and the limit
of a wait); when the output is piped or captured, each step is one plain line and a wait is
reported every few seconds, so logs stay readable.
"""

from __future__ import annotations

import re
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.padding import Padding
from rich.status import Status
from rich.text import Text

from troubleshooter.events import (
    AskingPerson,
    Event,
    RunFinished,
    RunStarted,
    StepFinished,
    StepStarted,
    Waiting,
)

WAIT_REPORT_EVERY_S = 5.0
INDENT = 6

# Internal words in step details, as a helpdesk would say them (the report keeps the originals).
_FOUND_BY = re.compile(r"\s*\(found by [^)]*\)")
_WORDS = {
    "own_persona": "the user's photo on the page",
    "people_webpart": "the People web part",
    "sharepoint_icon": "the SharePoint icon",
    "account_button": "the account circle",
}
_IDENTIFIER = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")


def plain(detail: str) -> str:
    """A step detail without selectors and snake_case target names."""
    text = _FOUND_BY.sub("", detail)
    for word, said in _WORDS.items():
        text = text.replace(word, said)
    return _IDENTIFIER.sub(lambda m: m.group(0).replace("_", " "), text)


def _mark(event: StepFinished) -> str:
    """ok / FAILED / skipped; a photo check says whether SharePoint's copy matches."""
    if event.status == "failed":
        return "[red]FAILED[/]"
    if event.status != "ok":
        return "[yellow]skipped[/]"
    large = (event.data.get("sizes") or {}).get("L") if isinstance(event.data, dict) else None
    comparison = large.get("comparison") if isinstance(large, dict) else None
    if isinstance(comparison, dict) and "same" in comparison:
        return "[green]matches[/]" if comparison["same"] else "[yellow]differs[/]"
    return "[green]ok[/]"


def plain_console(**options: Any) -> Console:
    """A console that prints text as it is: titles, names and URLs come from scenario files and
    pages, so no highlighting, and no emoji codes (":x:" in a URL stays ":x:")."""
    return Console(highlight=False, emoji=False, **options)


class ProgressPrinter:
    """A listener that prints what the runner does, for the person at the keyboard."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or plain_console()
        self.live = self.console.is_terminal and not self.console.is_dumb_terminal
        self.total = 0
        self._status: Status | None = None
        self._step = ""
        self._last_wait: tuple[int, str, float] | None = None

    def __call__(self, event: Event) -> None:
        if isinstance(event, RunStarted):
            self.total = len(event.steps)
            # One fact a line: at 80 columns the run's title alone can fill one.
            pad = " " * INDENT
            lines = [
                f"[bold]{escape(event.title)}[/]",
                f"{pad}for [cyan]{escape(event.upn)}[/]",
                f"{pad}on tenant [cyan]{escape(event.tenant)}[/]",
            ]
            browser = event.environment.get("browser")
            if browser:
                lines.append(f"{pad}with {escape(browser)}")
            self._print("\n".join(lines))
        elif isinstance(event, StepStarted):
            self._last_wait = None
            self._step = f"[{event.index}/{self.total}] {escape(event.title)}"
            if self.live:
                self._stop()
                self._status = self.console.status(self._line(f"{self._step} …"))
                self._status.start()
        elif isinstance(event, Waiting):
            self._waiting(event)
        elif isinstance(event, AskingPerson):
            self._stop()  # the spinner would write over the prompt
            self._print(" " * INDENT + escape(event.message))
        elif isinstance(event, StepFinished):
            self._stop()
            title = f"[{event.index}/{self.total}] {escape(event.title)}"
            self._print(f"{title} … {_mark(event)} ({event.duration_s:.1f} s)")
            if event.detail:
                detail = escape(plain(event.detail))
                self._print(
                    Padding(detail, (0, 0, 0, INDENT)) if self.live else " " * INDENT + detail
                )
        elif isinstance(event, RunFinished):
            self._stop()
            verdict = event.decision
            colour = "green" if verdict.exit_code == 0 else "red"
            self._print(
                f"[bold {colour}]Verdict: {verdict.outcome.value}[/] (exit {verdict.exit_code}) — "
                f"{escape(verdict.lead + verdict.summary)}"
            )
            advice = escape(verdict.advice)
            self._print(
                Padding(f"Next: {advice}", (0, 0, 0, 0)) if self.live else f"Next: {advice}"
            )

    def _print(self, renderable: object) -> None:
        # At a terminal long lines wrap at word boundaries; piped output keeps one line each.
        # No emoji codes: a title, a name or a URL may hold ":x:" or ":ok:", to print as is.
        self.console.print(renderable, soft_wrap=not self.live, emoji=False)

    @staticmethod
    def _line(markup: str) -> Text:
        """One line, cut with an ellipsis rather than wrapped: the live line must not jump."""
        line = Text.from_markup(markup, overflow="ellipsis", emoji=False)
        line.no_wrap = True
        return line

    def _stop(self) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None

    def _waiting(self, event: Waiting) -> None:
        limit = f" of {event.limit_s:.0f} s" if event.limit_s else ""
        text = f"{event.message} ({event.elapsed_s:.0f} s{limit})"
        if self._status is not None:
            self._status.update(self._line(f"{self._step}: {escape(text)}"))
            return
        last = self._last_wait
        repeat = last and last[0] == event.index and last[1] == event.message
        if repeat and event.elapsed_s - last[2] < WAIT_REPORT_EVERY_S:  # type: ignore[index]
            return
        self._last_wait = (event.index, event.message, event.elapsed_s)
        self._print(" " * INDENT + escape(text))
