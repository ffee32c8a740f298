"""A killed run never blocks the next: `tradewh run` killed with SIGKILL inside ingest and inside dbt, or stopped
with SIGTERM, and then run again, finishes within a time limit and reaches exactly the tables of a run that was
never interrupted. The short version of `benchmarks/crash_trials.py` (docs/operations.md has the 20-trial result).
A run that is merely waiting is no crash: the uninterrupted reference run has a second `tradewh run` on the same
warehouse wait for it, which must say which run it waits for and then finish. Every run of the platform costs about
a minute of the suite, so the runs are shared: one reference run, one chain of interrupted runs.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import dagster as dg
import pytest

from benchmarks.crash_trials import (
    PHASES,
    _command,
    _env,
    differing_tables,
    kill_during,
    rows_without,
    run_time_columns,
    run_to_end,
    started_steps,
)
from warehouse.generator import generate

pytestmark = pytest.mark.slow
RECOVERY_LIMIT_SECONDS = 300


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("crash") / "landing"
    generate(root, start=date(2025, 10, 1), days=1, scale=0.002, seed=3, fmt="csv", dirt_rate=0.002)
    shutil.rmtree(root / "truth")
    return root


@dataclass(frozen=True)
class CleanRun:
    root: Path
    pid: int  # of the uninterrupted run
    waiter_rc: int  # of the second run, started on the same warehouse while the first held it
    waiter_log: str


@pytest.fixture(scope="module")
def clean_run(landing, tmp_path_factory) -> CleanRun:
    """A run never interrupted, in root/; once it is under way, a second `tradewh run` on the same warehouse, with an
    empty landing (nothing to load: it takes the lock all the same, and ends soon after the first), waits for it."""
    root = tmp_path_factory.mktemp("reference")
    empty = root / "empty"
    empty.mkdir()
    waiter_env = _env(root)
    del waiter_env["TRADEWH_WAIT_SECONDS"]  # the harness's 60 s is shorter than a whole run: wait the default
    started: list[subprocess.Popen] = []
    with (root / "run.log").open("a") as log, (root / "second.log").open("w") as second_log:
        try:
            first = subprocess.Popen(_command(root, landing), env=_env(root), stdout=log, stderr=log)
            started.append(first)
            _wait_for_log(root / "run.log", "running reference_job", first, 120)
            second = subprocess.Popen(_command(root, empty), env=waiter_env, stdout=second_log, stderr=second_log)
            started.append(second)
            rc = first.wait(timeout=RECOVERY_LIMIT_SECONDS)
            waiter_rc = second.wait(timeout=600)
        finally:
            for proc in started:
                if proc.poll() is None:
                    proc.kill()
    assert rc == 0, (root / "run.log").read_text()[-3000:]
    return CleanRun(root, first.pid, waiter_rc, (root / "second.log").read_text())


def _wait_for_log(log: Path, text: str, proc: subprocess.Popen, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while text not in log.read_text():
        assert proc.poll() is None, log.read_text()[-3000:]
        assert time.monotonic() < deadline, f"timed out waiting for {text!r}"
        time.sleep(0.2)


@pytest.fixture(scope="module")
def reference(clean_run):
    """The clean run's tables; its run-time columns (load, resolution and training times, model paths: what the
    harness found to differ between two clean runs) are left out of every comparison."""
    warehouse = clean_run.root / "warehouse.duckdb"
    volatile = run_time_columns(warehouse)
    return volatile, rows_without(warehouse, volatile)


def test_a_second_run_on_the_same_warehouse_says_which_run_it_waits_for_then_finishes(clean_run):
    assert clean_run.waiter_rc == 0, clean_run.waiter_log[-3000:]
    waited = clean_run.waiter_log
    assert f"waiting for tradewh run (pid {clean_run.pid} on {socket.gethostname()}, since " in waited
    assert "no deliveries found" in waited  # it ran, after the first let go


def _runs(folder: Path) -> list[dg.DagsterRun]:
    return dg.DagsterInstance.from_config(str(folder / "dagster")).get_runs()


def _recovers(folder: Path, landing: Path, reference) -> str:
    volatile, rows = reference
    start = time.monotonic()
    rc, _ = run_to_end(folder, landing, RECOVERY_LIMIT_SECONDS)
    log = (folder / "run.log").read_text()
    assert rc == 0, log[-3000:]
    assert time.monotonic() - start < RECOVERY_LIMIT_SECONDS
    assert differing_tables(rows, rows_without(folder / "warehouse.duckdb", volatile)) == []
    assert all(run.is_finished for run in _runs(folder))
    return log


def _leave_a_half_publish(folder: Path) -> None:
    """What a publish killed half-way leaves: its private staging folder (a copy and its write-ahead log), or, from
    an older version, a `.new` copy beside the analyst copy."""
    (folder / ".publish").mkdir(mode=0o700, exist_ok=True)
    (folder / ".publish" / "warehouse.entitled.duckdb").write_bytes(b"half a copy")
    (folder / ".publish" / "warehouse.entitled.duckdb.wal").write_bytes(b"a stale log")
    (folder / "warehouse.analyst.duckdb.new").write_bytes(b"half a copy")
    (folder / "warehouse.analyst.duckdb.new.wal").write_bytes(b"a stale log")


def _unfinished(folder: Path) -> list[dg.DagsterRun]:
    return [run for run in _runs(folder) if not run.is_finished]


def test_runs_killed_inside_ingest_then_dbt_then_stopped_by_sigterm_are_each_cleared_by_the_next_and_the_last_matches_an_uninterrupted_one(  # noqa: E501
    landing, reference, tmp_path
):
    """One warehouse, four runs: SIGKILL inside ingest, SIGKILL inside dbt, SIGTERM inside dbt, then a run to the end.
    Each run clears what the one before left (its run marked failed, the writer pool freed, half a publish removed);
    SIGTERM stops its run within seconds, marked canceled with its pool slot freed; and the last run reaches exactly
    the tables of a run never interrupted. In one chain, not one test per interruption: every run of the platform
    costs about a minute of the suite."""
    killed_in, _ = kill_during(tmp_path, landing, "ingest", 0, phase_window=1.0)
    assert killed_in != "before any step"
    in_ingest = _unfinished(tmp_path)
    assert in_ingest, "the kill should leave the run it interrupted marked started"
    _leave_a_half_publish(tmp_path)

    killed_in, _ = kill_during(tmp_path, landing, "dbt", 0, phase_window=1.0)
    log = (tmp_path / "run.log").read_text()
    # The second run got past the first one's leftovers into dbt before it was killed.
    assert f"({in_ingest[0].job_name}) was left unfinished: process" in log
    assert killed_in.startswith(PHASES["dbt"])
    in_dbt = [run for run in _unfinished(tmp_path) if run.run_id not in {r.run_id for r in in_ingest}]
    assert in_dbt, "the kill inside dbt should leave its run marked started"
    _leave_a_half_publish(tmp_path)

    # SIGTERM, one second into the third run's own dbt step (the killed run's step is in the history already).
    before = len(log)
    dbt_steps = started_steps(tmp_path).count("warehouse_models")
    with (tmp_path / "run.log").open("a") as out:
        proc = subprocess.Popen(
            _command(tmp_path, landing), env=_env(tmp_path), stdout=out, stderr=out, start_new_session=True
        )
        while proc.poll() is None and started_steps(tmp_path).count("warehouse_models") == dbt_steps:
            time.sleep(0.05)
        time.sleep(1.0)
        sent = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(timeout=60)
        stopped_after = time.monotonic() - sent
    log = (tmp_path / "run.log").read_text()[before:]
    assert rc in (130, 143), log[-3000:]
    assert stopped_after < 10
    # It cleared what the run killed inside dbt left before it got into dbt itself.
    assert f"({in_dbt[0].job_name}) was left unfinished: process" in log
    assert "removed warehouse.analyst.duckdb.new" in log and "removed warehouse.entitled.duckdb.wal" in log
    killed = {run.run_id for run in [*in_ingest, *in_dbt]}
    stopped = [run for run in _runs(tmp_path) if run.job_name == "warehouse_job" and run.run_id not in killed]
    assert [run.status for run in stopped] == [dg.DagsterRunStatus.CANCELED]
    instance = dg.DagsterInstance.from_config(str(tmp_path / "dagster"))
    assert instance.event_log_storage.get_concurrency_info("warehouse_writer").claimed_slots == []
    assert "stopped by an interrupt" in log
    _leave_a_half_publish(tmp_path)

    before = len((tmp_path / "run.log").read_text())
    log = _recovers(tmp_path, landing, reference)[before:]
    assert "removed warehouse.analyst.duckdb.new" in log and "removed warehouse.entitled.duckdb.wal" in log
    assert not (tmp_path / "warehouse.analyst.duckdb.new.wal").exists()
    assert not (tmp_path / ".publish").exists()
    statuses = {run.run_id: run.status for run in _runs(tmp_path)}
    assert all(statuses[run.run_id] == dg.DagsterRunStatus.FAILURE for run in [*in_ingest, *in_dbt])
    assert statuses[stopped[0].run_id] == dg.DagsterRunStatus.CANCELED
