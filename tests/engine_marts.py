"""Reading every mart of an engine as comparable rows, for the cross-engine test (tests/test_engines.py).

Each value becomes text in one canonical form (decimals as their digits, points in time as naive UTC), so DuckDB,
PostgreSQL and Spark compare exactly: equal, not approximately."""

from __future__ import annotations

import datetime
import json
import subprocess
import sys
from pathlib import Path

import psycopg2

from warehouse.db import connect

Marts = dict[str, list[tuple]]  # table -> sorted rows of (column, value-as-text) pairs


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        value = value.astimezone(datetime.UTC).replace(tzinfo=None)
    return str(value)


def _rows(columns: list[str], rows) -> list[tuple]:
    named = [tuple(sorted(zip(columns, (_text(v) for v in row), strict=True))) for row in rows]
    return sorted(named, key=repr)


def duckdb_marts(warehouse: Path) -> Marts:
    con = connect(warehouse, read_only=True)
    try:
        tables = con.execute("select table_name from information_schema.tables where table_schema = 'marts'")
        marts = {}
        for (name,) in tables.fetchall():
            result = con.execute(f"select * from marts.{name}")
            marts[name] = _rows([d[0] for d in result.description], result.fetchall())
        return marts
    finally:
        con.close()


def postgres_marts(url: str) -> Marts:
    with psycopg2.connect(url) as con, con.cursor() as cur:
        cur.execute("select table_name from information_schema.tables where table_schema = 'marts'")
        marts = {}
        for (name,) in cur.fetchall():
            cur.execute(f"select * from marts.{name}")
            marts[name] = _rows([d[0] for d in cur.description], cur.fetchall())
        return marts


def spark_marts(spark_warehouse: Path, scratch: Path, schema: str = "marts") -> Marts:
    """Every table of `schema` (the marts by default), read in a child process: the metastore admits one JVM, and
    dbt's next build needs it."""
    out = scratch / f"spark_{schema}.jsonl"
    command = [sys.executable, "-m", "warehouse.engines.spark_session", "dump", str(spark_warehouse), schema, str(out)]
    subprocess.run(command, check=True, capture_output=True, timeout=600)
    marts = {}
    for line in out.read_text().splitlines():
        table = json.loads(line)
        marts[table["table"]] = sorted(
            (tuple(sorted(zip(table["columns"], row, strict=True))) for row in table["rows"]), key=repr
        )
    return marts


def differences(expected: Marts, actual: Marts) -> list[str]:
    """What differs, a line per table: missing tables, row counts, and the first differing row."""
    found = []
    for name in sorted(expected.keys() | actual.keys()):
        if name not in actual or name not in expected:
            found.append(f"{name}: only in {'DuckDB' if name in expected else 'the engine'}")
            continue
        mine, theirs = expected[name], actual[name]
        if mine != theirs:
            only_duck = sorted(set(mine) - set(theirs), key=repr)[:1]
            only_engine = sorted(set(theirs) - set(mine), key=repr)[:1]
            found.append(f"{name}: {len(mine)} rows vs {len(theirs)}; DuckDB {only_duck} engine {only_engine}")
    return found
