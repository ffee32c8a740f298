"""Loader A/B on one delivery day: two code trees alternated on the same files, with DuckDB's bare `read_csv`.

    .venv/bin/tradewh generate --out /tmp/loadbench --start 2024-01-05 --days 1 --scale 1.0 --seed 0
    git archive <rev> warehouse | tar -x -C /tmp/old        # the tree to compare with
    .venv/bin/python -m benchmarks.loader_ab /tmp/loadbench 2024-01-05 --old /tmp/old --runs 3

The machine is shared, so the runs are interleaved (old, new, plain; repeated) and both wall and CPU (user +
system of the process, every DuckDB thread included) seconds are given, with their medians. Each run is a fresh
process loading the day's `entries` partition into a fresh DuckDB file with `load_partition`; the schema and the
reference data are set up before the clock starts. `plain` is DuckDB's own `read_csv(all_varchar = true)` of the
day's distinct files into a persistent table: no typing, checks, quarantine or lineage.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

_RUN = """
import hashlib, json, resource, sys, time
from datetime import date
from pathlib import Path

def clock():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return time.perf_counter(), usage.ru_utime + usage.ru_stime

landing, day, work, task = Path(sys.argv[1]), date.fromisoformat(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]
if task == "plain":
    import duckdb
    seen, files = set(), []
    for path in sorted((landing / "entries" / day.isoformat()).iterdir()):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest not in seen:
            seen.add(digest)
            files.append(str(path))
    con = duckdb.connect(str(work / "plain.duckdb"))
    con.execute("set enable_progress_bar = false")
    wall, cpu = clock()
    con.execute("create table t as select * from read_csv(?, all_varchar = true)", [files])
    rows = con.execute("select count(*) from t").fetchone()[0]
else:
    from warehouse.db import connect
    from warehouse.loading import ensure_schema, load_partition

    con = connect(work / "load.duckdb")
    ensure_schema(con)
    con.execute("checkpoint")
    wall, cpu = clock()
    rows = load_partition(con, landing, "entries", day, work / "quarantine").rows_read
con.close()
wall_end, cpu_end = clock()
print(json.dumps({"rows": rows, "wall": wall_end - wall, "cpu": cpu_end - cpu}))
"""


def _run(task: str, code: Path, landing: Path, day: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="tw-ab-") as work:
        env = dict(os.environ, PYTHONPATH=str(code))
        out = subprocess.run(
            [sys.executable, "-c", _RUN, str(landing), day, work, task],
            check=True,
            capture_output=True,
            text=True,
            env=env,
        ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("landing", type=Path)
    parser.add_argument("day")
    parser.add_argument("--old", type=Path, required=True, help="a code tree holding the old `warehouse` package")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    new = Path(__file__).resolve().parents[1]
    results: dict[str, list[dict]] = {"old": [], "new": [], "plain": []}
    for _ in range(args.runs):
        load = os.getloadavg()[0]
        for task, code in (("old", args.old), ("new", new), ("plain", new)):
            result = _run("plain" if task == "plain" else "load", code, args.landing, args.day) | {"load": load}
            results[task].append(result)
            print(f"{task}: {result}", flush=True)
    print("\n| code | entry lines | wall s (median; runs) | CPU s (median; runs) | lines/s (median wall) |")
    print("| --- | --- | --- | --- | --- |")
    for task, runs in results.items():
        wall = statistics.median(r["wall"] for r in runs)
        cpu = statistics.median(r["cpu"] for r in runs)
        walls = ", ".join(f"{r['wall']:.2f}" for r in runs)
        cpus = ", ".join(f"{r['cpu']:.2f}" for r in runs)
        rate = runs[0]["rows"] / wall
        print(f"| {task} | {runs[0]['rows']:,} | {wall:.2f} ({walls}) | {cpu:.2f} ({cpus}) | {rate:,.0f} |")
    loads = ", ".join(f"{r['load']:.1f}" for r in results["old"])
    print(f"\nload average at the start of each round: {loads}")


if __name__ == "__main__":
    main()
