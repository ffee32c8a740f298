"""One writer per warehouse file: an exclusive lock on `<warehouse>.lock` held for the whole of a `tradewh run`.

DuckDB itself refuses a second writing process, but only when it opens the file, mid-run, with an error. The lock
makes a second run wait at the start instead, and say for whom. It is an `flock`, so the kernel drops it when its
holder dies in any way (kill -9, the OOM killer, a reboot): a killed run never leaves the warehouse locked. The file
also carries who holds it (pid, host, command, since when) for the waiting run's message; a stale note left by a
killed holder is ignored, since only a held lock counts.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

# How often a waiting run says it is still waiting.
REPORT_EVERY_SECONDS = 30.0
POLL_SECONDS = 0.5


class WriterBusy(Exception):
    """Another process held the warehouse for longer than the caller would wait."""


def lock_path(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".lock")


def _holder_note(path: Path) -> str:
    try:
        holder = json.loads(path.read_text(encoding="utf-8"))
        return f"{holder['command']} (pid {holder['pid']} on {holder['host']}, since {holder['since']})"
    except (OSError, ValueError, KeyError):
        return "another process"


@contextmanager
def writer_lock(warehouse: Path, wait_seconds: float, log: Callable[[str], None] = print) -> Iterator[None]:
    """Hold the warehouse's writer lock for the block; wait up to `wait_seconds` for it, saying for whom."""
    path = lock_path(warehouse)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Private: anyone who can open the lock file can take the lock and stall every load.
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    with contextlib.suppress(OSError):  # a lock file made by an older version (0644) becomes private too
        os.fchmod(fd, 0o600)
    try:
        deadline, next_report = time.monotonic() + wait_seconds, 0.0
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                now = time.monotonic()
                if now >= deadline:
                    raise WriterBusy(
                        f"{warehouse} is still in use by {_holder_note(path)} after {wait_seconds:.0f} s "
                        "(wait longer with --wait SECONDS)"
                    ) from None
                if now >= next_report:
                    log(
                        f"waiting for {_holder_note(path)} to finish with {warehouse} "
                        f"(gives up in {deadline - now:.0f} s)"
                    )
                    next_report = now + REPORT_EVERY_SECONDS
                time.sleep(POLL_SECONDS)
        note = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "command": "tradewh " + " ".join(sys.argv[1:2]) if sys.argv[1:] else "python",
            "since": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(note).encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
