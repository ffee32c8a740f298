"""Great Expectations suites as asset checks: one suite per feed after each load, one per published mart after
each dbt build. Each suite yields two checks: `errors` (blocking: downstream assets of the run do not execute when
it fails) and `warnings` (recorded in `ops.quality_results` and shown, never blocking)."""

import dagster as dg

from expectations.mart_docs import mart_models
from orchestration.defs.quality.suite_checks import check_specs, run_suite
from orchestration.defs.warehouse.dbt_models import warehouse_models
from orchestration.policy import WRITER_POOL
from orchestration.resources import WarehouseResource
from warehouse.contract import FEEDS


def build_feed_suite_check(feed_name: str) -> dg.AssetChecksDefinition:
    asset_key = dg.AssetKey(["raw", feed_name])

    @dg.multi_asset_check(
        name=f"raw_{feed_name}_suite",
        specs=check_specs(asset_key, f"raw.{feed_name}"),
        description=f"The contract suite of raw.{feed_name} on the rows delivered in this run's dates.",
        pool=WRITER_POOL,  # it appends to ops.quality_results
    )
    def _check(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
        from expectations.feeds import feed_suite

        yield from run_suite(context, warehouse, asset_key, feed_suite(feed_name), f"raw.{feed_name}", "_delivery_date")

    return _check


def published_marts() -> list[str]:
    """Marts that are both documented (a yml entry) and built by dbt (an asset)."""
    built = {key.path[-1] for key in warehouse_models.keys if key.path[0] == "marts"}
    return sorted(set(mart_models()) & built)


def build_mart_suite_check(model: str) -> dg.AssetChecksDefinition:
    asset_key = dg.AssetKey(["marts", model])

    @dg.multi_asset_check(
        name=f"marts_{model}_suite",
        specs=check_specs(asset_key, f"marts.{model}"),
        description=f"The suite of the published mart marts.{model}, from its dbt yml, on the whole table.",
        pool=WRITER_POOL,
    )
    def _check(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
        from expectations.marts import mart_suite

        yield from run_suite(context, warehouse, asset_key, mart_suite(model), f"marts.{model}")

    return _check


feed_suite_checks = [build_feed_suite_check(name) for name in FEEDS]
mart_suite_checks = [build_mart_suite_check(model) for model in published_marts()]
