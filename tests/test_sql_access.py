"""Analysts' SQL access: `tradewh sql` reads the published copy, in every output format, while loads go on."""

from __future__ import annotations

import io
import json

import duckdb
import pytest
from marts_warehouse import marts_warehouse

from tradewh.cli import main
from warehouse.access.publish import publish_copies
from warehouse.config import analyst_path
from warehouse.db import connect, open_analyst_copy
from warehouse.sql.shell import interactive


@pytest.fixture
def warehouse(tmp_path):
    path = marts_warehouse(
        tmp_path / "w.duckdb",
        "create table marts.ports as select * from (values ('0401', 'NA', 1.50), ('2704', 'LA', 2.25)) "
        "t(port_code, country, value_usd)",
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


# --- the interactive shell, as a person sees it ---


@pytest.fixture
def described(tmp_path):
    """A copy with comments (as dbt's persist_docs writes them), floats with binary noise and a wide table."""
    columns = ", ".join(f"'{'x' * 60}' as wide_column_{i}" for i in range(8))
    path = marts_warehouse(
        tmp_path / "w.duckdb",
        "create table marts.rates as select * from (values ('0401', 0.1 + 0.2, 1234567.891, 12), "
        "('2704', 1e-9, 2.5e17, 3)) t(port_code, rate, value_usd, exams)",
        "comment on table marts.rates is 'Rates by port.'",
        "comment on column marts.rates.rate is 'Share of lines with a discrepancy.'",
        f"create table marts.wide as select {columns}, range as n from range(700)",
    )
    publish_copies(path)
    return path


def _session(warehouse, script: str) -> list[str]:
    out = io.StringIO()
    with open_analyst_copy(warehouse) as con:
        interactive(con, "table", stdin=io.StringIO(script), out=out)
    return out.getvalue().splitlines()


def test_numbers_are_right_aligned_without_float_noise(described):
    lines = _session(described, "select * from marts.rates order by port_code;\n")
    assert lines[1].split() == ["port_code", "rate", "value_usd", "exams"]
    assert lines[3].split() == ["0401", "0.3", "1234567.891", "12"]
    assert lines[4].split() == ["2704", "1.000000000e-09", "2.500000000e+17", "3"]
    assert lines[3].endswith("12") and lines[4].endswith(" 3")  # right-aligned under their header
    assert lines[5] == "(2 rows)"
    big = _session(described, "select 1234567890123::double as a, 12345678901.5::double as b;\n")
    assert big[3].split() == ["1234567890123", "12345678901.5"]  # every integer digit, the cents kept


def test_empty_statements_and_unknown_ones_are_no_crash(described, capsys):
    assert main(["sql", "--warehouse", str(described), "-c", ""]) == 0
    assert main(["sql", "--warehouse", str(described), "-c", "-- only a comment"]) == 0
    assert main(["sql", "--warehouse", str(described), "-c", "update extensions"]) == 1
    assert "not a query" in capsys.readouterr().err
    lines = _session(described, "-- a comment;\nupdate extensions;\nselect 7 as seven;\n")
    assert any("not a query" in line for line in lines) and "seven" in lines[-4]


def test_wide_and_long_results_are_cut_with_a_note(described):
    lines = _session(described, "select * from marts.wide;\n")
    assert max(len(line) for line in lines[1:-1]) <= 10_000
    shown = [line for line in lines if line.startswith("x")]
    assert len(shown) == 500 and all("…" in line for line in shown)  # 40-character cells
    assert lines[-1].startswith("(first 500 of 700 rows shown")


def test_columns_that_do_not_fit_the_terminal_are_named(described):
    from warehouse.sql.formatting import Shown, pretty_table

    out = io.StringIO()
    pretty_table(["a", "b", "c"], Shown([("x" * 30, "y" * 30, "z" * 30)], 1), 70, out)
    lines = out.getvalue().splitlines()
    assert max(len(line) for line in lines) <= 70
    assert lines[-1] == "(1 row; 1 more column not shown: c)"


def test_backslash_commands_list_describe_time_and_quit(described):
    lines = _session(
        described, "\\dt marts\n\\d marts.rates\n\\timing\nselect\n\\timing off\n1 as one;\n\\q\nselect 2;\n"
    )
    text = "\n".join(lines)
    assert "rates" in text and "Rates by port." in text and "wide" in text
    assert "table marts.rates: Rates by port." in text
    assert any(line.split()[:2] == ["rate", "DOUBLE"] and "Share of lines" in line for line in lines)
    assert "timing is on" in text and "timing is off" in text
    assert "Time:" not in text  # timing was off again when the statement ended
    assert "one" in text and "2" not in text.split("one")[-1]  # \q ended the session before `select 2`
    assert "no table or view named nope" in "\n".join(_session(described, "\\d nope\n"))


def test_completion_offers_keywords_schemas_tables_and_columns(described):
    from warehouse.sql.completion import NAMES, Completer

    with open_analyst_copy(described) as con:
        completer = Completer(con.execute(NAMES).fetchall())
    assert "marts." in completer.candidates("ma")
    assert completer.candidates("marts.ra") == ["marts.rates"]
    assert "rates.value_usd" in completer.candidates("rates.v")
    assert "select" in completer.candidates("sel") and "port_code" in completer.candidates("port")
    assert [completer.complete("marts.w", i) for i in range(2)] == ["marts.wide", None]
