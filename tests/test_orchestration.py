"""Dagster: the definitions load, feed assets materialise over a range of partitions and the sensor asks for the
right runs. That `tradewh run` goes end to end through the same definitions with runs recorded in DAGSTER_HOME is
asserted on every run of tests/test_edge_cases.py (each run of the platform costs about a minute)."""

from __future__ import annotations

import json
from datetime import date

import dagster as dg
import pytest

from orchestration.dbt_project import prepare_manifest
from orchestration.resources import WarehouseResource
from warehouse.contract import FEEDS
from warehouse.db import connect
from warehouse.generator import generate

START = date(2025, 10, 1)


@pytest.fixture(scope="module")
def defs():
    prepare_manifest()
    from orchestration.definitions import defs as definitions

    return definitions


@pytest.fixture(scope="module")
def landing(tmp_path_factory):
    root = tmp_path_factory.mktemp("landing")
    generate(root, start=START, days=3, scale=0.002, seed=5, fmt="mixed")
    return root


def _feed_assets(defs):
    # The asset objects themselves: those resolved from `defs` already carry the environment's resource.
    from orchestration.defs.feeds.assets import feed_assets, reference_tables

    return [reference_tables, *feed_assets]


def test_definitions_hold_every_feed_reference_table_mart_job_schedule_and_sensor(defs):
    keys = {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}
    assert {f"raw/{feed}" for feed in FEEDS} <= keys
    assert {"reference/ports", "reference/countries", "reference/hs_codes", "reference/hs_sections"} <= keys
    assert {"marts/fct_entry_lines", "marts/mart_importer_accounts", "ops/analyst_copy"} <= keys
    assert {job.name for job in defs.resolve_all_job_defs()} >= {"ingest_job", "reference_job", "warehouse_job"}
    assert defs.resolve_schedule_def("ingest_job_schedule")
    assert defs.resolve_sensor_def("landing_sensor")
    # Lineage: the dbt staging model of entries reads the ingestion asset, with no hand-written mapping.
    graph = defs.resolve_asset_graph()
    upstream = {k.to_user_string() for k in graph.get(dg.AssetKey(["staging", "stg_raw__entries"])).parent_keys}
    assert "raw/entries" in upstream


def test_feed_assets_load_a_range_of_days_in_one_run_and_a_rerun_changes_nothing(defs, landing, tmp_path):
    resource = WarehouseResource(path=str(tmp_path / "w.duckdb"), landing=str(landing))
    tags = {"dagster/asset_partition_range_start": "2025-10-01", "dagster/asset_partition_range_end": "2025-10-03"}
    instance = dg.DagsterInstance.ephemeral()
    first = dg.materialize(_feed_assets(defs), resources={"warehouse": resource}, tags=tags, instance=instance)
    assert first.success
    entries = [
        m
        for m in first.asset_materializations_for_node("raw__entries")
        if m.asset_key == dg.AssetKey(["raw", "entries"])
    ]
    # A single-run backfill records one materialisation per partition of the range.
    assert sorted(m.partition for m in entries) == ["2025-10-01", "2025-10-02", "2025-10-03"]
    metadata = entries[0].metadata
    assert metadata["days_with_deliveries"].value == 3
    assert metadata["rows_read"].value == metadata["rows_loaded"].value + metadata["rows_quarantined"].value
    with connect(resource.warehouse_file, read_only=True) as con:
        before = {f: con.execute(f"select count(*) from raw.{f}").fetchone()[0] for f in FEEDS}
    assert before["entries"] == metadata["row_count"].value > 0

    second = dg.materialize(_feed_assets(defs), resources={"warehouse": resource}, tags=tags, instance=instance)
    assert second.success
    with connect(resource.warehouse_file, read_only=True) as con:
        after = {f: con.execute(f"select count(*) from raw.{f}").fetchone()[0] for f in FEEDS}
        duplicates = con.execute("select count(*) from ops.load_log where status = 'duplicate'").fetchone()[0]
    assert after == before
    assert duplicates > 0


def test_the_sensor_requests_one_run_per_contiguous_range_and_only_for_changed_days(defs, landing, tmp_path):
    sensor = defs.resolve_sensor_def("landing_sensor")
    resource = WarehouseResource(path=str(tmp_path / "w.duckdb"), landing=str(landing))
    instance = dg.DagsterInstance.ephemeral()
    context = dg.build_sensor_context(instance=instance, resources={"warehouse": resource})
    requests = sensor.evaluate_tick(context).run_requests
    assert [
        (r.tags["dagster/asset_partition_range_start"], r.tags["dagster/asset_partition_range_end"]) for r in requests
    ] == [("2025-10-01", "2025-10-03")]
    cursor = sensor.evaluate_tick(context).cursor
    assert set(json.loads(cursor)) == {"2025-10-01", "2025-10-02", "2025-10-03"}

    unchanged = dg.build_sensor_context(cursor=cursor, instance=instance, resources={"warehouse": resource})
    assert sensor.evaluate_tick(unchanged).run_requests == []

    late = landing / "entries" / "2025-10-07"
    late.mkdir(parents=True)
    source = next((landing / "entries" / "2025-10-01").iterdir())
    (late / ("late " + source.name)).write_bytes(source.read_bytes())
    try:
        changed = dg.build_sensor_context(cursor=cursor, instance=instance, resources={"warehouse": resource})
        requests = sensor.evaluate_tick(changed).run_requests
        assert [r.tags["dagster/asset_partition_range_start"] for r in requests] == ["2025-10-07"]
    finally:
        for path in late.iterdir():
            path.unlink()
        late.rmdir()


def test_contiguous_ranges_split_on_gaps():
    from orchestration.defs.feeds.automation import contiguous_ranges

    days = [date(2025, 1, d) for d in (7, 1, 2, 3, 8, 2)]
    assert contiguous_ranges(days) == [(date(2025, 1, 1), date(2025, 1, 3)), (date(2025, 1, 7), date(2025, 1, 8))]


def test_stale_runs_are_marked_failed_and_free_their_pool_slot_while_live_runs_are_kept(defs, landing, tmp_path):
    """A run whose recorded process has ended is failed with the reason and its writer-pool slot freed, by the runner
    and by every landing-sensor tick; a run of a live process is left alone."""
    import subprocess

    from dagster._core.test_utils import create_run_for_test

    from orchestration.policy import WRITER_POOL
    from orchestration.stale_runs import process_tags, sweep_stale_runs

    instance = dg.DagsterInstance.local_temp(str(tmp_path))
    ended = subprocess.Popen(["true"])
    ended.wait()
    started = dg.DagsterRunStatus.STARTED
    stale = create_run_for_test(instance, job_name="warehouse_job", status=started, tags=process_tags(ended.pid))
    live = create_run_for_test(instance, job_name="ingest_job", status=started, tags=process_tags())
    storage = instance.event_log_storage
    storage.set_concurrency_slots(WRITER_POOL, 1)
    assert storage.claim_concurrency_slot(WRITER_POOL, stale.run_id, "warehouse_models").is_claimed

    said: list[str] = []
    assert sweep_stale_runs(instance, said.append) == [stale.run_id]
    assert instance.get_run_by_id(stale.run_id).status == dg.DagsterRunStatus.FAILURE
    assert instance.get_run_by_id(live.run_id).status == started
    assert storage.get_concurrency_info(WRITER_POOL).claimed_slots == []
    assert f"process {ended.pid} ended without finishing; marked failed at " in said[0]

    # The daemon's path: a landing-sensor tick clears stale runs before it requests new ones.
    again = create_run_for_test(instance, job_name="ingest_job", status=started, tags=process_tags(ended.pid))
    resource = WarehouseResource(path=str(tmp_path / "w.duckdb"), landing=str(landing))
    context = dg.build_sensor_context(instance=instance, resources={"warehouse": resource})
    defs.resolve_sensor_def("landing_sensor").evaluate_tick(context)
    assert instance.get_run_by_id(again.run_id).status == dg.DagsterRunStatus.FAILURE
    assert instance.get_run_by_id(live.run_id).status == started


def test_the_weekly_job_runs_the_view_tests_that_a_daily_load_leaves_out(defs):
    """Every data test on a staging or intermediate view carries the tag the daily build excludes, no test of a mart
    does, and the weekly job builds with them (that they pass on clean data: tests/test_dbt_build.py builds with
    every test)."""
    from orchestration.defs.warehouse.dbt_models import VIEW_TESTS_TAG

    manifest = json.loads(prepare_manifest().read_text())
    tagged: dict[str, set[bool]] = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] != "test":
            continue
        for parent in node["depends_on"]["nodes"]:
            if parent.startswith("model."):
                layer = manifest["nodes"][parent]["fqn"][1]
                tagged.setdefault(layer, set()).add(VIEW_TESTS_TAG in node["tags"])
    assert tagged == {"staging": {True}, "intermediate": {True}, "marts": {False}}
    weekly = defs.resolve_job_def("warehouse_view_tests_job")
    assert weekly.run_config == {"ops": {"warehouse_models": {"config": {"view_tests": True}}}}
    assert "warehouse_view_tests_job" in {s.job_name for s in defs.schedules}
