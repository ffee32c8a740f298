"""Shipping the loader's rows to another engine (warehouse/engines/shipping.py), on the Spark target's Parquet files,
which need no server: what a shipment sends, that a repeated one sends nothing, that a file the warehouse no longer
holds is removed, and that a changed table is shipped again whole. PostgreSQL's target is proved against a real
server by tests/test_engines.py."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from warehouse.db import connect
from warehouse.engines.shipping import ship, shipped_tables
from warehouse.engines.spark import SCHEMA_FILE, SparkFilesTarget


@pytest.fixture
def warehouse(tmp_path, template_db):
    path = tmp_path / "w.duckdb"
    shutil.copy(template_db, path)
    con = connect(path)
    con.execute("create schema if not exists reference")
    con.execute("create or replace table reference.ports (port_code varchar, port_name varchar)")
    con.execute("insert into reference.ports values ('2704', 'Los Angeles')")
    yield con
    con.close()


def _add_rows(con, sha: str, rows: int) -> None:
    con.execute(
        "insert into raw.rules (rule_id, _file_sha256, _delivery_date, _row_number, _loaded_at) "
        "select 'R' || i, $sha, date '2025-10-01', i, now() from range($rows) as t(i)",
        {"sha": sha, "rows": rows},
    )


def _parquet_rows(folder) -> int:
    files = [str(p) for p in folder.glob("*.parquet")]
    return duckdb.sql(f"select count(*) from read_parquet({files})").fetchall()[0][0]


def test_ships_each_file_once_and_removes_what_the_warehouse_dropped(warehouse, tmp_path):
    target = SparkFilesTarget(tmp_path / "spark")
    _add_rows(warehouse, "a" * 64, 3)
    _add_rows(warehouse, "b" * 64, 2)

    first = ship(warehouse, target)
    assert first.files_added["raw.rules"] == 2 and first.rows_added["raw.rules"] == 5
    assert "reference.ports" in first.tables_replaced
    rules = target.folder(next(t for t in shipped_tables(warehouse) if t.qualified == "raw.rules"))
    assert _parquet_rows(rules) == 5
    assert (rules / SCHEMA_FILE).exists()
    # Every raw table is shipped, empty ones with their columns only.
    assert (tmp_path / "spark" / "shipped" / "raw" / "seizures" / SCHEMA_FILE).exists()

    assert not ship(warehouse, target).changed  # nothing new: nothing sent

    warehouse.execute("delete from raw.rules where _file_sha256 = $sha", {"sha": "a" * 64})
    _add_rows(warehouse, "c" * 64, 4)
    third = ship(warehouse, target)
    assert third.files_removed == {"raw.rules": 1} and third.files_added == {"raw.rules": 1}
    assert _parquet_rows(rules) == 6
    assert target.shipped_files(next(t for t in shipped_tables(warehouse) if t.qualified == "raw.rules")) == {
        "b" * 64,
        "c" * 64,
    }


def test_reference_is_replaced_when_it_changes_and_tables_again_when_columns_change(warehouse, tmp_path):
    target = SparkFilesTarget(tmp_path / "spark")
    ship(warehouse, target)
    assert not ship(warehouse, target).tables_replaced

    warehouse.execute("insert into reference.ports values ('1001', 'New York')")
    assert ship(warehouse, target).tables_replaced == ["reference.ports"]
    ports = tmp_path / "spark" / "shipped" / "reference" / "ports"
    assert _parquet_rows(ports) == 2

    _add_rows(warehouse, "a" * 64, 1)
    ship(warehouse, target)
    warehouse.execute("alter table raw.rules add column note varchar")
    again = ship(warehouse, target)  # new columns: the engine's copy is rebuilt from every file
    assert again.files_added == {"raw.rules": 1}
    columns = duckdb.sql(f"select * from read_parquet('{ports.parent.parent / 'raw' / 'rules' / SCHEMA_FILE}')")
    assert "note" in columns.columns
