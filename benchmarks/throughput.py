"""Benchmark: generator and loader throughput and peak memory for one day, against plain baselines.

    ./dev bench                      # scales 0.01, 0.1 and 1.0
    ./dev bench --scales 0.01 0.1    # a subset

Each measurement runs in a fresh Python process so its peak resident memory (ru_maxrss) is its own; the generator's
writer process is included in its CPU and peak. `generate_5_days` is five consecutive days in one run (the
population is built once; a day is drawn while the one before is written), its lines are the five days'. Baselines:
- generator: a plain Python loop that builds each entry line as a dict and writes it with csv.DictWriter, measured
  on the same number of lines;
- loader: DuckDB's own `read_csv` into a table with no typing, validation, quarantine or lineage (the floor any
  loader on DuckDB pays), and pandas `read_csv` with every column as text (the common hand-written approach).
Results are printed as a Markdown table and written to benchmarks/results.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

START = "2025-10-01"
SEED = 11


def _clock() -> tuple[float, float]:
    """Wall and CPU (user + system) seconds: the machine is shared, so CPU time is the steadier figure."""
    import resource
    import time

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return time.perf_counter(), usage.ru_utime + usage.ru_stime


def _child(task: str, scale: float, workdir: Path) -> dict:
    """Run one measurement in this (fresh) process; returns seconds, rows and peak RSS in MiB."""
    import resource
    import time
    from datetime import date

    import duckdb
    import pandas as pd

    from warehouse.db import connect
    from warehouse.generator import generate
    from warehouse.loading import ensure_schema, load_partition

    # Everything is imported before the clock starts: an import is a one-off per process, not a per-day cost.
    landing = workdir / "landing"
    day = date.fromisoformat(START)
    started, cpu_started = _clock()
    rows = 0
    if task in ("generate", "generate_5_days"):
        days = 5 if task == "generate_5_days" else 1
        out = landing if days == 1 else workdir / "landing_5_days"  # the loader tasks read the 1-day landing
        summary = generate(out, start=day, days=days, scale=scale, seed=SEED, fmt="csv", dirt_rate=0.0)
        rows = summary.to_dict()["rows"]["entries"]
    elif task == "generate_baseline":
        rows = _baseline_generate(workdir / "baseline.csv", _entry_lines(landing))
    elif task == "load":
        con = connect(workdir / "bench.duckdb")
        ensure_schema(con)
        started, cpu_started = _clock()  # schema and reference set-up are a one-off, not per-day cost
        result = load_partition(con, landing, "entries", day, workdir / "quarantine")
        rows = result.rows_read
    elif task == "load_duckdb_plain":
        con = duckdb.connect(str(workdir / "plain.duckdb"))
        con.execute("set enable_progress_bar = false")
        started, cpu_started = _clock()
        files = [str(p) for p in sorted((landing / "entries" / START).iterdir())]
        con.execute("create or replace table t as select * from read_csv(?, all_varchar = true)", [files])
        rows = con.execute("select count(*) from t").fetchone()[0]
    elif task == "load_pandas":
        frames = [
            pd.read_csv(p, dtype=str, keep_default_na=False) for p in sorted((landing / "entries" / START).iterdir())
        ]
        rows = sum(len(f) for f in frames)
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime - cpu_started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if task.startswith("generate"):
        # Big runs deliver in a forked writer process: its CPU counts, and its peak is added to this one's (an
        # upper bound: the population's pages are shared copy-on-write and counted twice).
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu += children.ru_utime + children.ru_stime
        peak_mib += children.ru_maxrss / 1024
    return {"task": task, "scale": scale, "rows": rows, "seconds": seconds, "cpu": cpu, "peak_mib": peak_mib}


def _entry_lines(landing: Path) -> int:
    folder = landing / "entries" / START
    return sum(sum(1 for _ in p.open(encoding="utf-8")) - 1 for p in folder.iterdir())


def _baseline_generate(path: Path, lines: int) -> int:
    """The plain approach: one Python dict per line from `random`, written by csv.DictWriter."""
    import csv
    import random

    from warehouse.contract import FEEDS
    from warehouse.contract.identifiers import make_entry_number

    rng = random.Random(SEED)
    columns = FEEDS["entries"].column_names
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for i in range(lines):
            value = round(rng.lognormvariate(8, 1.5), 2)
            rate = rng.choice([0.0, 0.025, 0.05, 0.12])
            writer.writerow(
                {
                    "entry_number": make_entry_number("ABC", i // 3),
                    "entry_version": 1,
                    "entry_type": "01",
                    "filer_code": "ABC",
                    "importer_number": f"{rng.randrange(10**6):06d}-{rng.randrange(10**5):05d}",
                    "port_code": "2704",
                    "mode_of_transport": "11",
                    "country_of_export": "CN",
                    "manufacturer_id": "CNACME123",
                    "arrival_date": START,
                    "filed_at": f"{START}T10:00:00Z",
                    "line_number": i % 3 + 1,
                    "hts_code": "6403991000",
                    "country_of_origin": "CN",
                    "quantity": rng.randrange(1, 1000),
                    "unit": "PRS",
                    "entered_value_usd": value,
                    "duty_rate": rate,
                    "duty_usd": round(value * rate, 2),
                    "mpf_usd": round(value * 0.003464, 2),
                    "hmf_usd": round(value * 0.00125, 2),
                }
            )
    return lines


def measure(task: str, scale: float, workdir: Path) -> dict:
    code = (
        "import json, sys; from pathlib import Path; sys.path.insert(0, '.');"
        "from benchmarks.throughput import _child;"
        f"print(json.dumps(_child({task!r}, {scale!r}, Path({str(workdir)!r}))))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=float, nargs="+", default=[0.01, 0.1, 1.0])
    parser.add_argument("--out", default=str(Path(__file__).with_name("results.md")))
    args = parser.parse_args()
    rows = []
    for scale in args.scales:
        with tempfile.TemporaryDirectory(prefix="tradewh-bench-") as tmp:
            workdir = Path(tmp)
            tasks = ("generate", "generate_5_days", "generate_baseline", "load", "load_duckdb_plain", "load_pandas")
            for task in tasks:
                result = measure(task, scale, workdir)
                rate = result["rows"] / result["seconds"] if result["seconds"] else float("inf")
                rows.append(
                    f"| {scale:g} | {task} | {result['rows']:,} | {result['seconds']:.2f} | {result['cpu']:.2f} "
                    f"| {rate:,.0f} | {result['peak_mib']:.0f} |"
                )
                print(rows[-1], flush=True)
    table = "\n".join(
        [
            "| scale | task | entry lines | wall s | CPU s | lines/s (wall) | peak MiB |",
            "| --- | --- | --- | --- | --- | --- | --- |",
            *rows,
        ]
    )
    generated = (
        "# Benchmark results (one delivery day of entry lines, CSV)\n\n"
        "Produced by `./dev bench` (benchmarks/throughput.py) on a 2-core machine; see the script's docstring for "
        f"what the baselines are. Load average at the start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores.\n\n"
        + table
        + "\n"
    )
    write_results(Path(args.out), generated)
    print(f"\nwrote {args.out}")


def write_results(path: Path, generated: str) -> None:
    """Write the generated part (title and table) to `path`, keeping every `## ` section already in the file: those
    are measurements written by hand (A/B runs of old and new code) that one run of this script cannot redo."""
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    start = old.find("\n## ")
    kept = old[start:] if start >= 0 else ""
    path.write_text(generated + kept, encoding="utf-8")


if __name__ == "__main__":
    main()
