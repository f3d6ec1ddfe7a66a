"""Benchmark: the same-source comparison and placeholder detection (the verdict's hot path).

Run: .venv/bin/python benchmarks/bench_photo.py  — prints a Markdown table for RESULTS.md.
Targets: one comparison of a 648 px photo against a 240 px thumbnail under 50 ms, and within
2× the time of the pHash-only comparison it replaced (timed in the same rounds, interleaved,
when imagehash from the test extra is installed); peak Python memory under 30 MB.
"""

from __future__ import annotations

import io
import statistics
import time
import tracemalloc
from collections.abc import Callable

from PIL import Image, ImageOps

from troubleshooter.photo import compare, looks_like_placeholder
from troubleshooter.sim.photos import placeholder_png, square_jpeg
from troubleshooter.sim.users import current_photo

ROUNDS = 60


def _phash_only(a: bytes, b: bytes) -> int:
    """The comparison before the same-source test: imagehash's pHash of both, distance."""
    import imagehash

    def normalised(data: bytes) -> Image.Image:
        image = Image.open(io.BytesIO(data)).convert("RGB")
        side = min(image.size)
        return ImageOps.fit(image, (side, side), method=Image.Resampling.LANCZOS)

    return int(imagehash.phash(normalised(a)) - imagehash.phash(normalised(b)))


def timed(fn: Callable[..., object], *args: object) -> float:
    start = time.perf_counter()
    fn(*args)
    return (time.perf_counter() - start) * 1000


def main() -> None:
    big = current_photo("adele.vance", "AV")
    thumb = square_jpeg(big, 240)
    small = square_jpeg(big, 48)
    try:
        _phash_only(thumb, small)
        baseline: Callable[[bytes, bytes], object] | None = _phash_only
    except ImportError:
        baseline = None
    # compare() caches its answers: time the function under the cache, or every round but
    # the first is a cache hit.
    uncached = compare.__wrapped__
    cases: list[tuple[str, Callable[..., object], tuple[bytes, ...]]] = [
        ("compare 648 px vs 240 px", uncached, (big, thumb)),
        ("compare 240 px vs 48 px", uncached, (thumb, small)),
        ("placeholder check, real photo", looks_like_placeholder, (thumb,)),
        ("placeholder check, placeholder", looks_like_placeholder, (placeholder_png(240),)),
    ]
    print("| operation | median ms | max ms | peak MB | pHash-only median ms | ratio |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, fn, args in cases:
        ours: list[float] = []
        theirs: list[float] = []
        for _ in range(ROUNDS):  # interleaved, so both see the same machine load
            ours.append(timed(fn, *args))
            if baseline is not None and fn is uncached:
                theirs.append(timed(baseline, *args))
        tracemalloc.start()
        fn(*args)
        peak = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
        median = statistics.median(ours)
        if theirs:
            old = statistics.median(theirs)
            extra = f"{old:.1f} | {median / old:.2f}"
        else:
            extra = "– | –"
        print(f"| {label} | {median:.1f} | {max(ours):.1f} | {peak:.1f} | {extra} |")


if __name__ == "__main__":
    main()
