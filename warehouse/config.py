"""Where the platform keeps its files. One environment variable, TRADEWH_WAREHOUSE, names the DuckDB file;
everything else the platform writes (landing folder default, analyst copy, quarantined files, Dagster's run
history) sits beside it unless its own variable says otherwise."""

from __future__ import annotations

import os
from pathlib import Path

WAREHOUSE_ENV = "TRADEWH_WAREHOUSE"
LANDING_ENV = "TRADEWH_LANDING"
DEFAULT_WAREHOUSE = Path("data") / "warehouse.duckdb"


def warehouse_path(override: str | os.PathLike | None = None) -> Path:
    """The writable warehouse file: the override, else $TRADEWH_WAREHOUSE, else ./data/warehouse.duckdb."""
    value = override or os.environ.get(WAREHOUSE_ENV) or DEFAULT_WAREHOUSE
    return Path(value).expanduser().absolute()


def data_dir(warehouse: Path) -> Path:
    """The folder that holds the warehouse file and its companions."""
    return warehouse.parent


def analyst_path(warehouse: Path) -> Path:
    """The read-only copy analysts query; republished after every successful run so readers never block a load."""
    return warehouse.with_name(f"{warehouse.stem}.analyst.duckdb")


def landing_path(warehouse: Path, override: str | os.PathLike | None = None) -> Path:
    """The landing folder: the override, else $TRADEWH_LANDING, else `landing/` beside the warehouse."""
    value = override or os.environ.get(LANDING_ENV)
    return Path(value).expanduser().absolute() if value else data_dir(warehouse) / "landing"


def quarantine_dir(warehouse: Path) -> Path:
    """Where unreadable files are copied whole, by content hash, so nothing delivered is lost."""
    return data_dir(warehouse) / "quarantine"


def entitled_path(warehouse: Path) -> Path:
    """The copy with personal and confidential columns in the clear, readable only by the entitled group."""
    return warehouse.with_name(f"{warehouse.stem}.entitled.duckdb")


ENTITLED_GROUP_ENV = "TRADEWH_ENTITLED_GROUP"


def entitled_group() -> str | None:
    """The Unix group whose members may read the entitled copy ($TRADEWH_ENTITLED_GROUP); None: its owner only."""
    return os.environ.get(ENTITLED_GROUP_ENV) or None


MEMORY_LIMIT_ENV = "TRADEWH_MEMORY_LIMIT"
TEMP_DIR_ENV = "TRADEWH_TEMP_DIR"


def memory_limit() -> str:
    """DuckDB's memory limit for every warehouse session and dbt ($TRADEWH_MEMORY_LIMIT: '8GB', '50%'...; default
    DuckDB's own 80% of RAM). Above it DuckDB spills to the temp directory instead of growing."""
    return os.environ.get(MEMORY_LIMIT_ENV) or "80%"


def temp_directory(warehouse: Path) -> Path:
    """Where DuckDB spills ($TRADEWH_TEMP_DIR; default `<warehouse>.tmp` beside it, DuckDB's own default)."""
    value = os.environ.get(TEMP_DIR_ENV)
    return Path(value).expanduser().absolute() if value else warehouse.with_name(warehouse.name + ".tmp")


ANALYST_MEMORY_LIMIT_ENV = "TRADEWH_ANALYST_MEMORY_LIMIT"


def analyst_memory_limit() -> str:
    """The memory one analyst session may use ($TRADEWH_ANALYST_MEMORY_LIMIT; default 25% of RAM): sessions share
    the machine with the loader, and never spill to disk."""
    return os.environ.get(ANALYST_MEMORY_LIMIT_ENV) or "25%"
