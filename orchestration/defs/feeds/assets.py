"""Ingestion assets. Asset keys equal warehouse relations (`reference.ports`, `raw.entries`, …), so dbt sources
that name those keys connect lineage with no hand-written mapping."""

import re
import time

import dagster as dg

from orchestration.defs.feeds import FEED_GROUP, REFERENCE_GROUP
from orchestration.partitions import days_in_window, delivery_dates
from orchestration.resources import WarehouseResource
from warehouse.contract import FEEDS
from warehouse.contract.schema import Feed
from warehouse.loading import LoadProgress, ensure_schema, load_partitions, record_rejected_folders
from warehouse.reference import TABLES as REFERENCE_TABLES
from warehouse.reference import load_reference

REFERENCE_KEYS = [dg.AssetKey(["reference", table]) for table in REFERENCE_TABLES]
# How often a long multi-day load reports progress.
PROGRESS_SECONDS = 5.0


@REFERENCE_GROUP.multi_asset(
    specs=[REFERENCE_GROUP.spec(key.path, description=f"Static reference: {key.path[-1]}") for key in REFERENCE_KEYS]
)
def reference_tables(warehouse: WarehouseResource):
    """Load the reference data shipped with the platform (U.S. ports, ISO countries, HS nomenclature)."""
    with warehouse.connect() as con:
        counts = load_reference(con)
    for key in REFERENCE_KEYS:
        yield dg.MaterializeResult(asset_key=key, metadata={"row_count": counts[key.path[-1]]})


def upstream_feeds(feed: Feed) -> list[str]:
    """Feeds whose raw tables this feed's rules read (exams check rule ids against `raw.rules`)."""
    found = {name for rule in feed.rules for name in re.findall(r"\braw\.(\w+)", rule.violation_sql)}
    return sorted(found - {feed.name})


def build_feed_asset(feed: Feed) -> dg.AssetsDefinition:
    """One partitioned asset per feed; they differ only by the feed, so one factory builds them all."""

    @FEED_GROUP.asset(
        key=["raw", feed.name],
        description=f"{feed.description} Loaded from `<landing>/{feed.name}/<date>/`; every version kept.",
        partitions_def=delivery_dates,
        # Loading a year of deliveries is one run, not 365: a run costs seconds to start, a day milliseconds.
        backfill_policy=dg.BackfillPolicy.single_run(),
        deps=[*REFERENCE_KEYS, *(dg.AssetKey(["raw", name]) for name in upstream_feeds(feed))],
        metadata={"contract_columns": len(feed.columns), "key": ", ".join(feed.key)},
    )
    def _feed_asset(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        days = days_in_window(context.partition_time_window)
        last_report = time.monotonic()

        def report(progress: LoadProgress) -> None:
            nonlocal last_report
            if time.monotonic() - last_report > PROGRESS_SECONDS:
                context.log.info(
                    f"{feed.name}: {progress.days_staged}/{progress.days_total} days read, "
                    f"{progress.files_seen:,} files, {progress.rows_staged:,} rows read, "
                    f"{progress.rows_committed:,} committed in {progress.batches_committed} batch(es)"
                )
                last_report = time.monotonic()

        with warehouse.connect() as con:
            ensure_schema(con)  # once per run; load_partitions only checks that it is there
            # Every day of the range in one call: the files are typed, checked and committed in batches of many
            # files (one transaction each), not one statement set per file.
            results = load_partitions(con, warehouse.landing_dir, feed.name, days, warehouse.quarantine_dir, report)
            # Files in this feed's folders that are not a date belong to no partition: logged here, once per file.
            misplaced = record_rejected_folders(con, warehouse.landing_dir, warehouse.quarantine_dir, feeds=[feed.name])
            row_count = con.execute(f"select count(*) from raw.{feed.name}").fetchone()[0]
        totals: dict[str, int] = {}
        for result in results:
            for name, value in result.to_metadata().items():
                if isinstance(value, int):
                    totals[name] = totals.get(name, 0) + value
        loaded_days = sum(1 for day in days if (warehouse.landing_dir / feed.name / day.isoformat()).is_dir())
        context.log.info(f"{feed.name}: {len(days)} days, {totals.get('rows_loaded', 0):,} rows loaded")
        for attempt in misplaced:
            context.log.warning(f"{feed.name}: {attempt.path}: rejected, {attempt.rows_read:,} rows: {attempt.message}")
        return dg.MaterializeResult(
            metadata={
                **totals,
                "days_in_run": len(days),
                "days_with_deliveries": loaded_days,
                "row_count": row_count,
                "files_in_rejected_folders": len(misplaced),
                "rows_in_rejected_folders": sum(a.rows_read for a in misplaced),
            }
        )

    return _feed_asset


feed_assets = [build_feed_asset(feed) for feed in FEEDS.values()]
