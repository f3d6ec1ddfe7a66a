"""Benchmark: what one Playwright round trip to the page costs, in CPU of the whole tree.

A process opens the simulated tenant's sign-in page in Chromium and makes N calls of
``locator.evaluate_all`` (the call the tool's target lookups make); it runs with N = 0 and with
N = --calls, interleaved, several pairs. The difference of the medians divided by N is the CPU
one round trip costs, summed over Python, the Playwright driver, the browser and the renderer
(counted as in bench_floor.py, renderers included).

Run: .venv/bin/python benchmarks/bench_round_trips.py [--pairs 5] [--calls 100]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys

SHOWN_OPTIONS = {"limit": 10, "allowAriaHidden": False, "hiddenSelectors": []}


def child(calls: int) -> None:
    """Open the sign-in page and make ``calls`` lookups of two targets' strategies."""
    from playwright.sync_api import sync_playwright

    from troubleshooter.sim import SimTenant
    from troubleshooter.targets import SHOWN_JS

    executable = os.environ.get("TROUBLESHOOTER_BROWSER", "/usr/bin/chromium")
    sim = SimTenant().start(host="127.0.0.1", port=0)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=executable, args=["--no-sandbox"])
            page = browser.new_page()
            page.goto(sim.urls.home + "/login")
            union = page.locator("input[name='loginfmt']").or_(
                page.get_by_role("button", name="Next")
            )
            for _ in range(calls):
                union.evaluate_all(SHOWN_JS, SHOWN_OPTIONS)
            browser.close()
    finally:
        sim.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        child(args.child)
        return
    from bench_floor import adopt_orphans, measure  # here: the children need none of it

    adopt_orphans()
    runs: dict[int, list[dict[str, float]]] = {0: [], args.calls: []}
    for i in range(args.pairs):
        order = list(runs) if i % 2 == 0 else list(reversed(runs))
        for calls in order:
            runs[calls].append(measure([sys.executable, __file__, "--child", str(calls)]))
    cpu = {calls: statistics.median(r["cpu"] for r in results) for calls, results in runs.items()}
    wall = {calls: statistics.median(r["wall"] for r in results) for calls, results in runs.items()}
    extra_cpu, extra_wall = cpu[args.calls] - cpu[0], wall[args.calls] - wall[0]
    print(f"{args.pairs} interleaved pairs, medians of whole processes")
    print(f"0 calls: CPU {cpu[0]:.2f} s, wall {wall[0]:.2f} s")
    print(f"{args.calls} calls: CPU {cpu[args.calls]:.2f} s, wall {wall[args.calls]:.2f} s")
    print(
        f"one round trip: {1000 * extra_cpu / args.calls:.1f} ms CPU, "
        f"{1000 * extra_wall / args.calls:.1f} ms wall"
    )


if __name__ == "__main__":
    main()
