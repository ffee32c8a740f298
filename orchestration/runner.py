"""Run the platform end to end through the same Dagster definitions the UI shows.

`tradewh run` and `tradewh demo` call `run_platform`. It executes the defined jobs in process against the
Dagster instance in $DAGSTER_HOME, so every run appears in `dagster dev` afterwards. Ingestion of all delivery
dates present is one run over the date range (the feed assets backfill in a single run).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from orchestration import run_state
from orchestration.dbt_project import prepare_manifest
from warehouse.config import analyst_path, data_dir, quarantine_dir
from warehouse.engines.settings import DUCKDB, Engine

DAGSTER_HOME_ENV = "DAGSTER_HOME"
_DAGSTER_YAML = Path(__file__).with_name("dagster.yaml")
# Only INFO and above: Dagster's DEBUG events (step starts, handled outputs) drown the progress lines.
QUIET_RUN_CONFIG = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}


def run_config(warehouse: Path, landing: Path, engine: Engine | None = None) -> dict:
    """A run's config: the warehouse and landing it works on and the engine that builds the marts, as the warehouse
    resource's config (the definitions' default reads the environment, which this process leaves alone), and quiet
    logs. A PostgreSQL URL is not config (it may hold a password): the resource reads it from the environment."""
    settings = {"path": str(warehouse), "landing": str(landing)}
    if engine is not None:
        settings["engine"] = engine.name
        if engine.spark_dir is not None:
            settings["spark_warehouse"] = str(engine.spark_dir)
    return {**QUIET_RUN_CONFIG, "resources": {"warehouse": {"config": settings}}}


def ensure_dagster_home(warehouse: Path) -> Path:
    """Point DAGSTER_HOME at `dagster/` beside the warehouse unless set, and give it our dagster.yaml."""
    home = Path(os.environ.get(DAGSTER_HOME_ENV) or data_dir(warehouse) / "dagster").absolute()
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():
        shutil.copyfile(_DAGSTER_YAML, home / "dagster.yaml")
    os.environ[DAGSTER_HOME_ENV] = str(home)
    return home


@dataclass
class PlatformRun:
    run_ids: dict[str, str] = field(default_factory=dict)
    first_day: str | None = None
    last_day: str | None = None
    skipped_days: list[str] = field(default_factory=list)
    success: bool = True
    failed_job: str | None = None
    nothing_to_load: bool = False
    unchanged_since: str | None = None  # a no-op: when the last successful run, whose record matched, finished


# The error Dagster raises in a step that SIGINT or SIGTERM interrupted.
INTERRUPTED_ERROR = "DagsterExecutionInterruptedError"
# Delivery dates further apart than this are loaded by separate ingest runs.
INGEST_MAX_GAP_DAYS = 7

# A blocking check's console line stays one line: its sample is cut to this many characters.
SAMPLE_CHARS = 160


def blocking_check_line(evaluation) -> str:
    """One console line for a failed blocking check: which check, on what, the first failure and a sample row."""
    metadata = evaluation.metadata
    first = metadata.get("first_failure")
    line = f"! blocking check {evaluation.check_name} on {evaluation.asset_key.to_user_string()} failed"
    if first is not None:
        line += f": {first.value}"
    count = metadata.get("unexpected_count")
    if count is not None:
        line += f" ({count.value:,} unexpected)"
    samples = metadata.get("samples")
    rows = samples.value.get(first.value) if samples is not None and first is not None else None
    if rows:
        sample = json.dumps(rows[0], default=str)
        line += f"; e.g. {sample[:SAMPLE_CHARS]}" + ("..." if len(sample) > SAMPLE_CHARS else "")
    return line


def _record_misplaced_files(warehouse: Path, landing: Path, log: Callable[[str], None]) -> None:
    """Files in folders that are not a delivery date are still accounted for in `ops.load_log` when no feed asset
    runs to record them (a landing with nothing else in it)."""
    from warehouse.db import connect
    from warehouse.loading import record_rejected_folders
    from warehouse.loading.folders import rejected_folder_files

    if not rejected_folder_files(landing):
        return
    with connect(warehouse) as con:
        attempts = record_rejected_folders(con, landing, quarantine_dir(warehouse))
    if attempts:
        log(f"! {len(attempts)} files in folders that are not a delivery date were rejected (see ops.load_log)")


# How long a run waits for another process holding the warehouse or the writer pool ($TRADEWH_WAIT_SECONDS).
WAIT_ENV = "TRADEWH_WAIT_SECONDS"
DEFAULT_WAIT_SECONDS = 3600.0


def wait_seconds_default() -> float:
    return float(os.environ.get(WAIT_ENV) or DEFAULT_WAIT_SECONDS)


def run_platform(
    warehouse: Path,
    landing: Path,
    log: Callable[[str], None] = print,
    wait_seconds: float | None = None,
    before_release: Callable[[], None] | None = None,
    engine: Engine | None = None,
) -> PlatformRun:
    """Load every delivery in `landing` and build everything downstream of it.

    Holds the warehouse's writer lock throughout (a second `tradewh run` waits, saying for whom), clears runs a
    killed process left unfinished, and on an interrupt (Ctrl-C, SIGTERM) marks its own unfinished runs canceled and
    frees their pool slots before the interrupt goes on. `before_release` runs last, still holding the lock (the
    summary reads the warehouse: a waiting run must not start writing under it). `engine` builds the marts (default:
    the warehouse file itself)."""
    from warehouse.access.publish import remove_interrupted_publish
    from warehouse.loading import discover
    from warehouse.writer_lock import writer_lock

    wait = wait_seconds_default() if wait_seconds is None else wait_seconds
    outcome = PlatformRun()
    days = sorted({day for feed_days in discover(landing).values() for day in feed_days})
    with writer_lock(warehouse, wait, log):
        for leftover in remove_interrupted_publish(warehouse):
            log(f"removed {leftover.name}, left by an interrupted publish of the analyst copies")
        engine = engine or Engine(DUCKDB, warehouse)
        where = engine.name + (f":{engine.location}" if engine.external else "")
        started = run_state.snapshot(warehouse, landing, where)
        last = run_state.unchanged(warehouse, started) if days else None
        if last is not None:
            log(
                f"nothing new since the last successful run ({last.finished_at}): the same files in {landing}, "
                "the same code and settings, the warehouse as it left it; nothing loaded, built or published "
                "(the analysts' copies are current)"
            )
            outcome.unchanged_since = last.finished_at
            if before_release is not None:
                before_release()
            return outcome
        run_state.forget(warehouse)
        if days:
            ensure_dagster_home(warehouse)
            prepare_manifest(warehouse)
            from orchestration.partitions import delivery_dates

            first_partition = delivery_dates.start.date()
            outcome.skipped_days = [d.isoformat() for d in days if d < first_partition]
            days = [d for d in days if d >= first_partition]
            if outcome.skipped_days:
                log(
                    f"! {len(outcome.skipped_days)} delivery dates before the first partition {first_partition} "
                    f"are not loaded (set TRADEWH_PARTITIONS_START earlier to load them)"
                )
        if not days:
            # Nothing to load means nothing new to build: stop before the reference load, Dagster and dbt.
            log(f"no deliveries found in {landing} (expected <landing>/<feed>/<YYYY-MM-DD>/<file>): nothing to load")
            outcome.nothing_to_load = True
            _record_misplaced_files(warehouse, landing, log)
        else:
            try:
                _run_jobs(warehouse, landing, days, outcome, log, wait, engine)
            finally:
                _build_docs_index(warehouse, log)
            if outcome.success:
                run_state.record_success(warehouse, started)
        if before_release is not None:
            before_release()
    return outcome


def _build_docs_index(warehouse: Path, log: Callable[[str], None]) -> None:
    """The Data Docs index over this run's validations (each suite renders only its own page), even after a failed
    run: its failures are what the index is read for."""
    from expectations.runner import build_docs_index

    try:
        build_docs_index(warehouse)
    except Exception as error:  # the docs are a view: a failure to render them must not fail a good load
        log(f"! the Data Docs index was not rebuilt: {error}")


def _run_jobs(
    warehouse: Path,
    landing: Path,
    days: list,
    outcome: PlatformRun,
    log: Callable[[str], None],
    wait: float,
    engine: Engine,
) -> None:
    # Imported here: loading the definitions takes seconds, which a landing with nothing to load must not pay.
    import dagster as dg

    from orchestration.definitions import defs
    from orchestration.defs.feeds.automation import (
        RANGE_END_TAG,
        RANGE_START_TAG,
        contiguous_ranges,
        partition_range_tags,
    )
    from orchestration.stale_runs import process_tags, wait_for_writer_pool
    from warehouse.interrupts import Stopped, stop_requested

    instance = dg.DagsterInstance.get()
    outcome.first_day, outcome.last_day = days[0].isoformat(), days[-1].isoformat()
    # One ingest run per stretch of delivery dates: a range run records every partition in it, so a landing with
    # years between two deliveries (a backfill of old history beside today's files) must not become one run over
    # thousands of empty days. Short gaps (weekends, holidays) stay inside one run.
    plan: list[tuple[str, dict[str, str]]] = [("reference_job", {})]
    plan += [
        ("ingest_job", partition_range_tags(first, last))
        for first, last in contiguous_ranges(days, max_gap_days=INGEST_MAX_GAP_DAYS)
    ]
    # Ship to the engine, dbt build, risk, measures, report, then publish the analysts' copy.
    plan.append(("warehouse_job", {}))

    for name, tags in plan:
        wait_for_writer_pool(instance, wait, log)
        span = f" for {tags[RANGE_START_TAG]} .. {tags[RANGE_END_TAG]}" if tags else ""
        log(f"running {name}{span}")
        try:
            result = defs.resolve_job_def(name).execute_in_process(
                instance=instance,
                tags={**tags, **process_tags()},
                run_config=run_config(warehouse, landing, engine),
                raise_on_error=False,
            )
        except BaseException:
            cancel_own_runs(instance, log)
            raise
        outcome.run_ids[name] = result.run_id
        if stop_requested() is not None or _interrupted(result):
            # Dagster handles SIGINT and SIGTERM itself while a run executes: it stops the step (and dbt), ends the
            # run failed and returns. Record the run as canceled and stop here too.
            cancel_own_runs(instance, log, also=result.run_id)
            raise Stopped(stop_requested())
        if not result.success:
            cancel_own_runs(instance, log)  # never leave a run of this process started
            outcome.success, outcome.failed_job = False, name
            for evaluation in result.get_asset_check_evaluations():
                if not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR:
                    log(blocking_check_line(evaluation))
            log(f"! {name} failed (run {result.run_id}); see `tradewh ui` for its logs")
            if analyst_path(warehouse).exists():
                log(f"! analysts keep the last good copy, {analyst_path(warehouse)}")
            return


def _interrupted(result) -> bool:
    """Did an interrupt (SIGINT or SIGTERM, which Dagster maps to it) stop this run?"""
    for event in result.all_events:
        failure = event.step_failure_data if event.is_step_failure else None
        if failure is not None and failure.error is not None and failure.error.cls_name == INTERRUPTED_ERROR:
            return True
    return False


def cancel_own_runs(instance, log: Callable[[str], None] = print, also: str | None = None) -> list[str]:
    """Mark this process's unfinished runs (and the run `also`, finished or not) canceled and free their pool
    slots: an interrupt stopped them."""
    from dagster._core.storage.dagster_run import RunsFilter

    from orchestration.stale_runs import PID_TAG, UNFINISHED

    runs = instance.get_runs(filters=RunsFilter(statuses=UNFINISHED, tags={PID_TAG: str(os.getpid())}))
    if also is not None and also not in {run.run_id for run in runs}:
        runs.append(instance.get_run_by_id(also))
    canceled = []
    for run in runs:
        instance.report_run_canceled(run, "stopped by an interrupt (Ctrl-C or SIGTERM)")
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        log(f"! run {run.run_id} ({run.job_name}) canceled")
        canceled.append(run.run_id)
    return canceled
