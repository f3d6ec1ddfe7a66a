"""Per-user verdicts of a check, from what the operator's browser fetched.

The mapping follows the research notes (docs/issue 10): the photo of record from OWA's
``GetPersonaPhoto`` (404 = no photo, as EWS ``GetUserPhoto`` and Graph ``photo/$value``
document), SharePoint's copy from ``userphoto.aspx?size=L``; "unknown user" comes from resolving
the account, never from the photo endpoints, which look alike for unknown and photo-less users.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from PIL import Image, ImageStat

from troubleshooter.photo import (
    KNOWN_PLACEHOLDER_MD5,
    NotAnImageError,
    compare,
    looks_like_placeholder,
)


class Verdict(StrEnum):
    IN_SYNC = "in-sync"
    STALE = "stale"
    PLACEHOLDER = "placeholder"
    NO_PHOTO_OF_RECORD = "no-photo-of-record"
    UNKNOWN_USER = "unknown-user"
    CANNOT_TELL = "cannot-tell"
    ERROR = "error"
    BAD_ROW = "bad-row"


# Exit codes of a single-user check: the same numbers `run` uses for the same finding.
SINGLE_EXIT = {
    Verdict.IN_SYNC: 0,
    Verdict.STALE: 1,
    Verdict.CANNOT_TELL: 1,
    Verdict.PLACEHOLDER: 3,
    Verdict.NO_PHOTO_OF_RECORD: 4,
    Verdict.UNKNOWN_USER: 11,
    Verdict.ERROR: 20,
    Verdict.BAD_ROW: 2,
}
# Verdicts that need nobody's attention in an audit of many users.
FINE = frozenset({Verdict.IN_SYNC, Verdict.NO_PHOTO_OF_RECORD})

ADVICE = {
    Verdict.IN_SYNC: "Nothing to do.",
    Verdict.STALE: "Send the user `troubleshooter guide` instructions (or run the re-sync "
    "with them); SharePoint refreshes only when the user requests their own photo.",
    Verdict.PLACEHOLDER: "SharePoint has no copy yet: the user's own visit to a SharePoint page "
    "creates it (`troubleshooter guide`).",
    Verdict.NO_PHOTO_OF_RECORD: "No photo in Microsoft 365: nothing to sync until one is uploaded.",
    Verdict.UNKNOWN_USER: "No such account in the tenant: check the spelling of the UPN.",
    Verdict.CANNOT_TELL: "The photos are too close to call: look at them side by side.",
    Verdict.ERROR: "Could not read the photos; see the detail, then check this user again.",
    Verdict.BAD_ROW: "Fix the row in the CSV file.",
}


@dataclass
class Finding:
    """The verdict of one user and the measures behind it (what audit.csv shows)."""

    verdict: Verdict
    detail: str = ""
    measures: dict[str, Any] = field(default_factory=dict)


def is_placeholder(data: bytes) -> bool:
    """SharePoint's grey silhouette? A clearly colourful image is ruled out cheaply first."""
    if _clearly_colourful(data):
        return False
    try:
        return looks_like_placeholder(data)
    except NotAnImageError:
        return False


def is_no_photo(data: bytes) -> bool:
    """A photo of record that is no photo: a known placeholder, or a 1×1 pixel (research §1a)."""
    if hashlib.md5(data).hexdigest() in KNOWN_PLACEHOLDER_MD5:
        return True
    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.width <= 1 and image.height <= 1
    except (OSError, ValueError):
        return False


def _clearly_colourful(data: bytes) -> bool:
    """Decode a JPEG at 1/8 scale (cheap) and look at its saturation."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.draft("RGB", (32, 32))
            small = image.convert("RGB").resize((32, 32))
    except (OSError, ValueError):
        return False
    return ImageStat.Stat(small.convert("HSV").getchannel("S")).mean[0] > 2 * COLOUR_MARGIN


COLOUR_MARGIN = 12  # looks_like_placeholder calls a mean saturation above 12 colourful


def same_photo(reference: bytes, copy: bytes) -> tuple[Verdict, dict[str, Any]]:
    """Compare with the project's one comparison: same, different, or cannot tell."""
    try:
        result = compare(reference, copy)
    except NotAnImageError as exc:
        return Verdict.ERROR, {"error": f"not an image ({exc})"}
    measures = dict(result.as_dict())
    said = str(getattr(result, "verdict", "") or "")
    if said in ("cannot-tell", "cannot_tell"):
        return Verdict.CANNOT_TELL, measures
    if said:
        return (Verdict.IN_SYNC if said == "same" else Verdict.STALE), measures
    return (Verdict.IN_SYNC if result.same else Verdict.STALE), measures


def decide(
    reference: bytes | None,
    reference_status: int,
    large: bytes | None,
    large_status: int,
    known: bool | None,
) -> Finding:
    """``reference_status``: HTTP status of the photo of record (200 for a --photos file);
    ``known``: None when the account could not be resolved either way."""
    if known is False:
        return Finding(Verdict.UNKNOWN_USER, "the tenant has no account with this name")
    if reference is None:
        if reference_status == 404:
            return Finding(Verdict.NO_PHOTO_OF_RECORD, "GetPersonaPhoto: 404 (no photo)")
        return Finding(Verdict.ERROR, f"photo of record: HTTP {reference_status or 'failed'}")
    if is_no_photo(reference):
        return Finding(Verdict.NO_PHOTO_OF_RECORD, "the photo of record is a placeholder")
    if large is None:
        return Finding(Verdict.ERROR, f"SharePoint's copy: HTTP {large_status or 'failed'}")
    if is_placeholder(large):
        return Finding(Verdict.PLACEHOLDER, "SharePoint serves the grey placeholder")
    verdict, measures = same_photo(reference, large)
    return Finding(verdict, "", measures)
