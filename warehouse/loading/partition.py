"""Loading partitions (feed x delivery date) in batches of files: one typing pass and one transaction per batch.

Per file, in day and name order: hash the bytes; skip bytes already loaded or already staged in this batch
(`duplicate`); quarantine a file with no contract extension (`unsupported_format`), one that cannot be read as a
whole (`unreadable`) or one whose header lacks a required column (`rejected`, with its records counted) by copying
it to the quarantine folder; otherwise read it to text and append its rows, tagged with the file's id, to the batch
stage. Per batch (many files, bounded by rows and files): type and check every
staged row in SQL (the checks across rows stay within each file), then in ONE transaction write the good rows to
`raw.<feed>`, the bad rows to `ops.quarantine`, the warnings, every file's load-log row and the loaded files'
registry rows. A crash before the commit leaves nothing of the batch behind, so a re-run loads it; a crash after
leaves its files registered, so a re-run skips them.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from warehouse.contract import FEEDS, FORMATS, format_of
from warehouse.loading import readers, validation
from warehouse.loading.discovery import partition_files
from warehouse.loading.files import link_for_reading, quarantine_file, sha256_of
from warehouse.loading.header import header_problem
from warehouse.loading.load_log import (
    DUPLICATE,
    LOADED,
    REJECTED,
    UNREADABLE,
    UNSUPPORTED_FORMAT,
    Attempt,
    first_load,
    log_attempts,
    register_files,
)
from warehouse.loading.routing import FILES, create_files_table, route
from warehouse.loading.schema import ensure_schema, schema_present

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
    files_rejected: int = 0  # the header lacks a required column: the file is quarantined whole
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_warned: int = 0
    # Records of the files rejected whole (they are in rows_read): rows_read = loaded + quarantined + rejected.
    rows_rejected: int = 0
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
        elif attempt.status == REJECTED:
            self.files_rejected += 1
            self.rows_rejected += attempt.rows_read
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


# A batch ends when it has staged this many records or files (whichever comes first; a day may span two batches).
# Bigger batches pay the per-statement cost (binding and optimising the typing statement: ~0.1 s) less often;
# the rows of a batch are held in temp tables until it commits.
BATCH_ROWS = 250_000
BATCH_FILES = 1_000
# A file this big (on disk; a quarter of it when gzip) is a batch of its own, read without copying its rows into
# the batch stage: copying costs more than the ~0.1 s a file saves by sharing a batch.
SOLO_BYTES = 16 << 20


def _is_big(path: Path) -> bool:
    size = path.stat().st_size
    return size >= (SOLO_BYTES // 4 if path.name.lower().endswith(".gz") else SOLO_BYTES)


@dataclass
class LoadProgress:
    """Where a multi-day load is: passed to the `progress` callback after each file staged and each batch."""

    feed: str
    days_total: int
    days_staged: int  # days whose every file has been read (staged, or found duplicate/unreadable)
    files_seen: int
    rows_staged: int
    rows_committed: int  # rows read of the files committed so far
    batches_committed: int


def load_partition(con, landing: Path, feed: str, delivery_date: date, quarantine_dir: Path) -> PartitionResult:
    """Load every file of `<landing>/<feed>/<delivery_date>/`; idempotent (a re-run adds no rows)."""
    return load_partitions(con, landing, feed, [delivery_date], quarantine_dir)[0]


def load_partitions(
    con,
    landing: Path,
    feed: str,
    days: list[date],
    quarantine_dir: Path,
    progress: Callable[[LoadProgress], None] | None = None,
    *,
    batch_rows: int = BATCH_ROWS,
    batch_files: int = BATCH_FILES,
) -> list[PartitionResult]:
    """Load every file of `<landing>/<feed>/<day>/` for each day, in batches; one result per day, in order.

    Idempotent (a re-run adds no rows). Each batch is one transaction. The schema is created when missing (one
    cheap check per call); callers loading many feeds should call `ensure_schema` once first.
    """
    if feed not in FEEDS:
        raise ValueError(f"unknown feed {feed!r}; the contract has {', '.join(FEEDS)}")
    if not schema_present(con):
        ensure_schema(con)
    results = [PartitionResult(feed, day) for day in days]
    with tempfile.TemporaryDirectory(prefix="tw-load-") as workdir:
        batch = _Batch(con, FEEDS[feed], Path(quarantine_dir), Path(workdir))
        state = LoadProgress(feed, len(days), 0, 0, 0, 0, 0)

        def report() -> None:
            if progress is not None:
                state.files_seen, state.rows_staged = batch.files_seen, batch.rows_staged_total
                progress(replace(state))

        def flush() -> None:
            for index, attempt in batch.commit():
                results[index].add(attempt)
                state.rows_committed += attempt.rows_read
            state.batches_committed += 1
            report()

        for index, day in enumerate(days):
            for path in partition_files(Path(landing), feed, day):
                solo = _is_big(path)
                if solo and batch.attempts:
                    flush()
                batch.add(path, day, index, solo=solo)
                report()
                if solo or batch.rows >= batch_rows or batch.files >= batch_files:
                    flush()
            state.days_staged = index + 1
        if batch.attempts:
            flush()
        report()
    return results


def _now() -> datetime:
    return datetime.now(UTC)


def load_file(con, path: Path, feed: str, delivery_date: date, quarantine_dir: Path, workdir: Path) -> Attempt:
    """Load one file on its own (a batch of one); returns its load-log row (already written)."""
    if not schema_present(con):
        ensure_schema(con)
    batch = _Batch(con, FEEDS[feed], Path(quarantine_dir), Path(workdir))
    batch.add(Path(path), delivery_date, 0, solo=True)
    return batch.commit()[0][1]


class _Batch:
    """The files staged since the last commit, their attempts (load-log rows to be), and the commit."""

    def __init__(self, con, feed, quarantine_dir: Path, workdir: Path):
        self.con = con
        self.feed = feed
        self.quarantine_dir = quarantine_dir
        self.workdir = workdir
        self.files_seen = 0
        self.rows_staged_total = 0
        self._reset()

    def _reset(self) -> None:
        # (index of the day's result, attempt), in file order: the load log is written in this order.
        self.attempts: list[tuple[int, Attempt]] = []
        # file id (position in `attempts`) -> (attempt, what reading found), for the files whose rows are staged
        self.staged: dict[int, tuple[Attempt, readers.Staged]] = {}
        # sha256 -> (feed, day, path) of the files staged in this batch: the same bytes again are a duplicate
        self.seen: dict[str, tuple[str, date, str]] = {}
        self.rows = 0
        self.files = 0
        self.tables = False
        self.solo = False  # the batch stage is a view over one file's own stage (see readers.alias_as_batch)

    def add(self, path: Path, delivery_date: date, result_index: int, solo: bool = False) -> None:
        """Hash, classify and (when new and readable) stage one file; nothing is written to the warehouse.

        `solo`: the file is the only one of this batch (the caller commits right after); its rows stay where the
        reader put them."""
        started = _now()
        sha256 = sha256_of(path)
        fmt = format_of(path.name)
        attempt = Attempt(sha256, self.feed.name, delivery_date, str(path), fmt, LOADED, started, started)
        self.attempts.append((result_index, attempt))
        self.files += 1
        self.files_seen += 1
        if fmt is None:
            copy = quarantine_file(path, sha256, self.quarantine_dir)
            attempt.status = UNSUPPORTED_FORMAT
            attempt.message = f"no contract extension ({', '.join(FORMATS)}); file copied to {copy}"
            attempt.finished_at = _now()
            return
        earlier = self.seen.get(sha256) or first_load(self.con, sha256)
        if earlier is not None:
            attempt.status = DUPLICATE
            attempt.message = f"same bytes already loaded for feed {earlier[0]} on {earlier[1]} from {earlier[2]}"
            attempt.finished_at = _now()
            return
        solo = solo and not self.tables  # a batch with its stage tables already made copies into them
        if not self.tables and not solo:
            readers.create_batch_tables(self.con, self.feed)
            self.tables = True
        file_id = len(self.attempts) - 1
        link = link_for_reading(path, sha256, self.workdir)
        try:
            staged = readers.stage(self.con, link, fmt, self.feed)
            problem = header_problem(self.feed, staged.header) if staged.header is not None else None
            if problem:
                # Checked after the read, so that the log can say how many records the rejected file holds.
                self._reject(path, attempt, problem, readers.staged_records(self.con))
                return
            if solo:
                readers.alias_as_batch(self.con, self.feed, file_id)
                self.solo = True
                records = 0
            else:
                records = readers.append_to_batch(self.con, self.feed, file_id)
        except (readers.UnreadableFile, duckdb.Error) as exc:
            copy = quarantine_file(path, sha256, self.quarantine_dir)
            attempt.status = UNREADABLE
            attempt.message = f"{_first_line(exc)}; file copied to {copy}"
            attempt.finished_at = _now()
            return
        finally:
            # The file's own temp tables are dropped by the next `readers.stage` or at the commit.
            link.unlink(missing_ok=True)
        self.staged[file_id] = (attempt, staged)
        self.seen[sha256] = (self.feed.name, delivery_date, str(path))
        self.rows += records
        self.rows_staged_total += records

    def _reject(self, path: Path, attempt: Attempt, problem: str, records: int) -> None:
        copy = quarantine_file(path, attempt.file_sha256, self.quarantine_dir)
        attempt.status = REJECTED
        attempt.rows_read = records
        attempt.message = f"{problem}; file copied to {copy}"
        attempt.finished_at = _now()

    def commit(self) -> list[tuple[int, Attempt]]:
        """Type, check and route every staged row, and write every attempt, in ONE transaction."""
        con = self.con
        try:
            if self.staged:
                create_files_table(
                    con, [(i, a.file_sha256, a.delivery_date, a.path) for i, (a, _) in self.staged.items()]
                )
                validation.build_verdicts(con, self.feed)
            con.execute("begin transaction")
            try:
                if self.staged:
                    present = {i: staged.present_columns for i, (_, staged) in self.staged.items()}
                    counts = route(con, self.feed, present)
                    finished = _now()
                    for file_id, (attempt, staged) in self.staged.items():
                        routed = counts[file_id]
                        attempt.rows_read = routed.rows_read
                        attempt.rows_loaded = routed.rows_loaded
                        attempt.rows_quarantined = routed.rows_quarantined
                        attempt.rows_warned = routed.rows_warned
                        attempt.extra_columns = staged.extra_columns
                        attempt.message = "; ".join(staged.notes) or None
                        attempt.finished_at = finished
                attempts = [attempt for _, attempt in self.attempts]
                log_attempts(con, attempts)
                register_files(con, [attempt for attempt, _ in self.staged.values()])
                con.execute("commit")
            except BaseException:
                con.execute("rollback")
                raise
        finally:
            readers.drop_batch_tables(con, views=self.solo)
            readers.drop_temp_tables(con)
            for table in (*validation.TEMP_TABLES, FILES):
                con.execute(f"drop table if exists temp.{table}")
        done = self.attempts
        for _, attempt in done:
            log.info(
                "%s %s %s: %s, %d rows read",
                attempt.feed,
                attempt.delivery_date,
                Path(attempt.path).name,
                attempt.status,
                attempt.rows_read,
            )
        self._reset()
        return done


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:500]
