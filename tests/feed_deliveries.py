"""Deliveries built from the contract, for the loader tests: `valid_row` makes a row that passes every check of a feed
from its Column definitions, `deliver` writes rows as a delivered file in any format, and `Warehouse` wraps a copy
of the schema-only warehouse file (the conftest fixture `wh`) with the loader and a few queries."""

from __future__ import annotations

import csv
import gzip
import json
import shutil
from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from warehouse.contract import FEEDS
from warehouse.contract.identifiers import (
    ADCVD_CASE_PATTERN,
    COUNTRY_PATTERN,
    ENTRY_NUMBER_PATTERN,
    HTS_CODE_PATTERN,
    HTS_PREFIX_PATTERN,
    IMPORTER_NUMBER_PATTERN,
    MID_PATTERN,
    PORT_CODE_PATTERN,
    make_entry_number,
)
from warehouse.db import connect
from warehouse.loading import load_partition

DAY = date(2024, 1, 15)

# ---------------------------------------------------------------------------------------------------------------
# Valid rows, from the contract


def entry_number(i: int) -> str:
    return make_entry_number("ABC", 1000 + i)


def _by_pattern(i: int) -> dict[str, str]:
    return {
        ENTRY_NUMBER_PATTERN: entry_number(i),
        IMPORTER_NUMBER_PATTERN: f"12-{i:07d}AB",
        MID_PATTERN: "CNSHOEFAC123",
        PORT_CODE_PATTERN: "2704",
        COUNTRY_PATTERN: "CN",
        HTS_CODE_PATTERN: "6403991000",
        ADCVD_CASE_PATTERN: f"A-570-{i % 1000:03d}-000",
        HTS_PREFIX_PATTERN: "6403",
        r"^[A-Z0-9]{3}$": "ABC",
    }


_BY_TYPE = {
    "string": "X",
    "integer": "1",
    "decimal": "1.00",
    "date": "2024-01-10",
    "timestamp": "2024-01-15T10:00:00Z",
    "boolean": "false",
}

# Values that keep the cross-field rules of each feed satisfied (None = left empty).
_COHERENT = {
    "entries": {
        "mode_of_transport": "11",
        "entered_value_usd": "1000.00",
        "duty_rate": "0.05",
        "duty_usd": "50.00",
        "hmf_usd": "1.25",
        "released_at": "2024-01-16T08:30:00+02:00",
        "adcvd_case": None,
        "spi_code": None,
        "related_party": "true",
    },
    "exams": {
        "selection_reason": "cm_random",
        "rule_id": None,
        "cm_stratum": "S1",
        "cm_weight": "12.5",
        "started_at": "2024-01-15T10:00:00Z",
        "completed_at": "2024-01-15T12:00:00Z",
        "result": "no_discrepancy",
        "discrepancy_type": None,
        "material": "false",
        "declared_duty_usd": "50.00",
        "correct_duty_usd": "50.00",
    },
    "audits": {
        "period_start": "2023-01-01",
        "period_end": "2023-12-31",
        "opened_on": "2024-01-02",
        "closed_on": "2024-03-01",
        "lines_reviewed": "100",
        "discrepancies_found": "3",
        "revenue_loss_usd": "500.00",
        "collected_usd": "400.00",
    },
    "seizures": {"domestic_value_usd": "1000.00", "msrp_usd": "5000.00"},
    "penalties": {
        "statute": "19USC1592",
        "culpability": "negligence",
        "violation_date": "2023-06-01",
        "opened_on": "2024-01-02",
        "domestic_value_usd": "100000.00",
        "dutiable_value_usd": "50000.00",
        "loss_of_revenue_usd": "10000.00",
        "assessed_usd": "20000.00",
        "mitigated_usd": "15000.00",
        "collected_usd": "15000.00",
    },
    "programs": {"enrolled_on": "2024-01-01", "left_on": "2025-06-01"},
}


def valid_row(feed_name: str, i: int = 0) -> dict[str, str | None]:
    """The i-th valid row of a feed: every column filled from its definition; key columns differ with i."""
    feed = FEEDS[feed_name]
    patterns = _by_pattern(i)
    row: dict[str, str | None] = {}
    for column in feed.columns:
        if column.codes:
            value = column.codes[0]
        elif column.pattern:
            value = patterns[column.pattern]
        else:
            value = _BY_TYPE[column.type]
        if column.name in feed.key and column.type == "string" and not column.pattern and not column.codes:
            value = f"{column.name.upper()}-{i}"
        if column.name in feed.key and column.type == "date":
            value = (date(2024, 1, 1) + timedelta(days=i)).isoformat()
        row[column.name] = value
    row.update(_COHERENT.get(feed_name, {}))
    return row


# ---------------------------------------------------------------------------------------------------------------
# Writers


def write_csv(path: Path, rows: list[dict], columns=None, bom: bool = False) -> Path:
    columns = list(columns or rows[0])
    path.parent.mkdir(parents=True, exist_ok=True)
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "wt", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in rows:
            writer.writerow(["" if row.get(c) is None else row[c] for c in columns])
    return path


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "wt", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row) + "\n")
    return path


def write_parquet(path: Path, rows: list[dict]) -> Path:
    """All-text Parquet (the typed Parquet case is its own test)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    columns = list(rows[0])
    table = pa.table({c: pa.array([r.get(c) for r in rows], pa.string()) for c in columns})
    pq.write_table(table, path)
    return path


WRITERS = {
    "csv": write_csv,
    "csv.gz": write_csv,
    "jsonl": write_jsonl,
    "jsonl.gz": write_jsonl,
    "parquet": write_parquet,
}


def deliver(landing: Path, feed: str, rows: list[dict], name: str | None = None, day: date = DAY, fmt="csv") -> Path:
    path = landing / feed / day.isoformat() / (name or f"{feed}.{fmt}")
    return WRITERS[fmt](path, rows)


# ---------------------------------------------------------------------------------------------------------------
# A warehouse file to load into: the conftest fixture `wh` gives each test a copy of the schema-only `template_db`.


class Warehouse:
    def __init__(self, root: Path, template: Path):
        self.root = root
        self.path = root / "warehouse.duckdb"
        shutil.copyfile(template, self.path)
        self.con = connect(self.path)
        self.landing = root / "landing"
        self.quarantine_dir = root / "quarantine"

    def load(self, feed: str, day: date = DAY):
        return load_partition(self.con, self.landing, feed, day, self.quarantine_dir)

    def rows(self, sql: str, params=None) -> list[tuple]:
        return self.con.execute(sql, params or []).fetchall()

    def one(self, sql: str, params=None):
        return self.con.execute(sql, params or []).fetchone()[0]

    def quarantine(self) -> list[dict]:
        result = self.con.execute(
            "select row_number, column_name, rule, reason, violations, raw_values from ops.quarantine "
            "order by file_sha256, row_number"
        )
        names = [d[0] for d in result.description]
        return [dict(zip(names, r, strict=True)) for r in result.fetchall()]
