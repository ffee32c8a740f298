"""The engines the cross-engine tests run on: PostgreSQL, a server at $TRADEWH_TEST_POSTGRES_URL (any libpq URL
whose user may create databases and roles; `.ci/run` starts one on 127.0.0.1), with a fresh database for each use,
dropped afterwards (conftest.py's `postgres_url` fixture); and a folder for a local Spark session (pyspark and a JRE
17+), only with TRADEWH_TEST_SPARK=1 (or `all`). Where an engine is missing its tests are skipped, and fail instead with
TRADEWH_REQUIRE_ENGINES=1 (as in CI)."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg2
import pytest

POSTGRES_URL_ENV = "TRADEWH_TEST_POSTGRES_URL"
REQUIRE_ENV = "TRADEWH_REQUIRE_ENGINES"
SPARK_ENV = "TRADEWH_TEST_SPARK"


def missing(reason: str):
    """Skip the test for want of an engine, or fail it when engines are required."""
    if os.environ.get(REQUIRE_ENV):
        pytest.fail(f"{reason} ({REQUIRE_ENV} is set)")
    pytest.skip(reason)


def server_url() -> str:
    server = os.environ.get(POSTGRES_URL_ENV)
    if not server:
        missing(f"no PostgreSQL server: set {POSTGRES_URL_ENV}")
    return server


def database_url(server: str, database: str) -> str:
    return server.rsplit("/", 1)[0] + "/" + database


@contextmanager
def fresh_database() -> Iterator[str]:
    """The URL of a new, empty database on the test server; dropped (its sessions ended) on exit."""
    server = server_url()
    name = f"tradewh_test_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(server)
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            cur.execute(f"create database {name}")
        try:
            yield database_url(server, name)
        finally:
            with admin.cursor() as cur:
                cur.execute(f"drop database {name} with (force)")
    finally:
        admin.close()


# TRADEWH_TEST_SPARK=1: Spark's cross-engine comparison (about 4 minutes of a worker; CI runs it);
# TRADEWH_TEST_SPARK=all: also the whole `tradewh run --engine spark` (about 7 minutes more).
SPARK_LEVELS = {"1": 1, "all": 2}


def spark_folder(root, why: str, level: int = 1):
    """`root/spark` when Spark's tests of this `level` are asked for and can run."""
    asked = SPARK_LEVELS.get(os.environ.get(SPARK_ENV, ""), 0)
    if asked < level:
        pytest.skip(f"{why} runs with {SPARK_ENV}={'1' if level == 1 else 'all'}")
    if shutil.which("java") is None:
        missing("no Java runtime for Spark (Debian: openjdk-17-jre-headless)")
    try:
        import pyspark  # noqa: F401
    except ImportError:
        missing("pyspark is not installed (the project's `spark` extra)")
    return root / "spark"
