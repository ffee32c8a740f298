"""The orchestration policy every asset module shares: the writers' pool, when derived assets rebuild, and how an
asset names the dbt marts it reads. One place, so a module cannot drift from the others
(tests/test_asset_graph.py records the result for review)."""

from __future__ import annotations

import dagster as dg

# DuckDB allows one writing process per file: every asset that writes runs in this pool, whose limit is 1
# (orchestration/dagster.yaml), so runs launched by the sensor, the schedule and the UI queue instead of failing.
WRITER_POOL = "warehouse_writer"

# Models and the analyst copy rebuild once new deliveries land, but only when every blocking (error-severity) quality
# check upstream passed: blocking stops downstream steps inside one run; this condition stops the daemon's next run.
EAGER_WHEN_CHECKS_PASS = dg.AutomationCondition.eager() & dg.AutomationCondition.all_deps_blocking_checks_passed()


def marts(*models: str) -> list[dg.AssetKey]:
    """The asset keys of dbt mart models (`marts/<model>`), as an asset's `deps`."""
    return [dg.AssetKey(["marts", model]) for model in models]
