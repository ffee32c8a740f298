"""A generated, loaded and dbt-built warehouse for the downstream (risk, metrics, report) tests.

`build_generated_warehouse` runs the real generator, the real loader and a real `dbt build` (tests/dbt_runner.py;
no Dagster: the orchestration tests cover that path). The conftest fixture `generated_warehouse` builds it once per
test session; tests that write to it must work on a copy (`copy_warehouse`).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import dagster as dg
from dbt_runner import DbtRunner

from orchestration.resources import WarehouseResource
from warehouse.contract import FEEDS
from warehouse.db import connect
from warehouse.generator import generate
from warehouse.loading import discover, ensure_schema, load_partitions
from warehouse.reference import load_reference

# Six months at a small scale, FY2025 Q4 and FY2026 Q1 (Jul - Dec 2025; ~380k lines, ~24k exams): enough exams for
# a time-split model evaluation and enough random-sample lines per quarter for interval estimates. ~80 s to build.
START = date(2025, 7, 1)
DAYS = 184
SCALE = 0.01
SEED = 20250701


@dataclass(frozen=True)
class GeneratedWarehouse:
    warehouse: Path  # the built DuckDB file (treat as read-only; copy before writing)
    landing: Path  # the generated feeds
    truth: Path  # landing/truth: the generator's ground truth (Parquet)
    start: date
    days: int
    scale: float
    seed: int


def build_generated_warehouse(
    root: Path,
    start: date = START,
    days: int = DAYS,
    scale: float = SCALE,
    seed: int = SEED,
    dirt_rate: float = 0.0,
    dbt: DbtRunner | None = None,
) -> GeneratedWarehouse:
    """Generate `days` of feeds into root/landing, load them into root/warehouse.duckdb and `dbt build` it. Tests
    pass the session's runner (the conftest fixture `dbt`, whose parse later commands reuse); a script may leave it
    out and get a runner of its own in root/dbt."""
    landing = root / "landing"
    generate(landing, start=start, days=days, scale=scale, seed=seed, fmt="csv", dirt_rate=dirt_rate)
    warehouse = root / "warehouse.duckdb"
    con = connect(warehouse)
    try:
        ensure_schema(con)
        load_reference(con)
        found = discover(landing)
        for feed in FEEDS:
            if found.get(feed):
                load_partitions(con, landing, feed, sorted(found[feed]), root / "quarantine")
    finally:
        con.close()
    failures = (dbt or DbtRunner(root / "dbt"))(warehouse, "build").failures
    if failures:
        raise RuntimeError("dbt build failed on the generated warehouse:\n" + "\n".join(failures))
    return GeneratedWarehouse(warehouse, landing, landing / "truth", start, days, scale, seed)


def copy_warehouse(built: GeneratedWarehouse, folder: Path) -> Path:
    """A private copy of the built warehouse file, for tests that write to it."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "warehouse.duckdb"
    shutil.copyfile(built.warehouse, target)
    return target


def materialised_copy(built: GeneratedWarehouse, folder: Path, assets: list) -> Path:
    """A private copy of the built warehouse with `assets` materialised on it by Dagster; the run must succeed."""
    path = copy_warehouse(built, folder)
    result = dg.materialize(assets, resources={"warehouse": WarehouseResource(path=str(path))})
    assert result.success
    return path
