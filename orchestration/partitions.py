"""The delivery-date partitions every feed asset shares.

Daily partitions start at $TRADEWH_PARTITIONS_START (default 2009-10-01, the first day of fiscal year 2010, the
first the fee tables cover); deliveries dated earlier are reported by
`tradewh run` and not loaded. `end_offset=1` makes today's partition exist, since feeds arrive during the day.
"""

from __future__ import annotations

import os
from datetime import date, timedelta

import dagster as dg

PARTITIONS_START_ENV = "TRADEWH_PARTITIONS_START"
DEFAULT_PARTITIONS_START = "2009-10-01"

delivery_dates = dg.DailyPartitionsDefinition(
    start_date=os.environ.get(PARTITIONS_START_ENV, DEFAULT_PARTITIONS_START), end_offset=1
)


def days_in_window(window: dg.TimeWindow) -> list[date]:
    """The delivery dates of a (half-open) partition time window."""
    first, end = window.start.date(), window.end.date()
    return [first + timedelta(days=i) for i in range((end - first).days)]
