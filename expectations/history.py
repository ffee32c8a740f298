"""Quality results kept as history in the warehouse: `ops.quality_results`, one row per expectation per run.

Rows are only ever appended: the table answers "when did this check start failing, on which partition, and how
badly" across runs. Freshness and volume checks write here too (their `suite` is `monitor.<feed>`).
"""

from __future__ import annotations

import json
from datetime import datetime

from warehouse.sql_files import query


def ensure_history(con) -> None:
    con.execute("create schema if not exists ops")
    con.execute(query(__package__, "history_table"))


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
