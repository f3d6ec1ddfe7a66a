"""Calibration of the same-source photo test: the margins of every measure, per class.

Run: .venv/bin/python benchmarks/calibrate.py  — rewrites the calibration section of
benchmarks/RESULTS.md (between its markers) from tests/calibration.py's pairs, so anyone can
see how far the thresholds in troubleshooter/photo.py sit from the data on both sides.
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.calibration import pairs  # noqa: E402
from troubleshooter.photo import RULES, compare  # noqa: E402

RESULTS = ROOT / "benchmarks" / "RESULTS.md"
START, END = "<!-- calibration:start -->", "<!-- calibration:end -->"
CLASSES = {
    "same": "same source (resamples)",
    "retake": "retake proxies",
    "borderline": "borderline (0.4× a retake)",
}


def _worst(kind: str, rows: list[tuple[str, tuple[float, ...]]]) -> tuple[float, str]:
    """Same: the largest value/same_max over all measures (must be < 1). Retake: the smallest,
    over pairs, of the largest value/different_min (must be >= 1)."""

    def ratio(values: tuple[float, ...]) -> float:
        if kind == "same":
            return max(v / r.same_max for v, r in zip(values, RULES, strict=True))
        return max(v / r.different_min for v, r in zip(values, RULES, strict=True))

    pick = max if kind == "same" else min
    name, values = pick(rows, key=lambda row: ratio(row[1]))
    return ratio(values), name


def section() -> str:
    rows: dict[str, list[tuple[str, tuple[float, ...]]]] = defaultdict(list)
    verdicts: dict[str, Counter[str]] = defaultdict(Counter)
    for pair in pairs():
        result = compare(pair.first(), pair.second())
        rows[pair.kind].append((pair.name, result.values))
        verdicts[pair.kind][result.verdict.value] += 1
    out = [
        START,
        "",
        "| class | pairs | verdicts |",
        "|---|---:|---|",
    ]
    for kind, label in CLASSES.items():
        counts = ", ".join(f"{v} {n}" for v, n in sorted(verdicts[kind].items()))
        out.append(f"| {label} | {len(rows[kind])} | {counts} |")
    out += ["", "| measure | same ≤ | different ≥ | " + " | ".join(CLASSES.values()) + " |"]
    out.append("|---|---:|---:|" + "---:|" * len(CLASSES))
    for i, rule in enumerate(RULES):
        cells = []
        for kind in CLASSES:
            values = [v[i] for _, v in rows[kind]]
            cells.append(f"{min(values):.2f} – {max(values):.2f}")
        out.append(
            f"| {rule.name} ({rule.unit}) | {rule.same_max:g} | {rule.different_min:g} | "
            + " | ".join(cells)
            + " |"
        )
    same_ratio, same_name = _worst("same", rows["same"])
    retake_ratio, retake_name = _worst("retake", rows["retake"])
    out += [
        "",
        f"Tightest same-source pair: {same_name}, at {same_ratio:.2f}× a `same` threshold "
        "(every measure of every same pair is below its threshold by at least this factor).",
        f"Tightest retake: {retake_name}, at {retake_ratio:.2f}× a `different` threshold "
        "(every retake passes at least one `different` threshold by at least this factor).",
        "",
        END,
    ]
    return "\n".join(out)


def main() -> None:
    text = RESULTS.read_text(encoding="utf-8")
    new = section()
    if START in text:
        before, rest = text.split(START, 1)
        text = before + new + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + new + "\n"
    RESULTS.write_text(text, encoding="utf-8")
    print(new)


if __name__ == "__main__":
    main()
