"""The typed report.json of a check and of a guide, with their generated JSON Schemas.

``troubleshooter/schemas/check.schema.json`` and ``guide.schema.json`` are generated from these
models (``python -m troubleshooter.audit.model``); a test keeps them current.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"
Sha256OrNone = str | None


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_serialization_defaults_required=True)


class CheckEnvironment(_Model):
    browser: str
    browser_version: str
    sign_in: Literal["password", "interactive"]


class Sources(_Model):
    """Where each photo was read, as URL templates (no tokens)."""

    photo_of_record: str
    sharepoint: str
    unknown_user: str


class Timings(_Model):
    sign_in_s: float | None = Field(ge=0)
    checking_s: float | None = Field(ge=0)


class CheckReport(_Model):
    """report.json of ``troubleshooter check``; every user's row is in audit.csv."""

    kind: Literal["check"]
    title: str
    report_version: Literal[1]
    run_id: str = Field(min_length=1)
    tool_version: str
    operator: str
    confirmed_as: str | None
    tenant: str
    tenant_spec: str
    started_at: str
    finished_at: str
    users: int = Field(ge=0)
    users_file: str | None
    concurrency: int = Field(ge=1)
    environment: CheckEnvironment
    sources: Sources
    timings: Timings
    throttled: int = Field(ge=0, description="answers that were 429 or 503")
    retries: int = Field(ge=0)
    waited_s: float = Field(ge=0, description="time all requests paused for Retry-After")
    exit_code: int
    interrupted: bool
    warnings: list[str]
    counts: dict[str, int] = Field(description="users per verdict")


class Snapshot(_Model):
    """One look at SharePoint's copy, compared with the photo of record."""

    at: str
    verdict: str
    detail: str
    distance: int | None
    sharepoint_l_sha256: Sha256OrNone
    sharepoint_l_status: int | None


class TimelineEntry(_Model):
    at: str
    event: str = Field(description="checked before, message issued, checked, recheck N, …")
    verdict: str | None = None
    distance: int | None = None
    sharepoint_l_sha256: Sha256OrNone = None
    outcome: str | None = None
    files: list[str] | None = None


class GuideEnvironment(_Model):
    browser: str
    browser_version: str


class GuideReport(_Model):
    """report.json of ``troubleshooter guide`` (rewritten after every step)."""

    kind: Literal["guide"]
    title: str
    report_version: Literal[1]
    run_id: str = Field(min_length=1)
    tool_version: str
    upn: str
    operator: str
    confirmed_as: str | None
    tenant: str
    tenant_spec: str
    site: str | None
    started_at: str
    watch_timeout_s: float = Field(ge=0)
    environment: GuideEnvironment
    photos: dict[str, str] = Field(description="name → path in the folder")
    timeline: list[TimelineEntry]
    rechecks: int = Field(ge=0)
    before: Snapshot | None = None
    after: Snapshot | None = None
    recheck: Snapshot | None = None
    outcome: str | None = None
    exit_code: int | None = None
    summary: str | None = None
    advice: str | None = None
    finished_at: str | None = None
    composite: str | None = None


def schema_text(model: type[BaseModel]) -> str:
    return json.dumps(model.model_json_schema(mode="serialization"), indent=2) + "\n"


SCHEMA_FILES: dict[str, type[BaseModel]] = {
    "check.schema.json": CheckReport,
    "guide.schema.json": GuideReport,
}


def validated(model: type[_Model], data: dict[str, Any]) -> dict[str, Any]:
    """``data`` as the model serialises it (raises pydantic's ValidationError on drift)."""
    return model.model_validate(data).model_dump(mode="json", exclude_none=False)


if __name__ == "__main__":  # regenerate the shipped schemas
    for name, model in SCHEMA_FILES.items():
        (SCHEMAS / name).write_text(schema_text(model), encoding="utf-8")
        sys.stdout.write(f"wrote {SCHEMAS / name}\n")
