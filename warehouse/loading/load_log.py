"""The load log (`ops.load_log`), the file registry (`ops.files`) and reconciliation.

Every attempt at a file leaves one log row, whatever happened; only a file whose rows were loaded enters the
registry, which is what later deliveries of the same bytes are checked against.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime

from warehouse.contract import FEEDS
from warehouse.sql_files import query

LOADED = "loaded"
DUPLICATE = "duplicate"
UNREADABLE = "unreadable"
UNSUPPORTED_FORMAT = "unsupported_format"
# Readable, but the file as a whole breaks the contract: its header lacks a required column, or its folder is not a
# delivery date. Kept whole in the quarantine folder; rows_read says how many records it holds, none is loaded.
REJECTED = "rejected"
STATUSES = (LOADED, DUPLICATE, UNREADABLE, UNSUPPORTED_FORMAT, REJECTED)


@dataclass
class Attempt:
    """One row of the load log."""

    file_sha256: str
    feed: str
    delivery_date: date | None  # None only for a file of a folder that is not a date
    path: str
    format: str | None
    status: str
    started_at: datetime
    finished_at: datetime
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_warned: int = 0
    extra_columns: dict[str, int] = field(default_factory=dict)
    message: str | None = None


def log_attempt(con, attempt: Attempt) -> None:
    con.execute(
        """insert into ops.load_log (file_sha256, feed, delivery_date, path, format, status, rows_read,
            rows_loaded, rows_quarantined, rows_warned, extra_columns, started_at, finished_at, message)
        values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [
            attempt.file_sha256,
            attempt.feed,
            attempt.delivery_date,
            attempt.path,
            attempt.format,
            attempt.status,
            attempt.rows_read,
            attempt.rows_loaded,
            attempt.rows_quarantined,
            attempt.rows_warned,
            json.dumps(attempt.extra_columns) if attempt.extra_columns else None,
            attempt.started_at,
            attempt.finished_at,
            attempt.message,
        ],
    )


def register_file(con, attempt: Attempt) -> None:
    con.execute(
        "insert into ops.files values (?, ?, ?, ?, ?, ?, now())",
        [
            attempt.file_sha256,
            attempt.feed,
            attempt.delivery_date,
            attempt.path,
            attempt.format,
            attempt.rows_read,
        ],
    )


_LOG_COLUMNS = (
    "file_sha256",
    "feed",
    "delivery_date",
    "path",
    "format",
    "status",
    "rows_read",
    "rows_loaded",
    "rows_quarantined",
    "rows_warned",
    "extra_columns",
    "started_at",
    "finished_at",
    "message",
)
_LOG_TYPES = (
    "VARCHAR",
    "VARCHAR",
    "DATE",
    "VARCHAR",
    "VARCHAR",
    "VARCHAR",
    "BIGINT",
    "BIGINT",
    "BIGINT",
    "BIGINT",
    "JSON",
    "TIMESTAMPTZ",
    "TIMESTAMPTZ",
    "VARCHAR",
)


def log_attempts(con, attempts: list[Attempt]) -> None:
    """Many load-log rows in one statement (one list per column), in the given order."""
    if not attempts:
        return
    values = [
        [getattr(a, name) if name != "extra_columns" else _extra_json(a) for a in attempts] for name in _LOG_COLUMNS
    ]
    unnested = ", ".join(f"unnest(?::{t}[])" for t in _LOG_TYPES)
    con.execute(
        f"insert into ops.load_log ({', '.join(_LOG_COLUMNS)}) select {unnested}",
        values,
    )


def _extra_json(attempt: Attempt) -> str | None:
    return json.dumps(attempt.extra_columns) if attempt.extra_columns else None


def register_files(con, attempts: list[Attempt]) -> None:
    """Registry rows of many loaded files in one statement."""
    if not attempts:
        return
    con.execute(
        """insert into ops.files select unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::DATE[]),
            unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::BIGINT[]), now()""",
        [
            [a.file_sha256 for a in attempts],
            [a.feed for a in attempts],
            [a.delivery_date for a in attempts],
            [a.path for a in attempts],
            [a.format for a in attempts],
            [a.rows_read for a in attempts],
        ],
    )


def first_load(con, sha256: str) -> tuple[str, date, str] | None:
    """(feed, delivery date, path) of the earlier load of these bytes, or None when they are new."""
    return con.execute("select feed, delivery_date, path from ops.files where file_sha256 = ?", [sha256]).fetchone()


def reconcile(con, feed: str | None = None) -> list[dict]:
    """Loaded files (of `feed`, or of every feed) whose counts do not reconcile; empty when every row is in exactly
    one place.

    Checks, per file logged `loaded`: rows_read = rows_loaded + rows_quarantined, and that the raw table and the
    quarantine really hold rows_loaded and rows_quarantined rows of that file.
    """
    feeds = [feed] if feed else list(FEEDS)
    # One count per feed's raw table: the union is built here, the feeds being the contract's.
    raw_counts = " union all ".join(
        f"select '{name}' as feed, _file_sha256 as sha, count(*) as n from raw.{name} group by _file_sha256"
        for name in feeds
    )
    statement = query(__package__, "load_log_reconcile", raw_counts=raw_counts)
    rows = con.execute(statement, {"loaded": LOADED, "feeds": feeds})
    names = [d[0] for d in rows.description]
    return [dict(zip(names, row, strict=True)) for row in rows.fetchall()]
