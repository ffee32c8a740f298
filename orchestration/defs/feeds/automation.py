"""How ingestion is triggered: a job over every feed, a daily schedule, and a sensor on the landing folder."""

import hashlib
import json
from datetime import date, timedelta

import dagster as dg

from orchestration.partitions import delivery_dates
from orchestration.resources import WarehouseResource
from orchestration.stale_runs import sweep_stale_runs
from warehouse.loading import discover

ingest_job = dg.define_asset_job(
    "ingest_job",
    selection=dg.AssetSelection.groups("feeds"),
    partitions_def=delivery_dates,
    description="Load every feed's deliveries for a delivery date (or a range of them, in one run).",
)

reference_job = dg.define_asset_job(
    "reference_job",
    selection=dg.AssetSelection.groups("reference"),
    description="(Re)load the static reference tables shipped with the platform.",
)

# Feeds for a day may arrive until late evening; the schedule loads the day at 23:30 UTC, the sensor anything later.
ingest_schedule = dg.build_schedule_from_partitioned_job(ingest_job, hour_of_day=23, minute_of_hour=30)

RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"


def partition_range_tags(first: date, last: date) -> dict[str, str]:
    """Run tags that make one run cover a range of delivery dates (the feed assets backfill in a single run)."""
    return {RANGE_START_TAG: first.isoformat(), RANGE_END_TAG: last.isoformat()}


def contiguous_ranges(days: list[date], max_gap_days: int = 1) -> list[tuple[date, date]]:
    """Group sorted days into runs of dates at most `max_gap_days` apart: [1,2,3,7,8] -> [(1,3), (7,8)] (with the
    default 1, consecutive dates)."""
    ranges: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        if ranges and day <= ranges[-1][1] + timedelta(days=max_gap_days):
            ranges[-1] = (ranges[-1][0], day)
        else:
            ranges.append((day, day))
    return ranges


def landing_signature(warehouse: WarehouseResource) -> dict[str, str]:
    """Per delivery date, a fingerprint of the files present (name, size, mtime) across all feeds."""
    signature: dict[str, list[str]] = {}
    landing = warehouse.landing_dir
    for feed, days in discover(landing).items():
        for day in days:
            folder = landing / feed / day.isoformat()
            for path in sorted(folder.iterdir()):
                if path.is_file():
                    stat = path.stat()
                    entry = f"{feed}/{path.name}:{stat.st_size}:{stat.st_mtime_ns}"
                    signature.setdefault(day.isoformat(), []).append(entry)
    # A stable digest (not hash(), which is salted per process) so the cursor compares across sensor ticks.
    return {day: hashlib.sha256("\n".join(files).encode()).hexdigest()[:16] for day, files in signature.items()}


@dg.sensor(job=ingest_job, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.STOPPED)
def landing_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource):
    """Request ingestion for every delivery date whose files changed since the last tick, one run per
    contiguous range of dates (a year of new deliveries is one run, not 365). Each tick first clears runs whose
    process died (orchestration/stale_runs.py), so a killed run never blocks the runs the sensor requests."""
    sweep_stale_runs(context.instance, context.log.warning)
    seen: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
    current = landing_signature(warehouse)
    first_partition = delivery_dates.start.date()
    changed = [
        date.fromisoformat(day)
        for day, sig in current.items()
        if seen.get(day) != sig and date.fromisoformat(day) >= first_partition
    ]
    if not changed:
        return dg.SkipReason("no new or changed files in the landing folder")
    requests = []
    for first, last in contiguous_ranges(changed):
        days = [d.isoformat() for d in sorted(changed) if first <= d <= last]
        digest = hashlib.sha256("".join(current[d] for d in days).encode()).hexdigest()[:12]
        requests.append(dg.RunRequest(run_key=f"{first}..{last}:{digest}", tags=partition_range_tags(first, last)))
    context.update_cursor(json.dumps(current, sort_keys=True))
    return requests
