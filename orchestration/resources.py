"""The warehouse resource: where the DuckDB file and the landing folder are, and how to open them."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from orchestration.stale_runs import tag_run_with_process
from warehouse import config
from warehouse.db import connect
from warehouse.engines.settings import Engine, engine_for


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB warehouse file and the landing folder it loads from, as resource config: `tradewh run` passes both
    in each run's config (orchestration/runner.py), so the same definitions build any file. Unset fields default to
    the environment (TRADEWH_WAREHOUSE, TRADEWH_LANDING, else data/ beside the working directory), read when used:
    how `dagster dev` and its sensor find the warehouse. dbt is given the same file on its command line
    (orchestration/dbt_project.py)."""

    path: str | None = None
    landing: str | None = None
    # Where dbt builds the marts: duckdb (this file), postgres or spark (warehouse/engines/settings.py); unset, the
    # environment's $TRADEWH_ENGINE. A PostgreSQL server's URL is never config: it may hold a password.
    engine: str | None = None
    spark_warehouse: str | None = None

    @property
    def warehouse_file(self) -> Path:
        return config.warehouse_path(self.path)

    @property
    def landing_dir(self) -> Path:
        return config.landing_path(self.warehouse_file, self.landing)

    @property
    def engine_choice(self) -> Engine:
        return engine_for(self.warehouse_file, self.engine, self.spark_warehouse)

    @property
    def quarantine_dir(self) -> Path:
        return config.quarantine_dir(self.warehouse_file)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        # Record which process runs this run, so a later run can tell it died if it never finishes
        # (orchestration/stale_runs.py).
        if context.instance is not None and context.run is not None:
            tag_run_with_process(context.instance, context.run.run_id)

    def connect(self, read_only: bool = False):
        return connect(self.warehouse_file, read_only=read_only)
