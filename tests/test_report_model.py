"""report.json: the pydantic models are the source, the shipped JSON Schema is generated from
them, a strict draft 2020-12 validator accepts it, and forged reports are refused by both."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from pydantic import ValidationError

from tests.helpers import ENVIRONMENT, report_data
from troubleshooter.artifacts import ArtifactKind
from troubleshooter.events import (
    Capture,
    PhotoChecked,
    RunFinished,
    RunStarted,
    StepFinished,
    StepStarted,
    utc_now,
)
from troubleshooter.evidence.model import SCHEMA_PATH, Report, report_json_schema, schema_text
from troubleshooter.evidence.recorder import EvidenceRecorder
from troubleshooter.photo import compare
from troubleshooter.recheck import load_report
from troubleshooter.verdict import Outcome, decision

SHA = "a" * 64


def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def test_shipped_schema_is_generated_from_the_models() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_text(), (
        "regenerate it: python -m troubleshooter.evidence.model "
        "> troubleshooter/schemas/report.schema.json"
    )
    assert report_json_schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def _recorded(tmp_path: Path) -> dict[str, Any]:
    """A report as the recorder writes it, with a page, photos, a verdict."""
    from tests.test_evidence_unit import _png

    recorder = EvidenceRecorder(tmp_path)
    photo = _png(96, 96)
    MATCH = compare(photo, photo).as_dict()
    recorder(RunStarted("s", "Title", "a@b.com", "sim", ["Open"], utc_now(), ENVIRONMENT))
    recorder(StepStarted(1, "open", "Open"))
    recorder(Capture(1, "Open", ArtifactKind.PAGE, _png(300, 200), "png", "Step 1: Open"))
    sample = {
        "requested_url": "https://x/p?size=L",
        "final_url": "https://x/p?size=L",
        "status": 200,
        "content_type": "image/jpeg",
        "bytes": 3,
        "sha256": SHA,
        "width": 96,
        "height": 96,
        "placeholder": False,
        "comparison": MATCH,
    }
    recorder(PhotoChecked("after", {"sizes": {"L": sample}}))
    recorder(StepFinished(1, "open", "Open", "ok", 0.5, "https://x/"))
    comparison = {"after": {"sha256": SHA, "placeholder": False, **MATCH}}
    recorder(RunFinished(decision(Outcome.SYNCED), None, utc_now(), None, comparison))
    assert recorder.folder is not None
    return dict(json.loads((recorder.folder / "report.json").read_text()))


def test_a_recorded_report_validates_strictly(tmp_path: Path) -> None:
    report = _recorded(tmp_path)
    _validator().validate(report)
    Report.model_validate_json(json.dumps(report), strict=True)


def _forge(report: dict[str, Any], case: str) -> dict[str, Any]:
    forged = copy.deepcopy(report)
    if case == "exit code 99":
        forged["verdict"]["exit_code"] = 99
    elif case == "synced with exit 1":
        forged["verdict"]["exit_code"] = 1
    elif case == "unknown top-level key":
        forged["approved_by"] = "nobody"
    elif case == "non-hex sha256":
        forged["artifacts"][0]["sha256"] = "z" * 64
    elif case == "stringly distance":
        forged["photos"]["after"]["sizes"]["L"]["comparison"]["distance"] = "34"
    elif case == "unknown status":
        forged["status"] = "done"
    return forged


CASES = [
    "exit code 99",
    "synced with exit 1",
    "unknown top-level key",
    "non-hex sha256",
    "stringly distance",
    "unknown status",
]


@pytest.mark.parametrize("case", CASES)
def test_forged_reports_are_refused(tmp_path: Path, case: str) -> None:
    forged = _forge(_recorded(tmp_path), case)
    assert list(_validator().iter_errors(forged)), f"the schema accepts a report with {case}"
    with pytest.raises(ValidationError):
        Report.model_validate_json(json.dumps(forged), strict=True)
    (tmp_path / "forged").mkdir()
    (tmp_path / "forged" / "report.json").write_text(json.dumps(forged))
    with pytest.raises(Exception, match="not a troubleshooter report"):
        load_report(tmp_path / "forged")


def test_every_outcome_pairs_with_its_own_exit_code() -> None:
    for outcome in Outcome:
        data = report_data(verdict={**decision(outcome).__dict__, "exit_code": 0})
        data["verdict"].pop("lead")  # type: ignore[union-attr]
        if decision(outcome).exit_code == 0:
            Report.model_validate(data)
        else:
            with pytest.raises(ValidationError):
                Report.model_validate(data)
