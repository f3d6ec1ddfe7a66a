"""Benchmark: `troubleshooter check` over many generated users of the simulated tenant.

Run: .venv/bin/python benchmarks/bench_check.py [--users 1000] [--small 250] [--rounds 1]
To compare two trees interleaved, run it once per tree with ``PYTHONPATH=<tree>`` (the
check subprocess inherits it) and alternate.
Prints Markdown for RESULTS.md. Target: at least 25 users per second on a 2-core machine, and
peak memory that does not grow with the number of users (the small run and the large run
should peak at about the same RSS).

The tenant runs in this process, the check in a subprocess (with its Chromium); RSS is sampled
from /proc for the check's Python process and for its whole process tree (Linux only).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from troubleshooter.sim import DEMO_PASSWORD, OPERATOR_UPN, SimOptions, SimTenant
from troubleshooter.sim.extra import extra_upn
from troubleshooter.sim.users import TENANT_DOMAIN


@dataclass
class Result:
    users: int
    wall_s: float
    sign_in_s: float
    checking_s: float
    python_peak_mb: float
    tree_peak_mb: float
    sim_cpu_s: float
    check_cpu_s: float

    @property
    def rate(self) -> float:
        return self.users / self.checking_s


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def _tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        todo += _children(current)
    return pids


def one_check(sim: SimTenant, folder: Path, count: int, sizes: str, concurrency: int) -> Result:
    urls = sim.urls
    profile = folder / "tenant.yaml"
    profile.write_text(
        yaml.safe_dump(
            {
                "name": "bench",
                "home": urls.home,
                "sharepoint": urls.sharepoint,
                "mysite": urls.mysite,
                "outlook": urls.outlook,
            }
        )
    )
    users = folder / "users.csv"
    with users.open("w") as handle:
        handle.write("upn,batch\n")
        for number in range(1, count + 1):
            handle.write(f"{extra_upn(number, TENANT_DOMAIN)},bench\n")
    command = [
        sys.executable,
        "-m",
        "troubleshooter",
        "check",
        "--as",
        OPERATOR_UPN,
        "--users",
        str(users),
        "--tenant",
        str(profile),
        "--out",
        str(folder / "out"),
        "--sizes",
        sizes,
        "--concurrency",
        str(concurrency),
    ]
    env = {"TROUBLESHOOTER_PASSWORD": DEMO_PASSWORD, "PATH": "/usr/bin:/bin"}
    if os.environ.get("PYTHONPATH"):
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    start = time.perf_counter()
    sim_cpu, children_cpu = _cpu(resource.RUSAGE_SELF), _cpu(resource.RUSAGE_CHILDREN)
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    python_peak = tree_peak = 0
    while process.poll() is None:
        python_peak = max(python_peak, _rss_kb(process.pid))
        tree_peak = max(tree_peak, sum(_rss_kb(p) for p in _tree(process.pid)))
        time.sleep(0.25)
    wall = time.perf_counter() - start
    _, err = process.communicate()
    sim_cpu = _cpu(resource.RUSAGE_SELF) - sim_cpu
    children_cpu = _cpu(resource.RUSAGE_CHILDREN) - children_cpu
    if process.returncode not in (0, 1):
        raise SystemExit(f"check failed ({process.returncode}): {err.decode()[-2000:]}")
    (report_path,) = (folder / "out").glob("*/*/report.json")
    report = json.loads(report_path.read_text())
    assert report["users"] == count, report
    return Result(
        count,
        wall,
        report["timings"]["sign_in_s"],
        report["timings"]["checking_s"],
        python_peak / 1024,
        tree_peak / 1024,
        sim_cpu,
        children_cpu,
    )


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--small", type=int, default=250)
    parser.add_argument("--sizes", default="S,M,L", help="check's --sizes")
    parser.add_argument("--concurrency", type=int, default=4, help="check's --concurrency")
    args = parser.parse_args()
    with SimTenant(options=SimOptions(extra_users=args.users)) as sim:
        results = []
        for count in (args.small, args.users):
            with tempfile.TemporaryDirectory() as tmp:
                results.append(one_check(sim, Path(tmp), count, args.sizes, args.concurrency))
    print(f"check --sizes {args.sizes} --concurrency {args.concurrency}\n")
    print(
        "| users | users/s (checking) | wall s | sign-in s | Python peak MB | tree peak MB "
        "| CPU s: sim | CPU s: check + browser | CPU ms per user |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        per_user = (r.sim_cpu_s + r.check_cpu_s) / r.users * 1000
        print(
            f"| {r.users} | {r.rate:.1f} | {r.wall_s:.1f} | {r.sign_in_s:.1f} | "
            f"{r.python_peak_mb:.0f} | {r.tree_peak_mb:.0f} | {r.sim_cpu_s:.1f} | "
            f"{r.check_cpu_s:.1f} | {per_user:.0f} |"
        )
    load = os.getloadavg()
    print(f"\nLoad average at the end (1/5/15 min): {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}")
    small, large = results
    print(
        f"\nRatios: {large.users / small.users:.0f}× the users → peak Python RSS × "
        f"{large.python_peak_mb / small.python_peak_mb:.2f}, whole tree × "
        f"{large.tree_peak_mb / small.tree_peak_mb:.2f}; users/s × {large.rate / small.rate:.2f}."
    )


if __name__ == "__main__":
    main()
