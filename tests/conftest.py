"""Session set-up shared by every test module."""

import os
from pathlib import Path

import pytest


def pytest_configure(config):
    # No usage statistics leave the machine from dbt or Great Expectations, whoever invokes them.
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    # Modules that import the Dagster definitions need the dbt manifest at collection time; a fresh checkout has
    # none, so parse the dbt project once before collecting (a no-op when the manifest is current).
    from orchestration.dbt_project import prepare_manifest

    prepare_manifest()


# Set to a folder to keep the generated warehouse between test sessions (for iterating on downstream code; the
# folder is reused as is when it holds a built warehouse, so delete it after changing the generator, loader or dbt).
REUSE_GENERATED_ENV = "TRADEWH_TEST_GENERATED_DIR"


@pytest.fixture(scope="session")
def generated_warehouse(tmp_path_factory):
    """Six months of generated feeds, loaded and built with dbt (tests/generated_warehouse.py). Read-only: copy the
    file with `copy_warehouse` before writing to it."""
    from generated_warehouse import DAYS, SCALE, SEED, START, GeneratedWarehouse, build_generated_warehouse

    reuse = os.environ.get(REUSE_GENERATED_ENV)
    if reuse and (Path(reuse) / "warehouse.duckdb").exists():
        root = Path(reuse)
        landing = root / "landing"
        return GeneratedWarehouse(root / "warehouse.duckdb", landing, landing / "truth", START, DAYS, SCALE, SEED)
    root = Path(reuse) if reuse else tmp_path_factory.mktemp("generated_warehouse")
    root.mkdir(parents=True, exist_ok=True)
    return build_generated_warehouse(root)
