"""A PostgreSQL server for the tests that need one (tests/test_engines.py, tests/test_postgres_access.py): its URL
from $TRADEWH_TEST_POSTGRES_URL (any libpq URL whose user may create databases and roles; `.ci/run` starts one on
127.0.0.1), and a fresh database on it for each use, dropped afterwards. Without a server the test is skipped, and
fails instead with TRADEWH_REQUIRE_ENGINES=1 (as in CI)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg2
import pytest

POSTGRES_URL_ENV = "TRADEWH_TEST_POSTGRES_URL"
REQUIRE_ENV = "TRADEWH_REQUIRE_ENGINES"


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
