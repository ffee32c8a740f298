"""A local Spark session over the platform's Spark warehouse folder, configured by dbt's `spark` target itself
(dbt_project/profiles.yml, its `server_side_parameters` rendered here as dbt renders them): the same Parquet tables
and Derby metastore, UTC, loopback only, with no second copy of the settings to drift.

Derby's embedded metastore admits one JVM at a time, so a session must be stopped, and its process ended, before
dbt builds again: callers run it in a child process (`python -m warehouse.engines.spark_session`)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import jinja2
import yaml

PROFILES = Path(__file__).resolve().parents[2] / "dbt_project" / "profiles.yml"


def spark_settings(warehouse_dir: Path) -> dict[str, str]:
    """The Spark settings of the profile's `spark` target for the folder `warehouse_dir` (its `spark_warehouse` var),
    `spark.master` included."""
    target = yaml.safe_load(PROFILES.read_text(encoding="utf-8"))["trade_warehouse"]["outputs"]["spark"]
    values = {"spark_warehouse": str(Path(warehouse_dir).absolute())}

    def var(name: str, default: str | None = None) -> str:
        if name in values:
            return values[name]
        if default is None:
            raise KeyError(f"the spark profile reads var {name!r}, which the platform does not set")
        return default

    def env_var(name: str, default: str | None = None) -> str:
        value = os.environ.get(name, default)
        if value is None:
            raise KeyError(f"the spark profile reads ${name}, which is not set")
        return value

    environment = jinja2.Environment(undefined=jinja2.StrictUndefined)
    return {
        key: environment.from_string(str(value)).render(var=var, env_var=env_var)
        for key, value in target["server_side_parameters"].items()
    }


def spark_session(warehouse_dir: Path):
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("tradewh").enableHiveSupport()
    for key, value in spark_settings(warehouse_dir).items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def dump_tables(warehouse_dir: Path, schema: str, out: Path) -> None:
    """Every table of `schema` as JSON lines ({"table", "columns", "rows"}) in `out`; values as text in a form
    that compares exactly (decimals as written, timestamps in UTC ISO form)."""
    os.environ["TZ"] = "UTC"  # PySpark turns timestamps into naive datetimes in the process's local zone
    import time

    time.tzset()
    spark = spark_session(warehouse_dir)
    spark.sparkContext.setLogLevel("ERROR")
    try:
        with out.open("w") as handle:
            for (name,) in spark.sql(f"show tables in {schema}").select("tableName").collect():
                frame = spark.table(f"{schema}.{name}")
                rows = [[None if v is None else str(v) for v in row] for row in frame.collect()]
                handle.write(json.dumps({"table": name, "columns": frame.columns, "rows": rows}) + "\n")
    finally:
        spark.stop()


def register_tables(warehouse_dir: Path, tables: dict[str, str]) -> None:
    """Register each `schema.table` as an external Parquet table over its folder, replacing an earlier definition
    (a table's columns may have changed; dropping an external table leaves its files)."""
    spark = spark_session(warehouse_dir)
    spark.sparkContext.setLogLevel("ERROR")
    try:
        for qualified, folder in sorted(tables.items()):
            schema = qualified.split(".")[0]
            spark.sql(f"create database if not exists {schema}")
            spark.sql(f"drop table if exists {qualified}")
            spark.sql(f"create table {qualified} using parquet location '{folder}'")
    finally:
        spark.stop()


if __name__ == "__main__":
    # python -m warehouse.engines.spark_session dump <dir> <schema> <out.jsonl>
    # python -m warehouse.engines.spark_session register <dir>   (stdin: {"schema.table": "folder"})
    if sys.argv[1] == "register":
        register_tables(Path(sys.argv[2]), json.loads(sys.stdin.read()))
    else:
        dump_tables(Path(sys.argv[2]), sys.argv[3], Path(sys.argv[4]))
