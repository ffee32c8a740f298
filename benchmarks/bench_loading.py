"""Loader throughput on a synthetic day of entry lines (not a test: run it by hand).

    .venv/bin/python benchmarks/bench_loading.py [lines] [dirt_rate]
    .venv/bin/python benchmarks/bench_loading.py landing <landing folder> [by-day]


Writes one CSV of valid entry lines (about 2.5 lines per entry, a few percent of rows broken when dirt_rate > 0),
loads it into a fresh DuckDB file with `load_partition`, and prints lines per second. Schema and reference set-up
are done before the clock starts: they are a one-off, not a per-day cost. Baseline: DuckDB's own all-text
`read_csv` into a table of the same file (no typing, checks, quarantine or lineage).

`landing`: every feed of a landing folder (e.g. `warehouse.generator.generate(out, days=30, scale=0.01)`) into a
fresh DuckDB file, one `load_partitions` call per feed (or, with `by-day`, one `load_partition` call per day);
prints seconds and files per second per feed.
"""

from __future__ import annotations

import csv
import random
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from warehouse.contract import FEEDS
from warehouse.contract.identifiers import make_entry_number

DAY = date(2025, 10, 1)


def write_entries(path: Path, lines: int, dirt_rate: float, seed: int = 7) -> int:
    rng = random.Random(seed)
    columns = FEEDS["entries"].column_names
    ports = ["2704", "0401", "1001", "5301", "3901"]
    countries = ["CN", "MX", "VN", "DE", "NA", "JP"]
    path.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    serial = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        while written < lines:
            serial += 1
            mode = rng.choice(["11", "40", "30"])
            header = {
                "entry_number": make_entry_number("ABC", serial),
                "entry_version": "1",
                "entry_type": "01",
                "filer_code": "ABC",
                "importer_number": f"{rng.randrange(10**6):06d}-{rng.randrange(10**5):05d}",
                "port_code": rng.choice(ports),
                "mode_of_transport": mode,
                "country_of_export": rng.choice(countries),
                "manufacturer_id": "CNACME123",
                "bill_of_lading": f"BOL{serial}",
                "arrival_date": "2025-09-29",
                "filed_at": "2025-09-30T10:00:00Z",
                "released_at": "2025-10-01T08:00:00-05:00",
            }
            for line in range(1, rng.choice([1, 2, 3, 4]) + 1):
                value = round(rng.lognormvariate(8, 1.5), 2)
                rate = rng.choice([0.0, 0.025, 0.05, 0.12])
                row = header | {
                    "line_number": str(line),
                    "hts_code": rng.choice(["6403991000", "0101210000", "8471300100", "6109100012"]),
                    "description": "goods, assorted",
                    "country_of_origin": rng.choice(countries),
                    "quantity": str(rng.randrange(1, 1000)),
                    "unit": "PRS",
                    "gross_weight_kg": f"{rng.uniform(1, 5000):.3f}",
                    "entered_value_usd": f"{value:.2f}",
                    "duty_rate": str(rate),
                    "duty_usd": f"{value * rate:.2f}",
                    "mpf_usd": f"{value * 0.003464:.2f}",
                    "hmf_usd": f"{value * 0.00125:.2f}" if mode == "11" else "0.00",
                    "related_party": rng.choice(["true", "false", ""]),
                }
                if rng.random() < dirt_rate:
                    row[rng.choice(["port_code", "quantity", "filed_at", "hts_code"])] = "??"
                writer.writerow([row.get(c, "") for c in columns])
                written += 1
    return written


def main(lines: int = 200_000, dirt_rate: float = 0.0) -> None:
    import duckdb

    from warehouse.db import connect
    from warehouse.loading import ensure_schema, load_partition, reconcile

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        path = root / "landing" / "entries" / DAY.isoformat() / "entries.csv"
        write_entries(path, lines, dirt_rate)
        con = connect(root / "bench.duckdb")
        ensure_schema(con)
        started = time.perf_counter()
        result = load_partition(con, root / "landing", "entries", DAY, root / "quarantine")
        seconds = time.perf_counter() - started
        assert reconcile(con) == []
        con.close()
        print(
            f"loader: {result.rows_read} lines in {seconds:.2f} s = {result.rows_read / seconds:,.0f} lines/s "
            f"({result.rows_loaded} loaded, {result.rows_quarantined} quarantined, {result.rows_warned} warned)"
        )
        plain = duckdb.connect(str(root / "plain.duckdb"))
        started = time.perf_counter()
        plain.execute("create table t as select * from read_csv(?, all_varchar = true)", [str(path)])
        seconds = time.perf_counter() - started
        print(f"baseline (DuckDB all-text read_csv): {lines / seconds:,.0f} lines/s")


def main_landing(landing: Path, by_day: bool = False) -> None:
    from warehouse.db import connect
    from warehouse.loading import discover, ensure_schema, load_partition, load_partitions, reconcile

    found = discover(landing)
    with tempfile.TemporaryDirectory() as tmp:
        con = connect(Path(tmp) / "bench.duckdb")
        ensure_schema(con)
        total_seconds, total_files = 0.0, 0
        for feed in FEEDS:
            days = found.get(feed, [])
            started = time.perf_counter()
            if by_day:
                results = [load_partition(con, landing, feed, day, Path(tmp) / "quarantine") for day in days]
            else:
                results = load_partitions(con, landing, feed, days, Path(tmp) / "quarantine")
            seconds = time.perf_counter() - started
            files = sum(r.files_seen for r in results)
            total_seconds += seconds
            total_files += files
            rows = sum(r.rows_read for r in results)
            print(f"{feed:14} {seconds:7.2f} s {files:6} files {files / max(seconds, 1e-9):7.1f} files/s {rows:9} rows")
        print(f"total {total_seconds:.2f} s, {total_files} files, {total_files / total_seconds:.1f} files/s")
        assert reconcile(con) == []
        con.close()


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "landing":
        main_landing(Path(sys.argv[2]), by_day=sys.argv[3:] == ["by-day"])
        sys.exit()
    main(*(int(sys.argv[1]),) if len(sys.argv) > 1 else (), *(float(sys.argv[2]),) if len(sys.argv) > 2 else ())
