"""The dbt project on realistic feeds: the synthetic generator writes five days across a fiscal-year boundary (with
dirt), the real loader loads them in two steps, and the incremental build after the second step must equal a full
rebuild and reconcile with the raw current views.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from dbt_runner import copy_of, mart_snapshot, query

from warehouse.contract import FEEDS
from warehouse.db import connect
from warehouse.generator import generate
from warehouse.loading import load_partition
from warehouse.loading.tables import create_raw_tables
from warehouse.reference import load_reference

START = date(2012, 9, 28)  # FY2012 ends on 30 September: the five days span FY2012 and FY2013
DAYS = 5


def load_days(warehouse: Path, landing: Path, quarantine: Path, days: range) -> None:
    con = connect(warehouse)
    try:
        create_raw_tables(con)
        load_reference(con)
        for index in days:
            for feed in FEEDS:
                load_partition(con, landing, feed, START + timedelta(days=index), quarantine)
    finally:
        con.close()


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    root = tmp_path_factory.mktemp("generated")
    landing = root / "landing"
    generate(landing, START, DAYS, scale=0.002, seed=7, fmt="mixed")
    return landing, root / "quarantine"


def test_incremental_builds_on_generated_feeds_equal_a_full_rebuild(generated, dbt, tmp_path):
    landing, quarantine = generated
    warehouse = tmp_path / "wh" / "warehouse.duckdb"

    load_days(warehouse, landing, quarantine, range(0, 3))
    assert dbt(warehouse, "build").failures == []

    load_days(warehouse, landing, quarantine, range(3, DAYS))
    assert dbt(warehouse, "build").failures == []
    assert query(warehouse, "select distinct fiscal_year from marts.fct_entry_lines order by 1") == [(2012,), (2013,)]

    # The generator's corrections (a higher entry_version, sometimes dropping a line) of entries first delivered
    # in step one arrive in step two: the incremental build must have applied them.
    corrected = query(
        warehouse,
        f"select distinct entry_number from raw.entries where entry_version > 1 and _delivery_date > date "
        f"'{START + timedelta(days=2)}'",
    )
    assert corrected
    stale = query(
        warehouse,
        "select count(*) from marts.fct_entry_lines as f join raw.entries_current as c using (entry_number) "
        "where f.entry_version <> c.entry_version",
    )
    assert stale == [(0,)]

    [raw] = query(warehouse, "select count(*), sum(entered_value_usd), sum(duty_usd) from raw.entries_current")
    assert query(warehouse, "select count(*), sum(entered_value_usd), sum(duty_usd) from marts.fct_entry_lines") == [
        raw
    ]
    assert query(warehouse, "select count(*) from marts.fct_exams") == query(
        warehouse, "select count(*) from raw.exams_current"
    )
    assert query(warehouse, "select sum(entered_value_usd) from marts.fct_entries") == [(raw[1],)]

    full = copy_of(warehouse, tmp_path, "full")
    assert dbt(full, "run", "--full-refresh").failures == []
    assert mart_snapshot(full) == mart_snapshot(warehouse)
