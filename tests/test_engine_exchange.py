"""Rows crossing between the DuckDB warehouse and an external engine (issue 18): the marts extracted from
PostgreSQL keep every value and type (empty strings apart from nulls, booleans, points in time, decimals, quotes and
line breaks), and the platform's tables written back arrive whole (lists of text with quotes, backslashes and
nulls; nested values and JSON as JSON text; unsigned integers; naive and zoned timestamps). Also: which engine a run
builds on, and the one-line errors for an engine that is unknown, unconfigured or unreachable."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

import psycopg2
import pytest

from tradewh.cli import main
from warehouse.db import connect
from warehouse.engines.extract import extract_marts
from warehouse.engines.readiness import EngineNotReady, check_ready
from warehouse.engines.settings import POSTGRES_URL_ENV, EngineError, engine_for
from warehouse.engines.write_back import write_back

TRICKY_TEXT = ["plain", "", None, 'say "hi"', "back\\slash", "it's", "two\nlines", "comma, here", "{braces}", "NULL"]


def test_engine_choice_and_location(tmp_path, monkeypatch):
    monkeypatch.delenv("TRADEWH_ENGINE", raising=False)
    monkeypatch.delenv("TRADEWH_SPARK_WAREHOUSE", raising=False)
    warehouse = tmp_path / "wh.duckdb"
    assert engine_for(warehouse).name == "duckdb"
    monkeypatch.setenv("TRADEWH_ENGINE", "Spark")
    spark = engine_for(warehouse)
    assert (spark.name, spark.spark_dir) == ("spark", tmp_path / "spark")
    assert engine_for(warehouse, "spark", tmp_path / "elsewhere").spark_dir == tmp_path / "elsewhere"
    monkeypatch.setenv(POSTGRES_URL_ENV, "postgresql://loader:s3cret@db.example:6543/trade")
    postgres = engine_for(warehouse, "postgres")
    # The location is what logs and run records show: never the password.
    assert postgres.location == "postgresql://loader@db.example:6543/trade"
    with pytest.raises(EngineError, match="unknown engine 'oracle'"):
        engine_for(warehouse, "oracle")


def test_unconfigured_and_unreachable_engines_fail_in_one_line(tmp_path, monkeypatch, capsys):
    landing = tmp_path / "landing"
    landing.mkdir()
    arguments = ["run", "--warehouse", str(tmp_path / "wh.duckdb"), "--landing", str(landing), "--engine", "postgres"]
    monkeypatch.delenv(POSTGRES_URL_ENV, raising=False)
    assert main(arguments) == 2
    assert f"--engine postgres needs ${POSTGRES_URL_ENV}" in capsys.readouterr().err
    # Nothing listens on port 9 of the loopback: refused at once.
    monkeypatch.setenv(POSTGRES_URL_ENV, "postgresql://nobody:pw@127.0.0.1:9/none")
    assert main(arguments) == 2
    error = capsys.readouterr().err
    assert "cannot connect to PostgreSQL at postgresql://nobody@127.0.0.1:9/none" in error
    assert "pw" not in error.replace("postgresql", "")
    assert not (tmp_path / "wh.duckdb").exists()  # refused before anything was opened


def test_spark_without_java_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no java on it
    monkeypatch.delenv("JAVA_HOME", raising=False)
    engine = engine_for(tmp_path / "wh.duckdb", "spark")
    with pytest.raises(EngineNotReady, match=r"Java 17|`spark` extra"):
        check_ready(engine)


def _marts_on_postgres(url: str) -> None:
    with psycopg2.connect(url) as pg, pg.cursor() as cur:
        cur.execute("create schema marts")
        cur.execute(
            "create table marts.things "
            "(name text, flag boolean, happened timestamptz, amount numeric(18, 2), on_day date, n bigint)"
        )
        rows = [
            (text, index % 2 == 0, datetime.datetime(2025, 10, 1, 12, index, tzinfo=datetime.UTC), "12.30", None, index)
            for index, text in enumerate(TRICKY_TEXT)
        ]
        cur.executemany("insert into marts.things values (%s, %s, %s, %s, %s, %s)", rows)
        cur.execute("create table marts.nothing (name text, on_day date)")


def test_extract_from_postgres_keeps_every_value(tmp_path, postgres_url, monkeypatch):
    _marts_on_postgres(postgres_url)
    monkeypatch.setenv(POSTGRES_URL_ENV, postgres_url)
    warehouse = tmp_path / "wh.duckdb"
    columns = {
        "things": [
            ("name", "string"),
            ("flag", "boolean"),
            ("happened", "timestamp with time zone"),
            ("amount", "decimal(18,2)"),
            ("on_day", "date"),
            ("n", "bigint"),
        ],
        "nothing": [("name", "string"), ("on_day", "date")],
    }
    con = connect(warehouse)
    try:
        counts = extract_marts(engine_for(warehouse, "postgres"), con, columns)
        assert counts == {"things": len(TRICKY_TEXT), "nothing": 0}
        rows = con.execute("select name, flag, happened, amount, on_day, n from marts.things order by n").fetchall()
        types = con.execute("select data_type from information_schema.columns where table_name = 'things'").fetchall()
    finally:
        con.close()
    assert [row[0] for row in rows] == TRICKY_TEXT  # '' and NULL apart, quotes and line breaks kept
    assert [row[1] for row in rows] == [index % 2 == 0 for index in range(len(TRICKY_TEXT))]
    assert rows[3][2] == datetime.datetime(2025, 10, 1, 12, 3, tzinfo=datetime.UTC)
    assert {row[3] for row in rows} == {Decimal("12.30")}
    assert [t for (t,) in types] == [
        "VARCHAR",
        "BOOLEAN",
        "TIMESTAMP WITH TIME ZONE",
        "DECIMAL(18,2)",
        "DATE",
        "BIGINT",
    ]


def test_write_back_to_postgres_keeps_every_value(tmp_path, postgres_url, monkeypatch):
    monkeypatch.setenv(POSTGRES_URL_ENV, postgres_url)
    warehouse = tmp_path / "wh.duckdb"
    con = connect(warehouse)
    try:
        con.execute("create schema risk")
        con.execute(
            "create table risk.things (id integer, names varchar[], issues struct(rule varchar, n integer)[], "
            "detail json, signature ubigint, seen timestamp, happened timestamptz, score double)"
        )
        con.execute(
            "insert into risk.things values "
            "(1, $names, [{'rule': 'range', 'n': 2}], '{\"a\": [1, 2]}', 18446744073709551615, "
            "timestamp '2025-10-01 08:00:00', timestamptz '2025-10-01 08:00:00+00', 0.1), "
            "(2, [], null, null, 0, null, null, null), (3, null, [], 'null', null, null, null, -1e300)",
            {"names": [t for t in TRICKY_TEXT if t is not None] + [None]},
        )
        counts = write_back(engine_for(warehouse, "postgres"), con)
    finally:
        con.close()
    assert counts == {"risk.things": 3}
    with psycopg2.connect(postgres_url) as pg, pg.cursor() as cur:
        cur.execute("set timezone = 'UTC'")
        cur.execute("select * from risk.things order by id")
        first, second, third = cur.fetchall()
    assert first[1] == [t for t in TRICKY_TEXT if t is not None] + [None]
    assert json.loads(first[2]) == [{"rule": "range", "n": 2}]
    assert json.loads(first[3]) == {"a": [1, 2]}
    assert first[4] == Decimal(18446744073709551615)
    assert first[5] == datetime.datetime(2025, 10, 1, 8)
    assert first[6] == datetime.datetime(2025, 10, 1, 8, tzinfo=datetime.UTC)
    assert first[7] == 0.1
    assert second[1:3] == ([], None)
    assert third[1:4] == (None, "[]", "null") and third[7] == -1e300


def test_write_back_replaces_an_engine_table_whose_columns_changed(tmp_path, postgres_url, monkeypatch):
    monkeypatch.setenv(POSTGRES_URL_ENV, postgres_url)
    warehouse = tmp_path / "wh.duckdb"
    con = connect(warehouse)
    try:
        con.execute("create schema metrics")
        con.execute("create table metrics.rate as select 1 as a")
        write_back(engine_for(warehouse, "postgres"), con)
        con.execute("create or replace table metrics.rate as select 'x' as b, 2.5::double as c")
        write_back(engine_for(warehouse, "postgres"), con)
    finally:
        con.close()
    with psycopg2.connect(postgres_url) as pg, pg.cursor() as cur:
        cur.execute("select * from metrics.rate")
        assert ([d[0] for d in cur.description], cur.fetchall()) == (["b", "c"], [("x", 2.5)])


def test_the_platforms_spark_session_is_configured_by_dbts_profile(tmp_path):
    """One set of Spark settings (the profile's `spark` target): the platform's own sessions (registrations, reads)
    open the tables and metastore dbt built, in the folder they are given."""
    from warehouse.engines.extract import spark_table_folder
    from warehouse.engines.spark_session import spark_settings

    settings = spark_settings(tmp_path / "spark")
    assert settings["spark.sql.warehouse.dir"] == f"{tmp_path}/spark/tables"
    assert f"databaseName={tmp_path}/spark/metastore_db" in settings["spark.hadoop.javax.jdo.option.ConnectionURL"]
    assert settings["spark.sql.session.timeZone"] == "UTC" and settings["spark.driver.host"] == "127.0.0.1"
    engine = engine_for(tmp_path / "wh.duckdb", "spark", tmp_path / "spark")
    assert spark_table_folder(engine, "marts", "fct_exams") == tmp_path / "spark" / "tables" / "marts.db" / "fct_exams"
