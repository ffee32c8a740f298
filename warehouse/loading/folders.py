"""Files in a feed's folder that is not a delivery date (`<landing>/entries/2025-13-45/x.csv`, `not-a-date/`).

They cannot be loaded — a row's delivery date is its partition, and there is none — but they must not vanish
either: `record_rejected_folders` logs every such file in `ops.load_log` as `rejected`, with `delivery_date` NULL,
its path (which names the folder), its records counted and the reason, and copies it to the quarantine folder.
It is idempotent: a file already logged with the same path and bytes is not logged again, so a run can call it
every time; a changed file (new bytes) is logged anew.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from warehouse.contract import FEEDS, format_of
from warehouse.loading import readers
from warehouse.loading.discovery import delivery_date_of
from warehouse.loading.files import link_for_reading, quarantine_file, sha256_of
from warehouse.loading.load_log import REJECTED, Attempt, log_attempts
from warehouse.loading.schema import ensure_schema, schema_present


def rejected_folder_files(landing: Path, feeds: list[str] | None = None) -> list[tuple[str, Path]]:
    """(feed, file) for every file directly in a folder of a known feed whose name is not a real date."""
    found = []
    for feed in feeds or list(FEEDS):
        feed_dir = Path(landing) / feed
        if not feed_dir.is_dir():
            continue
        for folder in sorted(feed_dir.iterdir()):
            if folder.is_dir() and delivery_date_of(folder.name) is None:
                found += [(feed, path) for path in sorted(folder.iterdir()) if path.is_file()]
    return found


def _already_logged(con, path: Path, sha256: str) -> bool:
    return con.execute(
        "select count(*) > 0 from ops.load_log where status = ? and delivery_date is null and path = ? "
        "and file_sha256 = ?",
        [REJECTED, str(path), sha256],
    ).fetchone()[0]


def _count_records(con, path: Path, sha256: str, feed: str, workdir: Path) -> tuple[int, str | None]:
    """(records the file holds, why they could not be counted) — read by the loader's own readers."""
    fmt = format_of(path.name)
    if fmt is None:
        return 0, "no contract extension"
    link = link_for_reading(path, sha256, workdir)
    try:
        readers.stage(con, link, fmt, FEEDS[feed])
        return readers.staged_records(con), None
    except (readers.UnreadableFile, duckdb.Error) as exc:
        return 0, f"unreadable: {str(exc).strip().splitlines()[0][:200]}"
    finally:
        readers.drop_temp_tables(con)
        link.unlink(missing_ok=True)


def record_rejected_folders(
    con, landing: Path, quarantine_dir: Path | None = None, feeds: list[str] | None = None
) -> list[Attempt]:
    """Log (once) every file of a folder that is not a delivery date as `rejected`; returns the rows logged now.

    `feeds`: only these feeds' folders (default: every feed). `quarantine_dir`: where to copy the files (the
    landing folder is left as it is either way)."""
    files = rejected_folder_files(landing, feeds)
    if not files:
        return []
    if not schema_present(con):
        ensure_schema(con)
    attempts = []
    with tempfile.TemporaryDirectory(prefix="tw-folders-") as workdir:
        for feed, path in files:
            started = datetime.now(UTC)
            sha256 = sha256_of(path)
            if _already_logged(con, path, sha256):
                continue
            records, problem = _count_records(con, path, sha256, feed, Path(workdir))
            message = f"delivery folder {path.parent.name[:80]!r} is not a YYYY-MM-DD date; not loaded"
            if problem:
                message += f" ({problem})"
            if quarantine_dir is not None:
                message += f"; file copied to {quarantine_file(path, sha256, Path(quarantine_dir))}"
            attempt = Attempt(sha256, feed, None, str(path), format_of(path.name), REJECTED, started, started)
            attempt.rows_read = records
            attempt.message = message
            attempt.finished_at = datetime.now(UTC)
            attempts.append(attempt)
    log_attempts(con, attempts)
    return attempts
