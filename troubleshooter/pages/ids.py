"""Microsoft's "Troubleshooting details" (request id, correlation id, time) read from a page.

Sign-in error pages list them for the administrator; support asks for them. They are read
from the page's text by their labels, whatever the markup around them (SOURCES.md).
"""

from __future__ import annotations

import re

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

# "Trace ID" is the same id under the name the OAuth error description gives it.
LABELS = {
    "request id": "request_id",
    "trace id": "request_id",
    "correlation id": "correlation_id",
    "timestamp": "timestamp",
}
DETAIL = re.compile(
    r"\b(Request Id|Trace ID|Correlation Id|Timestamp):\s*([0-9A-Za-z][0-9A-Za-z:.\-]*)", re.I
)
SHOWN = {"request_id": "Request Id", "correlation_id": "Correlation Id", "timestamp": "Timestamp"}


def troubleshooting_details(page: Page) -> dict[str, str]:
    """The ids the page shows (``request_id``, ``correlation_id``, ``timestamp``), if any."""
    try:
        text = page.locator("body").inner_text(timeout=2000)
    except PlaywrightError:
        return {}
    found: dict[str, str] = {}
    for label, value in DETAIL.findall(text):
        found.setdefault(LABELS[label.lower()], value.rstrip("."))
    # A timestamp alone is not Microsoft's box: any page may say "Timestamp:".
    return found if {"request_id", "correlation_id"} & found.keys() else {}


def describe(details: dict[str, str]) -> str:
    """One line for the terminal and summary: ``Request Id …, Correlation Id …, Timestamp …``."""
    return ", ".join(f"{SHOWN[key]} {details[key]}" for key in SHOWN if key in details)
