"""Quality results kept as history in the warehouse: `ops.quality_results`, one row per expectation per run.

Rows are only ever appended: the table answers "when did this check start failing, on which partition, and how
badly" across runs. Freshness and volume checks write here too (their `suite` is `monitor.<feed>`).
"""

from __future__ import annotations

import json
from datetime import datetime

QUALITY_RESULTS_DDL = """create table if not exists ops.quality_results (
    checked_at TIMESTAMPTZ not null,
    run_id VARCHAR,
    asset VARCHAR not null,
    check_name VARCHAR not null,
    suite VARCHAR not null,
    expectation VARCHAR not null,
    expectation_type VARCHAR not null,
    column_name VARCHAR,
    severity VARCHAR not null,
    partition_start DATE,
    partition_end DATE,
    success BOOLEAN not null,
    observed_value JSON,
    unexpected_count BIGINT,
    sample JSON,
    exception VARCHAR
)"""


def ensure_history(con) -> None:
    con.execute("create schema if not exists ops")
    con.execute(QUALITY_RESULTS_DDL)


def record(
    con,
    *,
    asset: str,
    check_name: str,
    suite: str,
    checked_at: datetime,
    results: list[dict],
    run_id: str | None = None,
    partition_start=None,
    partition_end=None,
) -> int:
    """Append one row per expectation result (dicts as made by `ExpectationOutcome.as_dict`); returns rows added."""
    ensure_history(con)
    rows = [
        (
            checked_at,
            run_id,
            asset,
            check_name,
            suite,
            r["expectation"],
            r["type"],
            r.get("column"),
            r["severity"],
            partition_start,
            partition_end,
            r["success"],
            json.dumps(r.get("observed_value"), default=str),
            r.get("unexpected_count"),
            json.dumps(r.get("sample") or [], default=str),
            r.get("exception"),
        )
        for r in results
    ]
    if rows:
        con.executemany("insert into ops.quality_results values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    return len(rows)
