"""Which engine builds the marts, and where it is: `tradewh run --engine duckdb|postgres|spark`.

- `duckdb` (the default): dbt builds in the warehouse file itself; nothing is shipped.
- `postgres`: the server at $TRADEWH_POSTGRES_URL (a libpq URL). The URL stays in the environment, never in a run's
  config: Dagster stores run configs where the UI shows them, and the URL may hold a password.
- `spark`: a local Spark session over $TRADEWH_SPARK_WAREHOUSE (default `spark/` beside the warehouse file), the
  folder that holds the shipped Parquet files, Spark's tables and its Derby metastore.

The choice is $TRADEWH_ENGINE unless the command line names one."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from warehouse.config import data_dir

ENGINE_ENV = "TRADEWH_ENGINE"
POSTGRES_URL_ENV = "TRADEWH_POSTGRES_URL"
SPARK_WAREHOUSE_ENV = "TRADEWH_SPARK_WAREHOUSE"
DUCKDB, POSTGRES, SPARK = "duckdb", "postgres", "spark"
ENGINES = (DUCKDB, POSTGRES, SPARK)


class EngineError(ValueError):
    """An engine that is unknown or not configured: one line for the user, no traceback."""


@dataclass(frozen=True)
class Engine:
    name: str
    warehouse: Path  # the DuckDB file: the loader's home whatever the engine
    spark_dir: Path | None = None

    @property
    def external(self) -> bool:
        """Does dbt build somewhere other than the warehouse file?"""
        return self.name != DUCKDB

    @property
    def postgres_url(self) -> str:
        url = os.environ.get(POSTGRES_URL_ENV)
        if not url:
            raise EngineError(f"--engine postgres needs ${POSTGRES_URL_ENV} (a libpq URL: postgresql://user@host/db)")
        return url

    @property
    def location(self) -> str:
        """Where the marts are built, without secrets: what a log line and a run's record may show."""
        if self.name == POSTGRES:
            parts = urlsplit(self.postgres_url)
            host = f"{parts.username}@{parts.hostname}" if parts.username else str(parts.hostname)
            return urlunsplit((parts.scheme, f"{host}:{parts.port or 5432}", parts.path, "", ""))
        if self.name == SPARK:
            return str(self.spark_dir)
        return str(self.warehouse)


def engine_for(warehouse: Path, name: str | None = None, spark_dir: str | os.PathLike | None = None) -> Engine:
    """The engine `name` (else $TRADEWH_ENGINE, else duckdb) for the warehouse file `warehouse`."""
    chosen = (name or os.environ.get(ENGINE_ENV) or DUCKDB).strip().lower()
    if chosen not in ENGINES:
        raise EngineError(f"unknown engine {chosen!r}: choose one of {', '.join(ENGINES)}")
    if chosen != SPARK:
        return Engine(chosen, warehouse)
    folder = spark_dir or os.environ.get(SPARK_WAREHOUSE_ENV)
    return Engine(chosen, warehouse, Path(folder).expanduser().absolute() if folder else data_dir(warehouse) / "spark")
