"""Analysts' SQL access: `tradewh sql` reads the published copy, in every output format, while loads go on."""

from __future__ import annotations

import io
import json

import duckdb
import pytest

from warehouse.access.publish import publish_copies
from warehouse.cli import main
from warehouse.config import analyst_path
from warehouse.db import connect
from warehouse.sql.shell import interactive


@pytest.fixture
def warehouse(tmp_path):
    path = tmp_path / "w.duckdb"
    with connect(path) as con:
        con.execute("create schema marts")
        con.execute(
            "create table marts.ports as select * from (values ('0401', 'NA', 1.50), ('2704', 'LA', 2.25)) "
            "t(port_code, country, value_usd)"
        )
    publish_copies(path)
    return path


def test_one_query_prints_an_aligned_table(warehouse, capsys):
    assert main(["sql", "--warehouse", str(warehouse), "-c", "select * from marts.ports order by 1"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["port_code", "country", "value_usd"]
    assert out[2].split() == ["0401", "NA", "1.50"]
    assert out[-1] == "(2 rows)"


def test_csv_and_json_keep_codes_as_text(warehouse, capsys):
    main(["sql", "--warehouse", str(warehouse), "--format", "csv", "-c", "select * from marts.ports order by 1"])
    assert capsys.readouterr().out.splitlines() == ["port_code,country,value_usd", "0401,NA,1.50", "2704,LA,2.25"]
    main(["sql", "--warehouse", str(warehouse), "--format", "json", "-c", "select * from marts.ports order by 1"])
    rows = json.loads(capsys.readouterr().out)
    assert rows[0] == {"port_code": "0401", "country": "NA", "value_usd": 1.5}


def test_the_analyst_copy_is_read_only(warehouse, capsys):
    assert main(["sql", "--warehouse", str(warehouse), "-c", "delete from marts.ports"]) == 1
    assert "read-only" in capsys.readouterr().err.lower()


def test_a_query_works_while_a_writer_holds_the_warehouse_and_a_publish_works_while_an_analyst_reads(warehouse, capsys):
    writer = connect(warehouse)  # a load in progress holds the only write lock on the warehouse
    try:
        assert main(["sql", "--warehouse", str(warehouse), "-c", "select count(*) as n from marts.ports"]) == 0
        assert "2" in capsys.readouterr().out
        writer.execute("insert into marts.ports values ('5301', 'HOU', 3.00)")
    finally:
        writer.close()
    reader = duckdb.connect(str(analyst_path(warehouse)), read_only=True)  # an analyst's long session
    try:
        publish_copies(warehouse)  # the end of the next run republishes without waiting for the analyst
        assert reader.execute("select count(*) from marts.ports").fetchone()[0] == 2  # the old snapshot
    finally:
        reader.close()
    main(["sql", "--warehouse", str(warehouse), "--format", "csv", "-c", "select count(*) as n from marts.ports"])
    assert capsys.readouterr().out.splitlines() == ["n", "3"]


def test_a_missing_analyst_copy_is_a_clear_error(tmp_path, capsys):
    assert main(["sql", "--warehouse", str(tmp_path / "none.duckdb"), "-c", "select 1"]) == 2
    assert "tradewh run" in capsys.readouterr().err


def test_the_interactive_shell_runs_multi_line_statements_and_survives_errors(warehouse):
    con = duckdb.connect(str(analyst_path(warehouse)), read_only=True)
    out = io.StringIO()
    interactive(
        con, "csv", stdin=io.StringIO("select port_code\nfrom marts.ports\norder by 1;\nselect nope;\n\\q\n"), out=out
    )
    lines = out.getvalue().splitlines()
    assert lines[1:4] == ["port_code", "0401", "2704"]
    assert lines[4].startswith("error:")
