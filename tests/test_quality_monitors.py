"""Freshness and volume (`orchestration/defs/quality/freshness.py`) on a hand-made load log: each passes on usual
deliveries and fails when the last delivery is older than the allowed gap or the day's rows leave the band around
the trailing median (a check that cannot fail is a defect)."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

import duckdb
import pytest

from orchestration.defs.quality.freshness import (
    DEFAULT_MAX_GAP_DAYS,
    MAX_DELIVERY_GAP_DAYS,
    VOLUME_HIGH,
    VOLUME_LOW,
    VOLUME_MIN_HISTORY_DAYS,
    VOLUME_WINDOW_DAYS,
    freshness,
    volume,
)
from warehouse.loading.ops_tables import OPS_DDL

DAY = date(2025, 10, 30)


@pytest.fixture
def con():
    con = duckdb.connect()
    for statement in OPS_DDL:
        con.execute(statement)
    yield con
    con.close()


def deliver(con, feed: str, day: date, rows: int, status: str = "loaded") -> None:
    at = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
    con.execute(
        "insert into ops.load_log (file_sha256, feed, delivery_date, path, format, status, rows_read, rows_loaded, "
        "rows_quarantined, rows_warned, started_at, finished_at) values (?, ?, ?, 'f.csv', 'csv', ?, ?, ?, 0, 0, ?, ?)",
        [f"{feed}-{day}-{status}", feed, day, status, rows, rows, at, at],
    )


def history(con, feed: str, rows_per_day: int, days: int = VOLUME_WINDOW_DAYS) -> None:
    """`days` usual deliveries before DAY."""
    for offset in range(1, days + 1):
        deliver(con, feed, DAY - timedelta(days=offset), rows_per_day + offset % 3)


def test_the_limits_are_set_in_one_place():
    assert DEFAULT_MAX_GAP_DAYS == 2
    assert MAX_DELIVERY_GAP_DAYS == {"rules": 400, "adcvd_orders": 400, "programs": 400}
    assert (VOLUME_LOW, VOLUME_HIGH) == (0.5, 2.0)


@pytest.mark.parametrize("gap", [0, 1, DEFAULT_MAX_GAP_DAYS])
def test_freshness_passes_within_the_allowed_gap(con, gap):
    deliver(con, "entries", DAY - timedelta(days=gap), 100)
    found = freshness(con, "entries", DAY)
    assert found["passed"] and found["days_since_delivery"] == gap


def test_freshness_fails_when_the_last_delivery_is_older_than_the_allowed_gap(con):
    deliver(con, "entries", DAY - timedelta(days=DEFAULT_MAX_GAP_DAYS + 1), 100)
    deliver(con, "entries", DAY + timedelta(days=1), 100)  # after the run's date: not counted
    found = freshness(con, "entries", DAY)
    assert not found["passed"]
    assert found["days_since_delivery"] == DEFAULT_MAX_GAP_DAYS + 1
    assert found["max_gap_days"] == DEFAULT_MAX_GAP_DAYS


def test_freshness_fails_when_a_feed_was_never_delivered_or_only_failed(con):
    assert not freshness(con, "exams", DAY)["passed"]
    deliver(con, "exams", DAY, 100, status="failed")
    assert not freshness(con, "exams", DAY)["passed"]
    deliver(con, "exams", DAY, 100, status="duplicate")  # a re-delivery of known bytes still shows the feed is alive
    assert freshness(con, "exams", DAY)["passed"]


def test_freshness_of_a_catalogue_feed_allows_its_longer_gap(con):
    limit = MAX_DELIVERY_GAP_DAYS["rules"]
    deliver(con, "rules", DAY - timedelta(days=limit), 48)
    assert freshness(con, "rules", DAY)["passed"]
    assert not freshness(con, "rules", DAY + timedelta(days=1))["passed"]


@pytest.mark.parametrize("factor", [VOLUME_LOW, 1.0, VOLUME_HIGH])
def test_volume_passes_inside_the_band_around_the_trailing_median(con, factor):
    history(con, "entries", 1000)
    median = volume(con, "entries", DAY)["median"]
    rows = math.ceil(median * factor) if factor <= 1 else math.floor(median * factor)  # on the edge, inside
    deliver(con, "entries", DAY, rows)
    found = volume(con, "entries", DAY)
    assert found["passed"], found
    assert found["trailing_days"] == VOLUME_WINDOW_DAYS


@pytest.mark.parametrize("factor", [0.0, VOLUME_LOW * 0.9, VOLUME_HIGH * 1.1])
def test_volume_fails_outside_the_band_around_the_trailing_median(con, factor):
    history(con, "entries", 1000)
    median = volume(con, "entries", DAY)["median"]
    if factor:
        deliver(con, "entries", DAY, int(median * factor))
    found = volume(con, "entries", DAY)
    assert not found["passed"], found
    assert found["rows"] == int(median * factor)
    assert found["low"] == VOLUME_LOW * median and found["high"] == VOLUME_HIGH * median


def test_volume_uses_only_the_trailing_window(con):
    history(con, "entries", 1000)
    deliver(con, "entries", DAY - timedelta(days=VOLUME_WINDOW_DAYS + 5), 10_000_000)  # too old to count
    deliver(con, "entries", DAY + timedelta(days=1), 10_000_000)  # after the day judged
    deliver(con, "entries", DAY, 1000)
    assert volume(con, "entries", DAY)["passed"]


def test_volume_does_not_judge_without_enough_history(con):
    history(con, "entries", 1000, days=VOLUME_MIN_HISTORY_DAYS - 1)
    deliver(con, "entries", DAY, 1)
    found = volume(con, "entries", DAY)
    assert found["passed"] and found["median"] is None
    deliver(con, "entries", DAY - timedelta(days=VOLUME_MIN_HISTORY_DAYS), 1000)
    assert not volume(con, "entries", DAY)["passed"]
