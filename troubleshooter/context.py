"""What a step handler can use while a scenario runs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from playwright.sync_api import BrowserContext, Page

from troubleshooter.artifacts import ArtifactKind
from troubleshooter.credentials import Credentials
from troubleshooter.events import Capture, Event, PhotoChecked, Waiting
from troubleshooter.photo import PhotoSample
from troubleshooter.probe import PhotoProbe
from troubleshooter.scenario import substitute
from troubleshooter.targets import TargetBook
from troubleshooter.tenant import TenantProfile

SignInMode = Literal["password", "interactive"]
TraceMode = Literal["full", "light", "off"]


@dataclass(frozen=True)
class SessionOptions:
    """How to start the browser and sign in; the same for run, demo and recheck."""

    sign_in: SignInMode = "password"
    headed: bool | None = None  # None: headed only for interactive sign-in
    sign_in_timeout_s: float | None = None
    executable_path: str | None = None
    channel: str | None = None
    endpoint: str | None = None
    trace: TraceMode = "light"  # light: DOM snapshots without the filmstrip

    @property
    def show_window(self) -> bool:
        return self.headed if self.headed is not None else self.sign_in == "interactive"


@dataclass
class RunSettings:
    """Everything a run needs besides the scenario."""

    upn: str
    tenant: TenantProfile
    session: SessionOptions = field(default_factory=SessionOptions)
    credentials: Credentials = field(default_factory=Credentials)
    poll_timeout_s: float | None = None
    expected_photo: Path | None = None  # --expected-photo: the reference instead of the home's
    extra_variables: dict[str, str] = field(default_factory=dict)  # e.g. ${photo} from --photo
    save_pages: bool = False  # --save-pages: a redacted copy of every page visited


@dataclass
class PhotoState:
    """Photos gathered during the run; the verdict is decided from these."""

    reference: PhotoSample | None = None
    reference_source: str | None = None
    before: PhotoSample | None = None
    after: PhotoSample | None = None
    sizes: dict[str, dict[str, PhotoSample]] = field(default_factory=dict)

    def checked(self, label: Literal["before", "after"], samples: dict[str, PhotoSample]) -> None:
        """Keep a check of SharePoint's copy: every size, and the large one as ``label``."""
        self.sizes[label] = samples
        if label == "before":
            self.before = samples["L"]
        else:
            self.after = samples["L"]


@dataclass
class RunContext:
    settings: RunSettings
    context: BrowserContext
    page: Page
    targets: TargetBook
    probe: PhotoProbe
    emit_event: Callable[[Event], None]
    variables: dict[str, str] = field(default_factory=dict)
    photos: PhotoState = field(default_factory=PhotoState)
    step_index: int = 0
    display_name: str | None = None
    tracing: bool = False
    # The verdict's summary and advice, when the failure had better words than the standard.
    verdict_words: tuple[str | None, str | None] = (None, None)
    saved_pages: list[str] = field(default_factory=list)  # digests of the pages saved so far

    def resolve(self, text: str) -> str:
        return substitute(text, self.variables)

    def switch_to(self, page: Page) -> None:
        """Carry on in another tab (a link that opened one): later steps act on it."""
        self.page = page

    def capture(
        self, name: str, kind: ArtifactKind, content: bytes, ext: str, description: str
    ) -> None:
        self.emit_event(
            Capture(self.step_index, name, kind, content, ext, description, self.page.url)
        )

    def waiting(self, message: str, elapsed_s: float, limit_s: float | None = None) -> None:
        self.emit_event(Waiting(self.step_index, message, elapsed_s, limit_s))

    def photo_checked(self, label: str, data: dict[str, object]) -> None:
        self.emit_event(PhotoChecked(label, dict(data)))
