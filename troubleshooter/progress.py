"""Progress on the terminal: one line per step as it happens, then the verdict."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

from troubleshooter.events import Event, RunFinished, RunStarted, StepFinished, StepStarted, Waiting

WAIT_REPORT_EVERY_S = 5.0


class ProgressPrinter:
    """A listener that prints what the runner does, for the person at the keyboard."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(highlight=False, soft_wrap=True)
        self.total = 0
        self._last_wait: tuple[int, str, float] | None = None

    def __call__(self, event: Event) -> None:
        if isinstance(event, RunStarted):
            self.total = len(event.steps)
            self.console.print(
                f"[bold]{escape(event.title)}[/] for [cyan]{escape(event.upn)}[/] "
                f"on tenant [cyan]{escape(event.tenant)}[/] "
                f"({escape(event.environment.get('browser', ''))})"
            )
        elif isinstance(event, StepStarted):
            self._last_wait = None
        elif isinstance(event, Waiting):
            self._waiting(event)
        elif isinstance(event, StepFinished):
            mark = {"ok": "[green]ok[/]", "failed": "[red]FAILED[/]"}.get(event.status, "skipped")
            line = f"[{event.index}/{self.total}] {escape(event.title)} … {mark} "
            line += f"({event.duration_s:.1f}s)"
            if event.detail:
                line += f"\n      {escape(event.detail)}"
            self.console.print(line)
        elif isinstance(event, RunFinished):
            verdict = event.decision
            colour = "green" if verdict.exit_code == 0 else "red"
            self.console.print(
                f"[bold {colour}]Verdict: {verdict.outcome.value}[/] (exit {verdict.exit_code}) — "
                f"{escape(verdict.lead + verdict.summary)}"
            )
            self.console.print(f"Next: {escape(verdict.advice)}")

    def _waiting(self, event: Waiting) -> None:
        last = self._last_wait
        repeat = last and last[0] == event.index and last[1] == event.message
        if repeat and event.elapsed_s - last[2] < WAIT_REPORT_EVERY_S:  # type: ignore[index]
            return
        self._last_wait = (event.index, event.message, event.elapsed_s)
        self.console.print(f"      {escape(event.message)} ({event.elapsed_s:.0f}s)")
