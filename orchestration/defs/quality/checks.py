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
from warehouse.engines.postgres import sqlalchemy_url
from warehouse.engines.settings import DUCKDB, POSTGRES, SPARK


def build_suite_check(
    relation: str,
    suite: Callable[[str], Any],
    description: str,
    date_column: str | None = None,
    on_engine: bool = False,
) -> dg.AssetChecksDefinition:
    """The errors and warnings checks of `suite(engine)` on `relation` (`schema.table`, also the asset's key); with a
    `date_column`, on the rows of the run's delivery dates only. `suite` is called when the check runs: building a
    suite imports Great Expectations, seconds that loading the definitions must not pay.

    `on_engine`: the relation is one dbt builds, validated where it was built. On PostgreSQL that is the server;
    on Spark it is the warehouse file's extract of Spark's Parquet tables (warehouse/engines/extract.py): GX's Spark
    data source needs a Spark session in this process, and Spark's Derby metastore admits one process at a time."""
    asset_key = dg.AssetKey(relation.split("."))

    @dg.multi_asset_check(
        name=relation.replace(".", "_") + "_suite",
        specs=check_specs(asset_key, relation),
        description=description,
        pool=WRITER_POOL,  # it appends to ops.quality_results
    )
    def _check(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
        engine = warehouse.engine_choice
        if on_engine and engine.name == POSTGRES:
            url = sqlalchemy_url(engine.postgres_url)
            where = f"postgres: {engine.location}"
            yield from run_suite(context, warehouse, asset_key, suite(POSTGRES), relation, date_column, url, where)
        elif on_engine and engine.name == SPARK:
            where = f"the warehouse file's extract of spark: {engine.location}"
            yield from run_suite(context, warehouse, asset_key, suite(DUCKDB), relation, date_column, None, where)
        else:
            yield from run_suite(context, warehouse, asset_key, suite(DUCKDB), relation, date_column)

    return _check


def _feed_suite(feed_name: str):
    from expectations.feeds import feed_suite

    return feed_suite(feed_name)


def _mart_suite(model: str, engine: str):
    from expectations.marts import mart_suite

    return mart_suite(model, engine=engine)


def build_feed_suite_check(feed_name: str) -> dg.AssetChecksDefinition:
    return build_suite_check(
        f"raw.{feed_name}",
        lambda _engine: _feed_suite(feed_name),
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
        lambda engine: _mart_suite(model, engine),
        f"The suite of the published mart marts.{model}, from its dbt yml, on the whole table.",
        on_engine=True,
    )


feed_suite_checks = [build_feed_suite_check(name) for name in FEEDS]
mart_suite_checks = [build_mart_suite_check(model) for model in published_marts()]
