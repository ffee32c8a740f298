"""Loading one partition (feed x delivery date): each file in its own transaction.

Per file: hash the bytes; skip bytes already loaded (`duplicate`); quarantine a file with no contract extension
(`unsupported_format`) or one that cannot be read as a whole (`unreadable`) by copying it to the quarantine folder;
otherwise read it to text, type and check it in SQL, and in ONE transaction write its good rows to `raw.<feed>`,
its bad rows to `ops.quarantine`, its warnings, its load-log row and its registry row. A crash before the commit
leaves nothing of the file behind, so a re-run loads it; a crash after leaves it registered, so a re-run skips it.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from warehouse.contract import FEEDS, FORMATS, format_of
from warehouse.loading import readers, validation
from warehouse.loading.discovery import partition_files
from warehouse.loading.files import link_for_reading, quarantine_file, sha256_of
from warehouse.loading.load_log import (
    DUPLICATE,
    LOADED,
    UNREADABLE,
    UNSUPPORTED_FORMAT,
    Attempt,
    first_load,
    log_attempt,
    register_file,
)
from warehouse.loading.routing import route
from warehouse.loading.schema import ensure_schema

log = logging.getLogger(__name__)


@dataclass
class PartitionResult:
    """What loading one partition did, summed over its files."""

    feed: str
    delivery_date: date
    files_seen: int = 0
    files_loaded: int = 0
    files_skipped: int = 0  # duplicates: these bytes were loaded before
    files_unreadable: int = 0
    files_unsupported: int = 0  # no contract extension
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_warned: int = 0
    extra_columns: dict[str, int] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)

    def add(self, attempt: Attempt) -> None:
        self.files_seen += 1
        if attempt.status == LOADED:
            self.files_loaded += 1
        elif attempt.status == DUPLICATE:
            self.files_skipped += 1
        elif attempt.status == UNREADABLE:
            self.files_unreadable += 1
        elif attempt.status == UNSUPPORTED_FORMAT:
            self.files_unsupported += 1
        self.rows_read += attempt.rows_read
        self.rows_loaded += attempt.rows_loaded
        self.rows_quarantined += attempt.rows_quarantined
        self.rows_warned += attempt.rows_warned
        for column, count in attempt.extra_columns.items():
            self.extra_columns[column] = self.extra_columns.get(column, 0) + count
        if attempt.status != LOADED and attempt.message:
            self.messages.append(f"{Path(attempt.path).name}: {attempt.status}: {attempt.message}")

    def to_metadata(self) -> dict:
        """Plain values for Dagster materialization metadata."""
        metadata = asdict(self)
        metadata["delivery_date"] = self.delivery_date.isoformat()
        return metadata


def load_partition(con, landing: Path, feed: str, delivery_date: date, quarantine_dir: Path) -> PartitionResult:
    """Load every file of `<landing>/<feed>/<delivery_date>/`; idempotent (a re-run adds no rows)."""
    if feed not in FEEDS:
        raise ValueError(f"unknown feed {feed!r}; the contract has {', '.join(FEEDS)}")
    ensure_schema(con)
    result = PartitionResult(feed, delivery_date)
    with tempfile.TemporaryDirectory(prefix="tw-load-") as workdir:
        for path in partition_files(Path(landing), feed, delivery_date):
            attempt = load_file(con, path, feed, delivery_date, Path(quarantine_dir), Path(workdir))
            log.info("%s %s %s: %s, %d rows read", feed, delivery_date, path.name, attempt.status, attempt.rows_read)
            result.add(attempt)
    return result


def _now() -> datetime:
    return datetime.now(UTC)


def load_file(con, path: Path, feed: str, delivery_date: date, quarantine_dir: Path, workdir: Path) -> Attempt:
    """Load one file; returns its load-log row (already written)."""
    started = _now()
    sha256 = sha256_of(path)
    fmt = format_of(path.name)
    attempt = Attempt(sha256, feed, delivery_date, str(path), fmt, LOADED, started, started)
    if fmt is None:
        copy = quarantine_file(path, sha256, quarantine_dir)
        attempt.status = UNSUPPORTED_FORMAT
        attempt.message = f"no contract extension ({', '.join(FORMATS)}); file copied to {copy}"
        return _log_alone(con, attempt)
    earlier = first_load(con, sha256)
    if earlier is not None:
        attempt.status = DUPLICATE
        attempt.message = f"same bytes already loaded for feed {earlier[0]} on {earlier[1]} from {earlier[2]}"
        return _log_alone(con, attempt)
    try:
        return _load_readable(con, path, attempt, quarantine_dir, workdir)
    finally:
        readers.drop_temp_tables(con)
        for table in validation.TEMP_TABLES:
            con.execute(f"drop table if exists temp.{table}")


def _log_alone(con, attempt: Attempt) -> Attempt:
    attempt.finished_at = _now()
    log_attempt(con, attempt)
    return attempt


def _load_readable(con, path: Path, attempt: Attempt, quarantine_dir: Path, workdir: Path) -> Attempt:
    feed = FEEDS[attempt.feed]
    link = link_for_reading(path, attempt.file_sha256, workdir)
    try:
        staged = readers.stage(con, link, attempt.format, feed)
    except (readers.UnreadableFile, duckdb.Error) as exc:
        copy = quarantine_file(path, attempt.file_sha256, quarantine_dir)
        attempt.status = UNREADABLE
        attempt.message = f"{_first_line(exc)}; file copied to {copy}"
        return _log_alone(con, attempt)
    finally:
        link.unlink(missing_ok=True)
    validation.build_verdicts(con, feed)
    con.execute("begin transaction")
    try:
        counts = route(con, feed, attempt.file_sha256, attempt.delivery_date, attempt.path, staged.present_columns)
        attempt.rows_read = counts.rows_read
        attempt.rows_loaded = counts.rows_loaded
        attempt.rows_quarantined = counts.rows_quarantined
        attempt.rows_warned = counts.rows_warned
        attempt.extra_columns = staged.extra_columns
        attempt.message = "; ".join(staged.notes) or None
        attempt.finished_at = _now()
        log_attempt(con, attempt)
        register_file(con, attempt)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return attempt


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:500]
