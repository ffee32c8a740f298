"""Contract ↔ generator ↔ loader: every feed in every format loads unchanged, and every malformed row the
generator plants lands in quarantine under the rule it was planted for."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from warehouse.contract import FEEDS
from warehouse.db import connect
from warehouse.generator import generate
from warehouse.loading import discover, ensure_schema, load_partition, reconcile
from warehouse.loading.tables import LINEAGE_COLUMNS

START = date(2025, 10, 1)
LINEAGE = ", ".join(name for name, _ in LINEAGE_COLUMNS)


def load_everything(landing: Path, warehouse: Path):
    con = connect(warehouse)
    ensure_schema(con)
    # Account feeds first, as the ingestion job orders them: exams' rule ids are checked against raw.rules.
    for feed, days in sorted(discover(landing).items(), key=lambda item: FEEDS[item[0]].kind != "account"):
        for day in days:
            load_partition(con, landing, feed, day, warehouse.parent / "quarantine")
    return con


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """The same clean feeds written in each format and loaded into a warehouse of its own."""
    result = {}
    for fmt in ("csv", "jsonl", "parquet", "mixed"):
        root = tmp_path_factory.mktemp(fmt)
        summary = generate(root / "landing", start=START, days=2, scale=0.002, seed=21, fmt=fmt, dirt_rate=0.0)
        result[fmt] = (summary, load_everything(root / "landing", root / "w.duckdb"))
    yield result
    for _, con in result.values():
        con.close()


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet", "mixed"])
def test_clean_feeds_load_completely_in_every_format(loaded, fmt):
    summary, con = loaded[fmt]
    assert con.execute("select count(*) from ops.quarantine").fetchone()[0] == 0
    assert reconcile(con) == []
    for feed, rows in summary.to_dict()["rows"].items():
        assert con.execute(f"select count(*) from raw.{feed}").fetchone()[0] == rows, feed


@pytest.mark.parametrize("fmt", ["jsonl", "parquet", "mixed"])
@pytest.mark.parametrize("feed", list(FEEDS))
def test_every_format_loads_exactly_the_values_of_the_csv_delivery(loaded, fmt, feed):
    query = f"select * exclude ({LINEAGE}) from raw.{feed} order by all"
    expected = loaded["csv"][1].execute(query).df()
    actual = loaded[fmt][1].execute(query).df()
    pd.testing.assert_frame_equal(actual, expected)


def test_mixed_deliveries_use_every_format_including_gzip(loaded):
    _, con = loaded["mixed"]
    formats = {row[0] for row in con.execute("select path from ops.load_log").fetchall()}
    suffixes = {"".join(Path(p).suffixes[-2:]) if p.endswith(".gz") else Path(p).suffix for p in formats}
    assert {".csv", ".csv.gz", ".jsonl", ".jsonl.gz", ".parquet"} <= suffixes


def test_every_planted_malformed_row_is_quarantined_under_its_rule(tmp_path):
    landing = tmp_path / "landing"
    generate(landing, start=START, days=3, scale=0.003, seed=8, fmt="mixed", dirt_rate=0.01)
    con = load_everything(landing, tmp_path / "w.duckdb")
    planted = pd.read_parquet(landing / "truth" / "dirt.parquet")
    assert len(planted) > 20
    quarantined = con.execute(
        "select file_path, row_number, list_transform(violations, lambda v: v.rule) as rules from ops.quarantine"
    ).df()
    by_place = {
        (Path(p).relative_to(landing).as_posix(), int(n)): set(r) for p, n, r in quarantined.itertuples(index=False)
    }
    missing = [
        (row.file, row.row_number, row.rule)
        for row in planted.itertuples(index=False)
        if row.rule not in by_place.get((row.file, int(row.row_number)), set())
    ]
    assert missing == []
    assert reconcile(con) == []
    duplicates = con.execute("select count(*) from ops.load_log where status = 'duplicate'").fetchone()[0]
    assert duplicates > 0
