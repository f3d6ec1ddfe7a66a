"""How one section of a run folder (the run, or recheck N) names its files and labels."""

from __future__ import annotations

from dataclasses import dataclass

from troubleshooter.artifacts import RECORDING_KINDS, ArtifactKind
from troubleshooter.events import Capture, ConsoleLine, Event
from troubleshooter.evidence.files import slug


@dataclass(frozen=True)
class Naming:
    """How one section names its files and labels its captures."""

    recheck: int | None = None  # None: the first run

    @property
    def label(self) -> str:
        return "the run" if self.recheck is None else f"recheck {self.recheck}"

    def file_name(self, capture: Capture, page_number: int = 0) -> str:
        """``page_number`` numbers the section's page screenshots 01, 02, … as written.

        Not the step's number: steps without a screenshot would leave gaps.
        """
        ext = capture.extension
        if self.recheck is None:
            if capture.kind == ArtifactKind.PAGE:
                return f"{page_number:02d}-{slug(capture.name)}.{ext}"
            return f"{slug(capture.name)}.{ext}"
        if capture.kind == ArtifactKind.PAGE:
            return f"recheck-{self.recheck}-{page_number:02d}-{slug(capture.name)}.{ext}"
        return f"{slug(capture.name).removesuffix('-after')}-recheck-{self.recheck}.{ext}"

    def describe(self, description: str) -> str:
        return description if self.recheck is None else f"Recheck {self.recheck}: {description}"

    def step_label(self, index: int, total: int, title: str) -> str:
        if self.recheck is None:
            return f"Step {index}/{total}: {title}"
        return f"Recheck {self.recheck}, step {index}/{total}: {title}"

    def keeps(self, event: Event) -> bool:
        """A recheck keeps no console log, HAR or trace: the first run's own those files."""
        if self.recheck is None:
            return True
        if isinstance(event, ConsoleLine):
            return False
        return not (isinstance(event, Capture) and event.kind in RECORDING_KINDS)
