"""Runs left `STARTED` by a process that died, and waiting visibly for the writer pool.

A run killed with its process (kill -9, the OOM killer, a reboot) stays `STARTED` in Dagster's storage and keeps the
slot it holds in the pool `warehouse_writer`, whose limit is 1: every later run then waits for it forever. Each run
that writes the warehouse records which process runs it (tags `tradewh/pid`, `tradewh/host` and the process's start
time, so a reused pid is not mistaken for the dead one): `tradewh run` tags its runs when it starts them, and the
warehouse resource tags runs launched by the daemon or the UI when their first step opens the warehouse.
`sweep_stale_runs` marks a run whose recorded process is gone as failed, with the reason, and frees its slots;
`wait_for_writer_pool` does that, then waits for live holders of the pool with a message saying which run and since
when, up to a timeout.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
from dagster._core.storage.dagster_run import FINISHED_STATUSES, RunsFilter

from orchestration.policy import WRITER_POOL
from warehouse.writer_lock import WriterBusy

PID_TAG = "tradewh/pid"
HOST_TAG = "tradewh/host"
PROCESS_START_TAG = "tradewh/process_start"
# Statuses of a run that may hold a slot and will never finish if its process is gone.
UNFINISHED = [dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED]
UNFINISHED += [dg.DagsterRunStatus.CANCELING]
REPORT_EVERY_SECONDS = 30.0
POLL_SECONDS = 1.0


class WriterPoolBusy(WriterBusy):
    """A live run held the writer pool for longer than the caller would wait."""


def process_start(pid: int) -> str | None:
    """The start time of process `pid` in clock ticks since boot (field 22 of /proc/<pid>/stat), or None when there
    is no such process. Together with the pid it names one process: pids are reused, start times are not."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


def process_tags(pid: int | None = None) -> dict[str, str]:
    """The tags that say which process executes a run."""
    pid = pid or os.getpid()
    return {PID_TAG: str(pid), HOST_TAG: socket.gethostname(), PROCESS_START_TAG: process_start(pid) or ""}


def tag_run_with_process(instance: dg.DagsterInstance, run_id: str) -> None:
    """Record this process on the run (once: a step of the same process finds the tags already there)."""
    run = instance.get_run_by_id(run_id)
    if run is not None and run.tags.get(PID_TAG) != str(os.getpid()):
        instance.add_run_tags(run_id, process_tags())


def _gone(run: dg.DagsterRun) -> str | None:
    """Why the run's process is known to be gone, or None when it may be alive (or ran elsewhere)."""
    pid, host, started = run.tags.get(PID_TAG), run.tags.get(HOST_TAG), run.tags.get(PROCESS_START_TAG)
    if not pid or host != socket.gethostname():
        return None
    now = process_start(int(pid))
    if now is None:
        return f"process {pid} ended without finishing"
    if started and now != started:
        return f"process {pid} ended without finishing (the pid now belongs to another process)"
    return None


def sweep_stale_runs(instance: dg.DagsterInstance, log: Callable[[str], None] = print) -> list[str]:
    """Mark every unfinished run whose process is gone as failed and free its pool slots; returns their ids."""
    swept = []
    for run in instance.get_runs(filters=RunsFilter(statuses=UNFINISHED)):
        reason = _gone(run)
        if reason is None:
            continue
        message = f"{reason}; marked failed at {datetime.now(UTC).isoformat(timespec='seconds')}"
        instance.report_run_failed(run, message)
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        log(f"! run {run.run_id} ({run.job_name}) was left unfinished: {message}")
        swept.append(run.run_id)
    # Slots of runs that did finish (a crash between the run's end and the release) are freed too.
    holders = instance.event_log_storage.get_concurrency_info(WRITER_POOL).active_run_ids
    if holders:
        finished = instance.get_run_records(filters=RunsFilter(run_ids=list(holders), statuses=FINISHED_STATUSES))
        for record in finished:
            instance.event_log_storage.free_concurrency_slots_for_run(record.dagster_run.run_id)
    return swept


def _holders(instance: dg.DagsterInstance) -> list[dg.DagsterRun]:
    info = instance.event_log_storage.get_concurrency_info(WRITER_POOL)
    run_ids = info.active_run_ids | {step.run_id for step in info.pending_steps if step.assigned_timestamp}
    if not run_ids:
        return []
    return [run for run in instance.get_runs(filters=RunsFilter(run_ids=list(run_ids))) if not run.is_finished]


def _describe(instance: dg.DagsterInstance, run: dg.DagsterRun) -> str:
    record = instance.get_run_record_by_id(run.run_id)
    since = (
        datetime.fromtimestamp(record.start_time, UTC).isoformat(timespec="seconds")
        if record and record.start_time
        else "not yet started"
    )
    where = f", pid {run.tags[PID_TAG]}" if PID_TAG in run.tags else ""
    return f"run {run.run_id} ({run.job_name}{where}, since {since})"


def wait_for_writer_pool(instance: dg.DagsterInstance, wait_seconds: float, log: Callable[[str], None] = print) -> None:
    """Clear stale runs, then wait until no live run holds the writer pool, saying which one does."""
    sweep_stale_runs(instance, log)
    deadline, next_report = time.monotonic() + wait_seconds, 0.0
    while holders := _holders(instance):
        now = time.monotonic()
        described = "; ".join(_describe(instance, run) for run in holders)
        if now >= deadline:
            raise WriterPoolBusy(
                f"the writer pool {WRITER_POOL} is still held by {described} after {wait_seconds:.0f} s"
            )
        if now >= next_report:
            log(f"waiting for {described} to release the writer pool (gives up in {deadline - now:.0f} s)")
            next_report = now + REPORT_EVERY_SECONDS
        time.sleep(POLL_SECONDS)
        sweep_stale_runs(instance, log)
