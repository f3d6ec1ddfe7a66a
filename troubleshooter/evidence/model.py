"""The typed report (report.json): one model the recorder writes and render and recheck read.

``troubleshooter/schemas/report.schema.json`` is generated from these models
(``python -m troubleshooter.evidence.model > troubleshooter/schemas/report.schema.json``).
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from troubleshooter.artifacts import ArtifactKind, PhotoSize
from troubleshooter.verdict import Outcome, all_outcomes, exit_code

SCHEMA_VERSION = 2
SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schemas" / "report.schema.json"

Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
FileName = Annotated[str, Field(pattern=r"^[^/\\]+$", min_length=1)]
Status = Literal["running", "finished", "error", "interrupted"]
StepStatus = Literal["running", "ok", "failed", "skipped"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_serialization_defaults_required=True)


Likeness = Literal["same", "different", "cannot-tell"]


class Measure(_Model):
    """One measure of the same-source test, with the thresholds it was judged by."""

    value: float
    unit: str
    same_max: float
    different_min: float


class Comparison(_Model):
    """Is one image a resample of the same source image as another (photo.compare)?"""

    verdict: Likeness
    same: bool
    distance: int = Field(ge=0, description="pHash distance in bits")
    threshold: int = Field(ge=0, description="pHash distance at or below which it may be same")
    size_px: int = Field(ge=1, description="the common size the pixel measures were taken at")
    measures: dict[str, Measure]


class Sample(_Model):
    """One photo as fetched (or read from a file), without its bytes."""

    requested_url: str | None
    final_url: str | None
    status: int
    content_type: str
    bytes: int = Field(ge=0)
    sha256: Sha256
    width: int | None = None
    height: int | None = None
    placeholder: bool | None = None
    comparison: Comparison | None = None
    first_bytes: str | None = Field(
        default=None, description="the answer's first bytes, escaped, when it is not an image"
    )
    failure: str | None = Field(default=None, description="why there is no answer (status 0)")


PhotoForm = Literal["img", "background-image", "background-image (blob)", "initials"]


class Reference(_Model):
    """The photo of record: from the account circle, an --expected-photo file, or none."""

    present: bool
    kind: Literal["account-circle", "expected-photo"]
    form: PhotoForm | None = Field(
        default=None, description="how the account circle showed the photo (issue 9)"
    )
    source: str
    requested_url: str | None = None
    final_url: str | None = None
    status: int | None = None
    content_type: str | None = None
    bytes: int | None = None
    sha256: Sha256 | None = None
    width: int | None = None
    height: int | None = None
    placeholder: bool | None = None
    account_circle: Sample | None = None


class Retry(_Model):
    """One throttled answer (429/503) that the probe asked again after waiting."""

    size: PhotoSize
    attempt: int = Field(ge=1, description="the request that was throttled, 1 for the first")
    status: int
    retry_after: str | None = Field(description="the Retry-After header as SharePoint sent it")
    wait_s: float = Field(ge=0, description="seconds waited before asking again")


class Check(_Model):
    """SharePoint's copy at each size, and each retry of a throttled answer."""

    sizes: dict[PhotoSize, Sample]
    retries: list[Retry] = Field(default_factory=list)


class Step(_Model):
    index: int = Field(ge=1)
    action: str
    title: str
    status: StepStatus
    started_at: datetime
    duration_s: float | None = Field(default=None, ge=0)
    url: str | None = None
    detail: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)
    captures: list[FileName] = Field(default_factory=list)


class Artifact(_Model):
    path: FileName
    name: str = Field(description="The capture's name, e.g. sharepoint-L-after")
    kind: ArtifactKind
    step: int | None
    description: str
    url: str | None = None
    size: int = Field(ge=0)
    sha256: Sha256
    recheck: int | None = Field(default=None, ge=1, description="The recheck that wrote it")


class VerdictPhoto(_Model):
    sha256: Sha256
    placeholder: bool
    verdict: Likeness | None = None
    distance: int | None = Field(default=None, ge=0)
    threshold: int | None = Field(default=None, ge=0)
    same: bool | None = None
    size_px: int | None = Field(default=None, ge=1)
    measures: dict[str, Measure] | None = None


class ReferenceSeen(_Model):
    sha256: Sha256
    source: str | None = None


class VerdictComparison(_Model):
    reference: ReferenceSeen | None = None
    before: VerdictPhoto | None = None
    after: VerdictPhoto | None = None


def _outcome_pairs(schema: dict[str, Any]) -> None:
    """Each outcome with its own exit code: a forged pair (synced, exit 1) is refused."""
    schema["oneOf"] = [
        {"properties": {"outcome": {"const": o.value}, "exit_code": {"const": about.exit_code}}}
        for o, about in all_outcomes()
    ]


class Verdict(_Model):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_serialization_defaults_required=True,
        json_schema_extra=_outcome_pairs,
    )

    outcome: Outcome
    exit_code: int = Field(ge=0, le=255)
    summary: str
    advice: str
    failed_step: int | None = None
    detail: str | None = None
    comparison: VerdictComparison = Field(default_factory=VerdictComparison)

    @model_validator(mode="after")
    def _exit_code_of_outcome(self) -> Verdict:
        if self.exit_code != exit_code(self.outcome):
            raise ValueError(
                f"exit_code {self.exit_code} is not the exit code of {self.outcome.value}"
            )
        return self


class Environment(_Model):
    tool_version: str
    browser: str
    browser_version: str
    playwright_version: str
    os: str
    python: str
    tenant: str
    sign_in: str
    headed: str


class Inputs(_Model):
    """What a later command (recheck) needs to come back to the same tenant and files."""

    tenant: str | None = Field(description="--tenant as it can be used again; null for sim")
    targets_file: str | None = Field(default=None, description="--targets, absolute")
    expected_photo: bool = Field(default=False, description="the run used --expected-photo")


class ScenarioInfo(_Model):
    name: str
    title: str
    steps: list[str]


class StepRef(_Model):
    index: int = Field(ge=1)
    title: str


class LastWait(_Model):
    message: str
    elapsed_s: float


class Section(_Model):
    """What one session recorded: the first run, or a recheck."""

    status: Status = "running"
    started_at: datetime
    finished_at: datetime | None = None
    environment: Environment
    steps: list[Step] = Field(default_factory=list)
    photos: dict[str, Reference | Check] = Field(default_factory=dict)
    verdict: Verdict | None = None


class Recheck(Section):
    number: int = Field(ge=1)
    elapsed_since_first_run_s: float = Field(ge=0)
    elapsed_since_first_run: str
    tenant: str
    artifacts: list[FileName] = Field(default_factory=list)


class Report(Section):
    """report.json: rewritten atomically at step ends, long waits and the verdict; always valid."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_serialization_defaults_required=True,
        title="troubleshooter run report (report.json)",
        json_schema_extra={
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": "https://github.com/troubleshooter/troubleshooter/schemas/report.schema.json",
        },
    )

    schema_version: Literal[2] = 2
    run_id: str = Field(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
    scenario: ScenarioInfo
    upn: str = Field(min_length=3)
    tenant: str
    ticket: str | None = None
    operator: str | None = None
    inputs: Inputs
    last_step: StepRef | None = None
    artifacts: list[Artifact] = Field(
        default_factory=list, description="Every captured file of the folder, rechecks' too"
    )
    last_wait: LastWait | None = None
    warnings: list[str] = Field(default_factory=list)
    rechecks: list[Recheck] = Field(default_factory=list)

    def artifact(self, name: str, recheck: int | None = None) -> Artifact | None:
        """The last file captured under a name, by the first run or one recheck."""
        found = [a for a in self.artifacts if a.name == name and a.recheck == recheck]
        return found[-1] if found else None

    def to_json(self) -> bytes:
        return (self.model_dump_json(indent=2) + "\n").encode("utf-8")


def report_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of report.json, generated from the models."""
    schema = Report.model_json_schema(mode="serialization")
    return {"$schema": schema.pop("$schema"), "$id": schema.pop("$id"), **schema}


def schema_text() -> str:
    return json.dumps(report_json_schema(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    sys.stdout.write(schema_text())
