"""Names and kinds of the files a run folder holds: one place, for the writers and the readers."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal


class ArtifactKind(StrEnum):
    """What a captured file is; the recorder stamps, redacts or just keeps it by kind."""

    PAGE = "page"  # a full-page screenshot after a step
    ELEMENT = "element"  # a screenshot of one element
    PHOTO = "photo"  # photo bytes as fetched (or the --expected-photo file)
    COMPOSITE = "composite"  # the side-by-side picture
    HAR = "har"  # the network log
    TRACE = "trace"  # the Playwright trace
    DIAGNOSIS = "diagnosis"  # why a target was not found: redacted HTML, aria snapshot, strategies
    SAVED_PAGE = "saved-page"  # run --save-pages: a redacted copy of a page visited


STAMPED_KINDS = frozenset({ArtifactKind.PAGE, ArtifactKind.ELEMENT})
RECORDING_KINDS = frozenset({ArtifactKind.HAR, ArtifactKind.TRACE})

PhotoLabel = Literal["before", "after"]
PhotoSize = Literal["S", "M", "L"]

# Files every run folder has, written by the recorder.
REPORT_JSON = "report.json"
REPORT_HTML = "report.html"
SUMMARY_MD = "summary.md"
MANIFEST_JSON = "manifest.json"
CONSOLE_LOG = "console.log"

# Capture names (before the recorder turns them into file names).
HAR = "network"
TRACE = "trace"
ACCOUNT_CIRCLE = "account-circle"
ACCOUNT_CIRCLE_PHOTO = "account-circle-photo"
PHOTO_OF_RECORD = "photo-of-record"
COMPOSITE = "composite"


def sharepoint_photo(size: str, label: str) -> str:
    """The capture name of SharePoint's copy at one size: ``sharepoint-L-after``."""
    return f"sharepoint-{size}-{label}"
