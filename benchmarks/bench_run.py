"""Benchmark: one full `sharepoint-resync` run against the simulated tenant.

Run: .venv/bin/python benchmarks/bench_run.py [--runs N]  — prints Markdown for RESULTS.md.
Targets: a run (sign-in to verdict, sync delay 1.5 s) under 30 s wall time; the zipped
evidence bundle under 5 MB; the largest process (Chromium or Python) under 600 MB RSS.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from troubleshooter.sim import DEMO_PASSWORD, SimOptions, SimTenant

USER = "adele.vance@contoso.onmicrosoft.com"


def one_run(sim: SimTenant, folder: Path) -> dict[str, float]:
    profile = folder / "tenant.yaml"
    urls = sim.urls
    profile.write_text(
        yaml.safe_dump(
            {
                "name": "bench",
                "home": urls.home,
                "sharepoint": urls.sharepoint,
                "mysite": urls.mysite,
                "site": urls.site,
            }
        )
    )
    start = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "troubleshooter",
            "run",
            "sharepoint-resync",
            "--user",
            USER,
            "--tenant",
            str(profile),
            "--out",
            str(folder / "out"),
            "--zip",
        ],
        check=True,
        capture_output=True,
        env={"TROUBLESHOOTER_PASSWORD": DEMO_PASSWORD, "PATH": "/usr/bin:/bin"},
    )
    wall = time.perf_counter() - start
    report_path = next((folder / "out").glob("*/*/report.json"))
    report = json.loads(report_path.read_text())
    steps = {s["action"] + ":" + str(s["index"]): s["duration_s"] for s in report["steps"]}
    folder_bytes = sum(p.stat().st_size for p in report_path.parent.iterdir())
    zipped = next((folder / "out").glob("*/*.zip")).stat().st_size
    poll = sum(v for k, v in steps.items() if k.startswith("check_sharepoint_photo"))
    return {"wall_s": wall, "poll_s": poll, "folder_mb": folder_bytes / 1e6, "zip_mb": zipped / 1e6}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    results = []
    for _ in range(runs):
        with (
            SimTenant(options=SimOptions(sync_delay=1.5)) as sim,
            tempfile.TemporaryDirectory() as tmp,
        ):
            results.append(one_run(sim, Path(tmp)))
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"| metric | median of {runs} | worst |")
    print("|---|---:|---:|")
    for key in ("wall_s", "poll_s", "folder_mb", "zip_mb"):
        values = [r[key] for r in results]
        print(f"| {key} | {statistics.median(values):.2f} | {max(values):.2f} |")
    print(f"| largest process RSS (MB) | {peak_mb:.0f} | |")
    first = results[0]
    print(
        f"\nratios in run 1: zip/folder = {first['zip_mb'] / first['folder_mb']:.2f}; "
        f"time waiting for SharePoint / wall = {first['poll_s'] / first['wall_s']:.2f}"
    )


if __name__ == "__main__":
    main()
