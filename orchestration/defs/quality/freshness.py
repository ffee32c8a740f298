"""Reconciliation, freshness and volume anomaly per feed, from the load log (`ops.load_log`), after each load.

Reconciliation: every loaded file's rows read equal its rows loaded plus quarantined, and the raw table and the
quarantine hold exactly those rows. It is the one blocking monitor: a broken count is a defect of the data set (rows
lost or doubled), never a property of one delivered row, so nothing downstream may build on it.

Freshness: the days since the feed's latest delivery, counted to the last delivery date of the run (so a backfill
of last year is judged against last year, not today), must not exceed the feed's expected gap. Volume: the rows
loaded on the run's last delivery date against the median of the trailing window of delivery dates before it.
Those two are warnings: a late or thin delivery is shown and recorded in `ops.quality_results`, and loads go on (a
holiday or a quiet port makes a thin day; blocking on it would stop the warehouse for everyone).
"""

from datetime import UTC, date, datetime
from typing import Any

import dagster as dg

from orchestration.defs.quality.suite_checks import run_range
from orchestration.policy import WRITER_POOL
from orchestration.resources import WarehouseResource
from warehouse.contract import FEEDS
from warehouse.loading import reconcile

# Days a feed may go without a delivery. Transaction feeds and the importer registry arrive every day (an empty file
# when nothing happened); the catalogues (rules, AD/CVD orders, programmes) are re-delivered when they change, at
# least yearly.
MAX_DELIVERY_GAP_DAYS = {"rules": 400, "adcvd_orders": 400, "programs": 400}
DEFAULT_MAX_GAP_DAYS = 2
# Volume: the trailing window, how much of it must exist before judging, and the band around its median.
VOLUME_WINDOW_DAYS = 28
VOLUME_MIN_HISTORY_DAYS = 7
VOLUME_LOW, VOLUME_HIGH = 0.5, 2.0


def freshness(con, feed: str, as_of: date) -> dict:
    """The latest delivery date of `feed` up to `as_of`, its age in days and whether it is within the limit."""
    latest = con.execute(
        "select max(delivery_date) from ops.load_log where feed = ? and status in ('loaded', 'duplicate') "
        "and delivery_date <= ?",
        [feed, as_of],
    ).fetchone()[0]
    limit = MAX_DELIVERY_GAP_DAYS.get(feed, DEFAULT_MAX_GAP_DAYS)
    age = (as_of - latest).days if latest else None
    return {
        "as_of": as_of.isoformat(),
        "latest_delivery": latest.isoformat() if latest else None,
        "days_since_delivery": age,
        "max_gap_days": limit,
        "passed": age is not None and age <= limit,
    }


def volume(con, feed: str, day: date) -> dict:
    """Rows loaded on `day` against the median of the trailing window's delivery dates."""
    rows = con.execute(
        """select delivery_date, sum(rows_loaded) from ops.load_log
        where feed = ? and status = 'loaded' and delivery_date between ? - to_days(?) and ?
        group by delivery_date""",
        [feed, day, VOLUME_WINDOW_DAYS, day],
    ).fetchall()
    by_day = {d: int(n) for d, n in rows}
    today = by_day.pop(day, 0)
    trailing = sorted(by_day.values())
    result = {"day": day.isoformat(), "rows": today, "trailing_days": len(trailing)}
    if len(trailing) < VOLUME_MIN_HISTORY_DAYS:
        return {**result, "median": None, "passed": True, "note": "not enough history to judge"}
    middle = len(trailing) // 2
    median = trailing[middle] if len(trailing) % 2 else (trailing[middle - 1] + trailing[middle]) / 2
    low, high = VOLUME_LOW * median, VOLUME_HIGH * median
    return {**result, "median": median, "low": low, "high": high, "passed": low <= today <= high}


# Unreconciled files shown in a failed check's sample.
RECONCILIATION_SAMPLE = 5


def reconciliation(con, feed: str) -> dict:
    """Files of `feed` whose counts do not add up (see `warehouse.loading.reconcile`)."""
    broken = reconcile(con, feed)
    found: dict[str, Any] = {"unreconciled_files": len(broken), "passed": not broken}
    if broken:
        keep = ("path", "delivery_date", "rows_read", "rows_loaded", "rows_quarantined", "raw_rows", "quarantine_rows")
        found["sample"] = [
            {k: row[k].isoformat() if isinstance(row[k], date) else row[k] for k in keep}
            for row in broken[:RECONCILIATION_SAMPLE]
        ]
    return found


def _as_of(context) -> date:
    span = run_range(context.run.tags)
    return span[1] if span else datetime.now(UTC).date()


def build_monitor_checks(feed: str) -> dg.AssetChecksDefinition:
    asset_key = dg.AssetKey(["raw", feed])
    specs = [
        dg.AssetCheckSpec("freshness", asset=asset_key, description=f"A {feed} delivery arrived recently enough."),
        dg.AssetCheckSpec("volume", asset=asset_key, description=f"Rows of the latest {feed} delivery look usual."),
        dg.AssetCheckSpec(
            "reconciliation",
            asset=asset_key,
            blocking=True,
            description=f"Every {feed} row read is loaded or quarantined, exactly once.",
        ),
    ]

    @dg.multi_asset_check(name=f"raw_{feed}_monitors", specs=specs, pool=WRITER_POOL)
    def _monitors(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
        from expectations.history import record

        day = _as_of(context)
        with warehouse.connect() as con:
            fresh, vol, counts = freshness(con, feed, day), volume(con, feed, day), reconciliation(con, feed)
            for name, found in (("freshness", fresh), ("volume", vol), ("reconciliation", counts)):
                record(
                    con,
                    asset=asset_key.to_user_string(),
                    check_name=name,
                    suite=f"monitor.{feed}",
                    checked_at=datetime.now(UTC),
                    results=[
                        {
                            "expectation": name,
                            "type": f"tw_{name}",
                            "severity": "error" if name == "reconciliation" else "warning",
                            "success": found["passed"],
                            "observed_value": found,
                        }
                    ],
                    run_id=context.run.run_id,
                    partition_end=day,
                )
        for name, found in (("freshness", fresh), ("volume", vol)):
            yield dg.AssetCheckResult(
                asset_key=asset_key,
                check_name=name,
                passed=bool(found["passed"]),
                severity=dg.AssetCheckSeverity.WARN,
                metadata={k: v for k, v in found.items() if k != "passed" and v is not None},
            )
        yield dg.AssetCheckResult(
            asset_key=asset_key,
            check_name="reconciliation",
            passed=counts["passed"],
            severity=dg.AssetCheckSeverity.ERROR,
            # The same keys as a suite's failure, so `tradewh run` prints it in one line like any blocking check.
            metadata={
                "unexpected_count": counts["unreconciled_files"],
                **(
                    {
                        "first_failure": "reconciliation",
                        "samples": dg.MetadataValue.json({"reconciliation": counts["sample"]}),
                    }
                    if not counts["passed"]
                    else {}
                ),
            },
        )

    return _monitors


monitor_checks = [build_monitor_checks(feed) for feed in FEEDS]
