"""Every metric table (and the risk model evaluation, when present) exported as CSV and Parquet with DuckDB COPY,
so analysts outside the warehouse get exactly the numbers the report shows.

The report reads a sealed copy that may not write files (warehouse/access/sealed.py): rows are read there as Arrow
and written by a separate in-memory DuckDB, which holds nothing but them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from warehouse.report.source import tables_in

# Tables outside schema `metrics` that the report shows and exports when they exist.
EXTRA_TABLES = (("risk", "model_evaluation"),)


@dataclass(frozen=True)
class Export:
    schema: str
    table: str
    rows: int
    csv: Path
    parquet: Path


def exported_tables(con) -> list[tuple[str, str]]:
    found = [("metrics", t) for t in tables_in(con, "metrics")]
    for schema, table in EXTRA_TABLES:
        if table in tables_in(con, schema):
            found.append((schema, table))
    return found


def export_tables(con, folder: Path) -> list[Export]:
    """Write <folder>/<table>.csv and .parquet for each table; rows ordered so the files are the same for the same
    data. A risk table keeps its schema in the file name (`risk.model_evaluation.csv`) so it never shadows a metric
    table of the same name."""
    folder.mkdir(parents=True, exist_ok=True)
    # Exports of an earlier build whose table is gone would sit there looking current: the folder is the report's own.
    for old in [*folder.glob("*.csv"), *folder.glob("*.parquet")]:
        old.unlink()
    done = []
    with duckdb.connect() as writer:
        writer.execute("set TimeZone = 'UTC'")  # as the warehouse's sessions: timestamps print the same
        for schema, table in exported_tables(con):
            stem = table if schema == "metrics" else f"{schema}.{table}"
            csv, parquet = folder / f"{stem}.csv", folder / f"{stem}.parquet"
            rows = con.sql(f'select * from "{schema}"."{table}" order by all').to_arrow_table()
            writer.register("export_rows", rows)
            writer.execute(f"copy export_rows to '{_quoted(csv)}' (format csv, header true)").fetchall()
            writer.execute(f"copy export_rows to '{_quoted(parquet)}' (format parquet)").fetchall()
            writer.unregister("export_rows")
            done.append(Export(schema, table, rows.num_rows, csv, parquet))
    return done


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")
