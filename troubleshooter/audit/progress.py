"""The terminal side of a check: a rich progress bar with ETA, and bad rows as they come."""

from __future__ import annotations

from pathlib import Path
from types import TracebackType

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.status import Status

from troubleshooter.audit.message import Message
from troubleshooter.audit.probe import UserCheck
from troubleshooter.audit.users import BadRow
from troubleshooter.audit.verdicts import Verdict
from troubleshooter.progress import plain_console


class AuditProgress:
    """Call it with each finished user; use it as a context manager around the check."""

    def __init__(self, total: int, console: Console | None = None) -> None:
        self.console = console or plain_console(stderr=True)
        self._progress = Progress(
            TextColumn("checking"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("users"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=self.console,
        )
        self._task = self._progress.add_task("check", total=total)
        self._started = False

    def __enter__(self) -> AuditProgress:
        if self.console.is_terminal:  # a pipe or a log file gets the warnings only
            self._progress.start()
            self._started = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._started:
            self._progress.stop()

    def __call__(self, item: UserCheck | BadRow) -> None:
        if isinstance(item, BadRow):
            self._progress.console.print(f"warning: {escape(item.message)}")
        elif item.verdict == Verdict.ERROR:
            self._progress.console.print(
                f"warning: {escape(item.row.upn)}: {escape(item.finding.detail)}"
            )
        self._progress.advance(self._task)


class GuideTerminal:
    """The guide on the terminal: the message to send, then one live status line."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or plain_console(soft_wrap=True)
        self._status: Status | None = None

    def message(self, message: Message, folder: Path) -> None:
        self.console.rule("Send this to the user")
        self.console.print(message.markdown, markup=False)
        self.console.rule()
        self.console.print(
            f"Also saved as {escape(str(folder / 'message.md'))} and message.html "
            "(paste into chat or e-mail)."
        )

    def status(self, text: str) -> None:
        if self._status is None:
            self._status = self.console.status(escape(text))
            self._status.start()
        else:
            self._status.update(escape(text))

    def checked(self, check: UserCheck, elapsed_s: float) -> None:
        if check.verdict == Verdict.IN_SYNC:
            self.stop()
            self.console.print(
                f"SharePoint's copy matches the photo of record ({elapsed_s:.0f} s)."
            )

    def stop(self) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None
