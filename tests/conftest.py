"""Session set-up shared by every test module."""

import fcntl
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


# The longest files, first: pytest-xdist hands whole files to workers in collection order (`./dev test` runs
# `--dist loadfile`), so starting these early keeps one of them from running alone at the end.
LONGEST_FIRST = (
    "test_engines.py",  # with Spark's comparison (CI), about 7 minutes of one worker
    "test_edge_cases.py",
    "test_crash_recovery.py",
    "test_engine_run.py",
    "test_stopping.py",
    "test_quality_marts.py",
    "test_orchestration.py",
    "test_report.py",
)


# The test tiers: a test that uses one of these fixtures, directly or through another fixture, is marked `slow`
# (`./dev check` runs the others). A test that is slow without such a fixture (it runs `tradewh run` itself, or
# computes for long) carries `@pytest.mark.slow` by hand. The cost is each fixture's set-up on the 2-core machine.
SLOW_FIXTURES = {
    "dbt": "runs the real dbt CLI: ~10 s a command, its first parse ~8 s more",
    "generated_warehouse": "six months of feeds generated, loaded and built by dbt: 80-150 s",
    "coverage_cells": "Monte Carlo replicates of four populations for interval coverage: ~20 s",
}


@pytest.hookimpl(tryfirst=True)  # before pytest's own hook deselects by `-m`
def pytest_collection_modifyitems(config, items):
    for item in items:
        used = SLOW_FIXTURES.keys() & set(getattr(item, "fixturenames", ()))
        if used and not item.get_closest_marker("slow"):
            item.add_marker(pytest.mark.slow)

    def rank(item) -> int:
        name = item.path.name
        return LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)


# Set to a folder to keep the generated warehouse between test sessions (for iterating on downstream code; the
# folder is reused as is when it holds a built warehouse, so delete it after changing the generator, loader or dbt).
REUSE_GENERATED_ENV = "TRADEWH_TEST_GENERATED_DIR"


@pytest.fixture(scope="session")
def dbt(tmp_path_factory):
    """Runs a dbt command on a warehouse file: `dbt(path, "build")` returns a DbtResult (tests/dbt_runner.py) whose
    `failures` lists the nodes that failed. The one way tests run dbt: one runner per session keeps dbt's parse."""
    from dbt_runner import DbtRunner

    return DbtRunner(tmp_path_factory.mktemp("dbt"))


@pytest.fixture(scope="session")
def generated_warehouse(tmp_path_factory, dbt):
    """Six months of generated feeds, loaded and built with dbt (tests/generated_warehouse.py). Read-only: copy the
    file with `copy_warehouse` before writing to it."""
    from generated_warehouse import DAYS, SCALE, SEED, START, GeneratedWarehouse, build_generated_warehouse

    reuse = os.environ.get(REUSE_GENERATED_ENV)
    if reuse and (Path(reuse) / "warehouse.duckdb").exists():
        root = Path(reuse)
        landing = root / "landing"
        return GeneratedWarehouse(root / "warehouse.duckdb", landing, landing / "truth", START, DAYS, SCALE, SEED)
    if reuse:
        Path(reuse).mkdir(parents=True, exist_ok=True)
        return build_generated_warehouse(Path(reuse), dbt=dbt)
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return build_generated_warehouse(tmp_path_factory.mktemp("generated_warehouse"), dbt=dbt)
    # Under pytest-xdist every worker asks for it: the first builds it in the run's temporary folder, which the
    # workers share (each has its own folder inside it), while the others wait on a lock; then all read the same
    # file (tests copy it before writing).
    shared = tmp_path_factory.getbasetemp().parent / "generated_warehouse"
    shared.mkdir(parents=True, exist_ok=True)
    done = shared / "built"
    with (shared.parent / "generated_warehouse.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            build_generated_warehouse(shared, dbt=dbt)
            done.touch()
    landing = shared / "landing"
    return GeneratedWarehouse(shared / "warehouse.duckdb", landing, landing / "truth", START, DAYS, SCALE, SEED)


@pytest.fixture(scope="session")
def template_db(tmp_path_factory) -> Path:
    """An empty warehouse file with the raw, ops and reference schemas, built once: loader tests copy it."""
    from warehouse.db import connect
    from warehouse.loading import ensure_schema

    path = tmp_path_factory.mktemp("template") / "warehouse.duckdb"
    con = connect(path)
    ensure_schema(con)
    con.close()
    return path


@pytest.fixture(scope="module")
def raw_tables_con(tmp_path_factory):
    """A connection to a new warehouse file with the reference data and the empty raw tables, for a test module:
    what the feed contract's rules compile and run against (the contract's and the generator's tests)."""
    from warehouse.db import connect
    from warehouse.loading.tables import create_raw_tables
    from warehouse.reference import load_reference

    connection = connect(tmp_path_factory.mktemp("raw_tables") / "w.duckdb")
    load_reference(connection)
    create_raw_tables(connection)
    yield connection
    connection.close()


@pytest.fixture
def wh(tmp_path, template_db):
    """A copy of the schema-only warehouse file wrapped for the loader tests (tests/feed_deliveries.py)."""
    from feed_deliveries import Warehouse

    warehouse = Warehouse(tmp_path, template_db)
    yield warehouse
    warehouse.con.close()


@pytest.fixture
def postgres_url():
    """A fresh database on the test server (tests/engine_servers.py), dropped after the test."""
    from engine_servers import fresh_database

    with fresh_database() as url:
        yield url
