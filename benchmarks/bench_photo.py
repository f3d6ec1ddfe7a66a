"""Benchmark: perceptual comparison and placeholder detection (the verdict's hot path).

Run: .venv/bin/python benchmarks/bench_photo.py  — prints a Markdown table for RESULTS.md.
Targets: one comparison of a 648 px photo against a 240 px thumbnail under 50 ms; peak
Python memory for one comparison under 30 MB.
"""

from __future__ import annotations

import statistics
import time
import tracemalloc

from troubleshooter.photo import compare, looks_like_placeholder
from troubleshooter.sim.photos import placeholder_png, square_jpeg
from troubleshooter.sim.users import current_photo

ROUNDS = 30


def timed(fn: object, *args: object) -> float:
    start = time.perf_counter()
    fn(*args)  # type: ignore[operator]
    return (time.perf_counter() - start) * 1000


def main() -> None:
    big = current_photo("adele.vance", "AV")
    thumb = square_jpeg(big, 240)
    small = square_jpeg(big, 48)
    rows = []
    for label, fn, args in [
        ("compare 648 px vs 240 px", compare, (big, thumb)),
        ("compare 240 px vs 48 px", compare, (thumb, small)),
        ("placeholder check, real photo", looks_like_placeholder, (thumb,)),
        ("placeholder check, placeholder", looks_like_placeholder, (placeholder_png(240),)),
    ]:
        times = [timed(fn, *args) for _ in range(ROUNDS)]
        tracemalloc.start()
        fn(*args)  # type: ignore[operator]
        peak = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
        rows.append((label, statistics.median(times), max(times), peak))
    print("| operation | median ms | max ms | peak MB |")
    print("|---|---:|---:|---:|")
    for label, median, worst, peak in rows:
        print(f"| {label} | {median:.1f} | {worst:.1f} | {peak:.1f} |")
    ratio = rows[0][1] / rows[1][1]
    print(f"\nratio 648-px comparison / 240-px comparison (same run): {ratio:.2f}")


if __name__ == "__main__":
    main()
