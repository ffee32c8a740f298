"""A killed run never blocks the next: `tradewh run` killed with SIGKILL inside ingest and inside dbt, or stopped
with SIGTERM, and then run again, finishes within a time limit and reaches exactly the tables of a run that was
never interrupted. The short version of `benchmarks/crash_trials.py` (docs/operations.md has the 20-trial result).
"""

from __future__ import annotations

import shutil
import signal
import time
from datetime import date
from pathlib import Path

import dagster as dg
import pytest

from benchmarks.crash_trials import (
    PHASES,
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


@pytest.fixture(scope="module")
def reference(landing, tmp_path_factory):
    """A clean run; its run-time columns (load, resolution and training times, model paths: what the harness found
    to differ between two clean runs) are left out of every comparison."""
    root = tmp_path_factory.mktemp("reference")
    rc, _ = run_to_end(root, landing, RECOVERY_LIMIT_SECONDS)
    assert rc == 0, (root / "run.log").read_text()[-3000:]
    volatile = run_time_columns(root / "warehouse.duckdb")
    return volatile, rows_without(root / "warehouse.duckdb", volatile)


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


def test_runs_killed_inside_ingest_then_dbt_are_each_cleared_by_the_next_and_the_last_matches_an_uninterrupted_one(
    landing, reference, tmp_path
):
    """One warehouse, three runs: SIGKILL inside ingest, SIGKILL inside dbt, then a run to the end. Each run clears
    what the one before left (its run marked failed, the writer pool freed, half a publish removed) and the last
    one reaches exactly the tables of a run never interrupted. In one chain, not one test per phase: every run of
    the platform costs about a minute of the suite."""
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

    log = _recovers(tmp_path, landing, reference)
    assert f"({in_dbt[0].job_name}) was left unfinished: process" in log
    assert "removed warehouse.analyst.duckdb.new" in log and "removed warehouse.entitled.duckdb.wal" in log
    assert not (tmp_path / "warehouse.analyst.duckdb.new.wal").exists()
    assert not (tmp_path / ".publish").exists()
    statuses = {run.run_id: run.status for run in _runs(tmp_path)}
    assert all(statuses[run.run_id] == dg.DagsterRunStatus.FAILURE for run in [*in_ingest, *in_dbt])


def test_sigterm_stops_a_run_within_seconds_marks_it_canceled_and_frees_the_writer_pool(landing, reference, tmp_path):
    import subprocess

    from benchmarks.crash_trials import _command, _env

    with (tmp_path / "run.log").open("a") as log:
        proc = subprocess.Popen(
            _command(tmp_path, landing), env=_env(tmp_path), stdout=log, stderr=log, start_new_session=True
        )
        while proc.poll() is None and "warehouse_models" not in started_steps(tmp_path):
            time.sleep(0.05)
        time.sleep(1.0)
        sent = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(timeout=60)
        stopped_after = time.monotonic() - sent
    assert rc in (130, 143), (tmp_path / "run.log").read_text()[-3000:]
    assert stopped_after < 10
    runs = _runs(tmp_path)
    assert [run.status for run in runs if run.job_name == "warehouse_job"] == [dg.DagsterRunStatus.CANCELED]
    instance = dg.DagsterInstance.from_config(str(tmp_path / "dagster"))
    assert instance.event_log_storage.get_concurrency_info("warehouse_writer").claimed_slots == []
    assert "stopped by an interrupt" in (tmp_path / "run.log").read_text()
    _recovers(tmp_path, landing, reference)
