"""Benchmark: the whole platform (`tradewh run`) on generated days, from an empty warehouse to the analyst copy.

    .venv/bin/python benchmarks/run_day.py --scale 0.5 --days 1     # the edge-case matrix's benchmark-tier day
    .venv/bin/python benchmarks/run_day.py --scale 0.01 --days 3 --keep /tmp/run_day
    .venv/bin/python benchmarks/run_day.py --scale 0.01 --days 30 --reruns 3     # then the no-op re-run, 3 times
    ./dev bench --year      # 365 days at scale 1.0 (about 157 GiB of disk: refused when there is less)

`tradewh run` runs in a child process, so wall time, CPU (user + system, every process it starts: dbt included) and
peak resident memory are its own; the generator is timed apart. The slowest Dagster steps come from the run's event
log in $DAGSTER_HOME. Prints a Markdown summary; paste it into benchmarks/results.md with the machine's load.
Needs GNU time (`/usr/bin/time`, Debian package `time`).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path

BIN = Path(sys.executable).parent
STEPS_SHOWN = 12
# Disk one full-scale day takes (measured, one day at scale 1.0): 0.09 GiB of landing files, 0.11 GiB in the
# warehouse and as much again in each published copy.
GIB_PER_FULL_DAY = 0.43


def _timed(command: list[str], env: dict[str, str]) -> tuple[int, float, float, float, str]:
    """(rc, wall s, CPU s, peak RSS MiB, its output) of one child command and everything it starts. GNU
    time reports the peak of the largest process; a parent's own getrusage would mix earlier children in."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        timed = ["/usr/bin/time", "-o", report.name, "-f", "%e %U %S %M", *command]
        proc = subprocess.run(timed, env=env, capture_output=True, text=True, check=False)
        wall, user, system, peak_kib = (float(x) for x in report.read().split()[-4:])
    return proc.returncode, wall, user + system, peak_kib / 1024, proc.stdout + proc.stderr


def _tail(output: str, lines: int = 40) -> str:
    return "\n".join(output.strip().splitlines()[-lines:])


def _slowest_steps(dagster_home: Path, since: datetime | None = None) -> list[tuple[float, str]]:
    """Wall seconds of every step of every run recorded in `dagster_home` (with `since`, of the steps that started
    after it, in the event log's clock: naive UTC), slowest first."""
    steps: list[tuple[float, str]] = []
    for db in sorted((dagster_home / "history" / "runs").glob("*.db")):
        if db.name == "index.db":
            continue
        with sqlite3.connect(db) as con:
            rows = con.execute(
                "select timestamp, dagster_event_type, step_key from event_logs "
                "where dagster_event_type in ('STEP_START', 'STEP_SUCCESS', 'STEP_FAILURE') order by id"
            ).fetchall()
        started: dict[str, datetime] = {}
        for stamp, kind, step in rows:
            moment = datetime.fromisoformat(stamp)
            if kind == "STEP_START":
                if since is None or moment >= since:
                    started[step] = moment
            elif step in started:
                steps.append(((moment - started.pop(step)).total_seconds(), step))
    return sorted(steps, reverse=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.5)
    parser.add_argument("--days", type=int, default=1)
    parser.add_argument("--start", default="2025-10-01")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--keep", help="work in this folder and keep it (default: a temporary folder, removed)")
    parser.add_argument("--reruns", type=int, default=0, help="then run again this many times with nothing new")
    args = parser.parse_args()

    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="run_day_"))
    root.mkdir(parents=True, exist_ok=True)
    needed = args.days * args.scale * GIB_PER_FULL_DAY
    free = shutil.disk_usage(root).free / 2**30
    if needed > free:
        print(
            f"{args.days} days at scale {args.scale} need about {needed:,.0f} GiB in {root} (landing, warehouse and "
            f"both published copies, {GIB_PER_FULL_DAY} GiB per full-scale day); {free:,.0f} GiB free: not started"
        )
        return 3
    landing, warehouse, home = root / "landing", root / "warehouse.duckdb", root / "dagster"
    env = {**os.environ, "DAGSTER_HOME": str(home), "DBT_SEND_ANONYMOUS_USAGE_STATS": "False"}
    env["GX_ANALYTICS_ENABLED"] = "False"
    try:
        generate = [str(BIN / "tradewh"), "generate", "--out", str(landing), "--start", args.start]
        generate += ["--days", str(args.days), "--scale", str(args.scale), "--seed", str(args.seed)]
        rc, gen_wall, gen_cpu, _, tail = _timed(generate, env)
        if rc:
            print(_tail(tail))
            return rc
        shutil.rmtree(landing / "truth", ignore_errors=True)
        lines = sum(1 for p in (landing / "entries").rglob("*.csv") for _ in p.open(encoding="utf-8")) - sum(
            1 for _ in (landing / "entries").rglob("*.csv")
        )
        run = [str(BIN / "tradewh"), "run", "--landing", str(landing), "--warehouse", str(warehouse)]
        load_before = os.getloadavg()[0]
        rc, wall, cpu, rss, tail = _timed(run, env)
        print(f"## `tradewh run`, {args.days} day(s) at scale {args.scale} ({lines:,} entry lines), empty warehouse\n")
        print(f"load average before the run: {load_before:.1f}; generator: {gen_wall:.1f} s wall, {gen_cpu:.1f} s CPU")
        print()
        print("| rc | wall s | CPU s | peak RSS MiB |\n| --- | --- | --- | --- |")
        print(f"| {rc} | {wall:.1f} | {cpu:.1f} | {rss:,.0f} |\n")
        print("Slowest steps (wall s):\n")
        for seconds, step in _slowest_steps(home)[:STEPS_SHOWN]:
            print(f"- {step}: {seconds:.1f}")
        if rc:
            print("\n```\n" + _tail(tail) + "\n```")
            return rc
        if args.reruns:
            print("\nThe same `tradewh run` again, nothing new in the landing folder (the no-op re-run):\n")
            print("| re-run | rc | wall s | CPU s | peak RSS MiB | skipped |\n| --- | --- | --- | --- | --- | --- |")
        for number in range(1, args.reruns + 1):
            rc, wall, cpu, rss, tail = _timed(run, env)
            skipped = "nothing new since the last successful run" in tail
            print(f"| {number} | {rc} | {wall:.1f} | {cpu:.1f} | {rss:,.0f} | {'yes' if skipped else 'no'} |")
        return rc
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
