"""Great Expectations suites as asset checks: one suite per feed after each load, one per published mart after
each dbt build. Each suite yields two checks: `errors` (blocking: downstream assets of the run do not execute when
it fails) and `warnings` (recorded in `ops.quality_results` and shown, never blocking)."""

from collections.abc import Callable
from typing import Any

import dagster as dg

from expectations.mart_docs import mart_models
from orchestration.defs.quality.suite_checks import check_specs, run_suite
from orchestration.defs.warehouse.dbt_models import warehouse_models
from orchestration.policy import WRITER_POOL
from orchestration.resources import WarehouseResource
from warehouse.contract import FEEDS


def build_suite_check(
    relation: str, suite: Callable[[], Any], description: str, date_column: str | None = None
) -> dg.AssetChecksDefinition:
    """The errors and warnings checks of `suite()` on `relation` (`schema.table`, also the asset's key); with a
    `date_column`, on the rows of the run's delivery dates only. `suite` is called when the check runs: building a
    suite imports Great Expectations, seconds that loading the definitions must not pay."""
    asset_key = dg.AssetKey(relation.split("."))

    @dg.multi_asset_check(
        name=relation.replace(".", "_") + "_suite",
        specs=check_specs(asset_key, relation),
        description=description,
        pool=WRITER_POOL,  # it appends to ops.quality_results
    )
    def _check(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
        yield from run_suite(context, warehouse, asset_key, suite(), relation, date_column)

    return _check


def _feed_suite(feed_name: str):
    from expectations.feeds import feed_suite

    return feed_suite(feed_name)


def _mart_suite(model: str):
    from expectations.marts import mart_suite

    return mart_suite(model)


def build_feed_suite_check(feed_name: str) -> dg.AssetChecksDefinition:
    return build_suite_check(
        f"raw.{feed_name}",
        lambda: _feed_suite(feed_name),
        f"The contract suite of raw.{feed_name} on the rows delivered in this run's dates.",
        date_column="_delivery_date",
    )


def published_marts() -> list[str]:
    """Marts that are both documented (a yml entry) and built by dbt (an asset)."""
    built = {key.path[-1] for key in warehouse_models.keys if key.path[0] == "marts"}
    return sorted(set(mart_models()) & built)


def build_mart_suite_check(model: str) -> dg.AssetChecksDefinition:
    return build_suite_check(
        f"marts.{model}",
        lambda: _mart_suite(model),
        f"The suite of the published mart marts.{model}, from its dbt yml, on the whole table.",
    )


feed_suite_checks = [build_feed_suite_check(name) for name in FEEDS]
mart_suite_checks = [build_mart_suite_check(model) for model in published_marts()]
