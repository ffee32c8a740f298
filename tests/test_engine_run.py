"""`tradewh run --engine postgres|spark` from a landing folder to published marts, checks, risk and measures
(issue 18), compared with the same landing run on DuckDB.

The engine run starts from a copy of the DuckDB run's warehouse with its marts dropped: the loader then loads
nothing new (the same files, the same load times), so every mart the engine builds and the run extracts must equal
DuckDB's exactly, and the risk and measures computed from them must be the same numbers. The engine holds the whole
warehouse at the end: its marts, and the platform's tables written back equal to the warehouse file's."""

from __future__ import annotations

import math
import os
import shutil
from datetime import date
from pathlib import Path

import dagster as dg
import psycopg2
import pytest
from engine_marts import differences, duckdb_marts, postgres_marts, spark_marts
from engine_servers import spark_folder

from orchestration.runner import run_platform
from tradewh.cli import main
from warehouse.db import connect
from warehouse.engines.settings import POSTGRES_URL_ENV, engine_for
from warehouse.engines.write_back import written_back_tables
from warehouse.generator import generate

pytestmark = pytest.mark.slow

# Tables whose rows record when or by which run they were made, not what was computed; and the columns that stamp
# a computed row with the time it was computed.
RUN_RECORDS = {"risk.model_runs", "ops.load_log", "ops.quality_results"}
STAMPS = ("resolved_at", "scored_at", "evaluated_at", "trained_at")


@pytest.fixture(scope="module")
def duckdb_run(tmp_path_factory):
    """The landing and the warehouse file of a plain DuckDB run over it."""
    root = tmp_path_factory.mktemp("engine_run")
    landing = root / "landing"
    generate(landing, start=date(2025, 10, 1), days=4, scale=0.01, seed=18, fmt="csv")
    warehouse = root / "duckdb" / "wh.duckdb"
    warehouse.parent.mkdir()
    os.environ.setdefault("DAGSTER_HOME", str(root / "dagster"))
    assert run_platform(warehouse, landing, log=lambda _: None).success
    return landing, warehouse


def _engine_copy(duckdb_warehouse: Path, folder: Path) -> Path:
    """The DuckDB run's warehouse without its marts, which the engine run must bring back."""
    folder.mkdir()
    warehouse = folder / "wh.duckdb"
    shutil.copy(duckdb_warehouse, warehouse)
    with connect(warehouse) as con:
        con.execute("drop schema marts cascade")
    return warehouse


def _tables(warehouse: Path, names: list[str]) -> dict[str, list[tuple]]:
    """Each table's rows, sorted, without the columns that stamp when they were computed."""
    tables = {}
    with connect(warehouse, read_only=True) as con:
        for name in names:
            columns = [d[0] for d in con.execute(f"select * from {name} limit 0").description]
            kept = ", ".join(f'"{c}"' for c in columns if c not in STAMPS)
            rows = con.execute(f"select {kept} from {name}").fetchall()
            tables[name] = sorted(rows, key=lambda row: repr([round(v, 6) if isinstance(v, float) else v for v in row]))
    return tables


def _same(expected, actual) -> bool:
    """Equal values, doubles to 1e-9 relative (sums of floats in another order differ in the last bits)."""
    if isinstance(expected, float) and isinstance(actual, float):
        return math.isclose(expected, actual, rel_tol=1e-9, abs_tol=1e-12) or (
            math.isnan(expected) and math.isnan(actual)
        )
    if isinstance(expected, (list, tuple)) and isinstance(actual, (list, tuple)):
        return len(expected) == len(actual) and all(_same(e, a) for e, a in zip(expected, actual, strict=True))
    return expected == actual


def _assert_same_results(duckdb_warehouse: Path, engine_warehouse: Path) -> list[str]:
    """Risk and measures computed from the engine's marts equal those computed from DuckDB's; the tables compared."""
    with connect(duckdb_warehouse, read_only=True) as con:
        names = sorted(set(written_back_tables(con)) - RUN_RECORDS)
    expected, actual = _tables(duckdb_warehouse, names), _tables(engine_warehouse, names)
    for name in names:
        assert len(expected[name]) == len(actual[name]), name
        assert all(_same(e, a) for e, a in zip(expected[name], actual[name], strict=True)), name
    return names


def _validated_in(run_id: str) -> set[str]:
    """Where the warehouse run's mart suites ran, from their check results."""
    instance = dg.DagsterInstance.get()
    records = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION).records
    evaluations = [r.event_log_entry.dagster_event.event_specific_data for r in records]
    suites = [e for e in evaluations if e.asset_key.path[0] == "marts" and e.check_name in ("errors", "warnings")]
    assert len(suites) >= 2 * 17  # both checks of every mart's suite
    return {str(e.metadata["validated_in"].value) for e in suites}


def test_tradewh_run_on_postgres(duckdb_run, postgres_url, tmp_path, monkeypatch, capsys):
    landing, duckdb_warehouse = duckdb_run
    warehouse = _engine_copy(duckdb_warehouse, tmp_path / "postgres")
    monkeypatch.setenv(POSTGRES_URL_ENV, postgres_url)
    arguments = ["run", "--warehouse", str(warehouse), "--landing", str(landing), "--engine", "postgres"]
    assert main(arguments) == 0
    assert "building the marts on postgres" in capsys.readouterr().out

    expected = duckdb_marts(duckdb_warehouse)
    assert differences(expected, duckdb_marts(warehouse)) == []  # the extract the run made
    assert differences(expected, postgres_marts(postgres_url)) == []  # the engine itself
    compared = _assert_same_results(duckdb_warehouse, warehouse)
    assert "metrics.compliance_rate" in compared and "risk.account_scores" in compared

    # The engine holds what the run computed: every written-back table, row for row.
    with connect(warehouse, read_only=True) as con:
        tables = written_back_tables(con)
    with psycopg2.connect(postgres_url) as pg, pg.cursor() as cur:
        for name in tables:
            cur.execute(f"select count(*) from {name}")
            with connect(warehouse, read_only=True) as con:
                assert cur.fetchone()[0] == con.execute(f"select count(*) from {name}").fetchall()[0][0], name

    # Analysts on the server read the published, masked schema: the same values as the DuckDB analyst copy.
    with psycopg2.connect(postgres_url) as pg, pg.cursor() as cur:
        cur.execute("select importer_number, legal_name from analyst.dim_importers")
        on_server = sorted(cur.fetchall())
    with connect(warehouse.with_name("wh.analyst.duckdb"), read_only=True) as con:
        in_copy = sorted(con.execute("select importer_number, legal_name from marts.dim_importers").fetchall())
    assert on_server == in_copy and on_server[0][0].startswith("h") and on_server[0][1] is None

    # The mart suites ran on the server, not on the extract.
    instance = dg.DagsterInstance.get()
    run = next(r for r in instance.get_runs() if r.job_name == "warehouse_job")  # the newest
    assert _validated_in(run.run_id) == {f"postgres: {engine_for(warehouse, 'postgres').location}"}

    # The same landing on the same engine again: nothing to do. On another engine it is not the same run.
    assert main(arguments) == 0
    assert "nothing new since the last successful run" in capsys.readouterr().out


def test_tradewh_run_on_spark(duckdb_run, tmp_path, monkeypatch):
    spark = spark_folder(tmp_path, "`tradewh run --engine spark` (about 7 minutes)", level=2)
    landing, duckdb_warehouse = duckdb_run
    warehouse = _engine_copy(duckdb_warehouse, tmp_path / "spark-run")
    monkeypatch.setenv("TRADEWH_SPARK_WAREHOUSE", str(spark))
    assert main(["run", "--warehouse", str(warehouse), "--landing", str(landing), "--engine", "spark"]) == 0

    assert differences(duckdb_marts(duckdb_warehouse), duckdb_marts(warehouse)) == []
    _assert_same_results(duckdb_warehouse, warehouse)
    # The written-back tables are registered in Spark's metastore over their Parquet files, with every row.
    with connect(warehouse, read_only=True) as con:
        tables = written_back_tables(con)
        counts = {name: con.execute(f"select count(*) from {name}").fetchall()[0][0] for name in tables}
    in_spark = {}
    for schema in ("risk", "metrics", "ops"):
        in_spark |= {f"{schema}.{table}": len(rows) for table, rows in spark_marts(spark, tmp_path, schema).items()}
    assert in_spark == counts
