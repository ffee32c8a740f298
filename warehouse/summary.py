"""The short text summary `tradewh run` and `tradewh demo` print: rows per table, the files that did not load, the
quarantined rows by reason and the business-rule findings by rule.

`since` limits the file and quarantine sections to one run's work (the load log and quarantine carry timestamps);
without it they cover the warehouse's whole history.
"""

from __future__ import annotations

from datetime import datetime

from warehouse.db import table_exists

SCHEMAS = ("raw", "marts")
# Files listed one by one before the rest are only counted: a landing folder of bad files must not flood the console.
FILES_SHOWN = 20
NOT_LOADED = ("unreadable", "rejected", "unsupported_format")


def _since(column: str, since: datetime | None) -> tuple[str, list]:
    return (f" and {column} >= ?", [since]) if since else ("", [])


def _table_counts(con) -> list[str]:
    lines = ["Rows per table:"]
    tables = con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_type = 'BASE TABLE' and table_schema in (select unnest(?)) order by 1, 2",
        [list(SCHEMAS)],
    ).fetchall()
    for schema, table in tables:
        count = con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0]
        lines.append(f"  {schema}.{table:<32} {count:>12,}")
    return lines


def _files_not_loaded(con, since: datetime | None) -> list[str]:
    if not table_exists(con, "ops", "load_log"):
        return []
    where, params = _since("started_at", since)
    rows = con.execute(
        "select status, feed, coalesce(cast(delivery_date as varchar), '?'), path, rows_read, message "
        f"from ops.load_log where status in (select unnest(?)){where} order by feed, path",
        [list(NOT_LOADED), *params],
    ).fetchall()
    if not rows:
        return []
    lines = [f"Files not loaded: {len(rows):,} (kept whole in the quarantine folder)"]
    for status, feed, day, path, rows_read, message in rows[:FILES_SHOWN]:
        lines.append(f"  {status:<11} {feed:<13} {day:<10} {path} ({rows_read:,} rows): {message or ''}".rstrip())
    if len(rows) > FILES_SHOWN:
        lines.append(f"  ... and {len(rows) - FILES_SHOWN:,} more: select * from ops.load_log where status <> 'loaded'")
    return lines


def _quarantine(con, since: datetime | None) -> list[str]:
    if not table_exists(con, "ops", "quarantine"):
        return []
    where, params = _since("quarantined_at", since)
    reasons = con.execute(
        f"select feed, rule, count(*) from ops.quarantine where true{where} group by all order by 3 desc, 1, 2",
        params,
    ).fetchall()
    total = sum(r[2] for r in reasons)
    lines = [f"Quarantined rows: {total:,}" + (" by feed and rule broken:" if reasons else "")]
    lines += [f"  {feed:<14} {rule:<40} {count:>8,}" for feed, rule, count in reasons]
    return lines


def _findings(con) -> list[str]:
    if not table_exists(con, "marts", "fct_findings"):
        return []
    rules = con.execute(
        "select feed, rule_name, severity, count(*) from marts.fct_findings group by all order by 4 desc, 1, 2"
    ).fetchall()
    total = sum(r[3] for r in rules)
    lines = [f"Findings (loaded rows that break a business rule; marts.fct_findings): {total:,}"]
    lines += [f"  {feed:<14} {rule:<32} {severity:<8} {count:>8,}" for feed, rule, severity, count in rules]
    return lines


def load_summary(con, since: datetime | None = None) -> str:
    """The summary of the warehouse `con` is connected to; file and quarantine sections from `since` on."""
    lines = _table_counts(con)
    lines += _files_not_loaded(con, since)
    lines += _quarantine(con, since)
    lines += _findings(con)
    return "\n".join(lines)
