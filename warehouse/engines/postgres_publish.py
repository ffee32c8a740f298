"""Analysts on PostgreSQL: the platform's roles, and the two published schemas they read (docs/scale-out.md).

- Roles (NOLOGIN groups a DBA grants to real users): `<prefix>_loader` writes the platform's schemas and owns the
  published ones, `<prefix>_analyst` reads the `analyst` schema only (personal columns masked as in the DuckDB
  analyst copy, warehouse/access/masking.py), `<prefix>_entitled` reads the `entitled` schema only (clear values).
- Publication by schema generation. Analysts never read dbt's own tables: dbt-postgres replaces a table by renaming,
  which needs an ACCESS EXCLUSIVE lock that would queue behind an analyst's open transaction (and every later
  reader behind it). Each publish builds fresh tables of every published table into `analyst__next` and
  `entitled__next` (from one snapshot of the sources), grants them, then in one short transaction renames the live
  schemas away (`analyst__old_<stamp>`) and the new ones into place. Renaming a schema locks none of its tables, so
  it never waits on a reader (tests/test_postgres_access.py holds a reader open across a publish). The old
  generation is dropped with a short lock_timeout; while a reader's transaction still holds one of its tables it is
  left, and the next publish drops it.
- Names resolve at each statement against the latest catalogue: a statement that starts after the swap reads the new
  generation, one that was running keeps reading the old one to its end. A REPEATABLE READ or SERIALIZABLE
  transaction that spans a swap sees the new generation's tables empty (their rows are newer than its snapshot):
  analysts read in READ COMMITTED, PostgreSQL's default (docs/scale-out.md).
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

import psycopg2
from psycopg2 import errors

from warehouse.access.masking import PostgresDialect, masked_expression
from warehouse.access.masking_key import KEY_PATTERN, MaskingKeyError
from warehouse.access.policy import Policy, PolicyError, Tagged, for_table, is_declared, load_policy
from warehouse.engines.postgres import connect
from warehouse.loading.quoting import ident
from warehouse.sql_files import query

DEFAULT_PREFIX = "tradewh"
PUBLISHED_SCHEMAS = ("marts", "risk", "metrics", "report")
# The ops tables analysts read in the DuckDB copy; the engine's own bookkeeping (ops.shipped_*) is not among them.
PUBLISHED_OPS_TABLES = ("quarantine", "quality_results", "files", "load_log", "row_warnings")
# The schemas the platform writes on the engine: the loader role may use and create in each that exists.
PLATFORM_SCHEMAS = ("raw", "reference", "staging", "intermediate", "marts", "risk", "metrics", "report", "ops")
ANALYST, ENTITLED = "analyst", "entitled"
NEXT, OLD = "__next", "__old_"
# The swap renames schemas only and should never wait; if it does, it fails rather than queue readers behind it.
SWAP_LOCK_TIMEOUT = "5s"
# Dropping an old generation waits this long for a reader to let go of it, then leaves it for the next publish.
DROP_LOCK_TIMEOUT = "200ms"
# One publisher at a time per database (a session advisory lock on this key).
PUBLISH_LOCK = 0x7472_6164_6577_68  # "tradewh"
# The key reaches the masking expressions through this setting, set for the build's transaction only.
KEY_SETTING = "tradewh.masking_key"
DIALECT = PostgresDialect(key_setting=KEY_SETTING)
ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,40}")


class PublishError(RuntimeError):
    """The copies cannot be published on this server as asked (a name in two schemas, a publisher that cannot give
    the tables to the loader role, a leftover schema still in use)."""


class Roles(NamedTuple):
    loader: str
    analyst: str
    entitled: str


def roles(prefix: str = DEFAULT_PREFIX) -> Roles:
    if not ROLE_NAME.fullmatch(prefix):
        raise ValueError(f"role prefix {prefix!r}: lower-case letters, digits and underscores, at most 41")
    return Roles(f"{prefix}_loader", f"{prefix}_analyst", f"{prefix}_entitled")


@dataclass
class PostgresPublished:
    tables: list[str] = field(default_factory=list)  # schema.table of each source published to both copies
    masked: list[str] = field(default_factory=list)  # schema.table.column masked in the analyst schema
    old_generations_left: list[str] = field(default_factory=list)  # held by a reader: dropped at a later publish
    old_generations_dropped: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # named schemas or ops tables the server does not hold
    unmatched: list[str] = field(default_factory=list)  # tags naming a published table's column it lacks
    undeclared: list[str] = field(default_factory=list)  # tables no yml declares: published, unreviewed
    not_published: list[str] = field(default_factory=list)  # views: their rows come from clear tables
    seconds: float = 0.0

    @property
    def masked_columns(self) -> int:
        return len(self.masked)


class Column(NamedTuple):
    name: str
    data_type: str
    nullable: bool


def _execute(cur, statement: str, **values) -> list[tuple]:
    """Run an SQL file's `statement` with its `$name` values bound (psycopg2 spells them `%(name)s`)."""
    cur.execute(re.sub(r"(?<![:\w\\])\$(\w+)", r"%(\1)s", statement), values)
    return cur.fetchall()


def _exists(cur, catalog: str, column: str, name: str) -> bool:
    cur.execute(f"select 1 from pg_catalog.{catalog} where {column} = %s", (name,))
    return cur.fetchone() is not None


def ensure_roles(con, prefix: str = DEFAULT_PREFIX) -> Roles:
    """Create the platform's three group roles where missing (NOLOGIN: a DBA grants them to real users) and give
    the loader what it needs in this database: connect, create schemas, use and write every platform schema that
    exists, and every table the connected user creates there later. Idempotent; commits."""
    names = roles(prefix)
    with con, con.cursor() as cur:
        for role in names:
            if not _exists(cur, "pg_roles", "rolname", role):
                cur.execute("savepoint create_role")
                try:
                    cur.execute(f"create role {ident(role)} nologin")
                except (errors.DuplicateObject, errors.UniqueViolation):  # another publisher made it meanwhile
                    cur.execute("rollback to savepoint create_role")
        cur.execute("select current_database()")
        (database,) = cur.fetchone()
        cur.execute(f"grant connect on database {ident(database)} to {', '.join(ident(r) for r in names)}")
        cur.execute(f"grant create, temporary on database {ident(database)} to {ident(names.loader)}")
        for schema in PLATFORM_SCHEMAS:
            if _exists(cur, "pg_namespace", "nspname", schema):
                loader = ident(names.loader)
                cur.execute(f"grant usage, create on schema {ident(schema)} to {loader}")
                cur.execute(f"grant all on all tables in schema {ident(schema)} to {loader}")
                cur.execute(f"alter default privileges in schema {ident(schema)} grant all on tables to {loader}")
    return names


def _sources(cur, schemas: Iterable[str], ops_tables: Iterable[str], published: PostgresPublished):
    """{(schema, table): [Column]} of the base tables to publish; views and absent names noted in `published`."""
    columns = query(__package__, "postgres_published_columns")
    rows = _execute(cur, columns, schemas=list(schemas), ops_tables=list(ops_tables))
    tables: dict[tuple[str, str], list[Column]] = defaultdict(list)
    for schema, table, kind, name, data_type, nullable in rows:
        if kind in ("v", "m"):
            if f"{schema}.{table}" not in published.not_published:
                published.not_published.append(f"{schema}.{table}")
            continue
        tables[(schema, table)].append(Column(name, data_type, nullable))
    present = {schema for schema, _ in tables} | {name.split(".")[0] for name in published.not_published}
    published.missing += [schema for schema in schemas if schema not in present]
    published.missing += [f"ops.{t}" for t in ops_tables if ("ops", t) not in tables]
    by_name: dict[str, str] = {}
    for schema, table in tables:
        if table in by_name:
            raise PublishError(
                f"{by_name[table]}.{table} and {schema}.{table} would both be {ANALYST}.{table}: "
                "publish one of them, or rename one"
            )
        by_name[table] = schema
    return dict(tables)


def _check_condition(cur, tag: Tagged, schema: str, table: str) -> None:
    """A `mask_when` condition is SQL written for DuckDB; refuse, naming its yml, one PostgreSQL cannot run."""
    cur.execute("savepoint mask_when")
    try:
        cur.execute(f"select coalesce(({tag.mask_when}), true) from {ident(schema)}.{ident(table)} where false")
    except psycopg2.Error as error:
        cur.execute("rollback to savepoint mask_when")
        reason = (error.pgerror or str(error)).strip().splitlines()[0]
        raise PolicyError(
            f"{tag.defined_in}: mask_when {tag.mask_when!r} of {schema}.{table}.{tag.column} does not run on "
            f"PostgreSQL ({reason}); write it in SQL both engines run"
        ) from None
    cur.execute("release savepoint mask_when")


def _masked_select(
    cur, schema: str, table: str, columns: list[Column], policy: Policy, key: str, published: PostgresPublished
) -> str:
    tags = for_table(policy, schema, table)
    names = {c.name for c in columns}
    published.unmatched += [f"{schema}.{table}.{c}" for c in tags if c not in names]
    select = []
    for column in columns:
        tag = tags.get(column.name)
        if tag is None:
            select.append(ident(column.name))
            continue
        if tag.mask_when:
            _check_condition(cur, tag, schema, table)
        select.append(masked_expression(tag, column.data_type, column.nullable, key, DIALECT))
        published.masked.append(f"{schema}.{table}.{column.name}")
    return ", ".join(select)


def _can_give_to(cur, role: str) -> bool:
    cur.execute("select pg_has_role(current_user, %s, 'MEMBER')", (role,))
    return bool(cur.fetchone()[0])


def _drop_if_free(con, schema: str) -> bool:
    """Drop `schema` unless a reader still holds one of its tables (then roll back and leave it)."""
    try:
        with con, con.cursor() as cur:
            cur.execute(f"set local lock_timeout = '{DROP_LOCK_TIMEOUT}'")
            cur.execute(f"drop schema if exists {ident(schema)} cascade")
        return True
    except errors.LockNotAvailable:
        return False


def _schemas_starting(con, prefix: str) -> list[str]:
    with con, con.cursor() as cur:
        cur.execute("select nspname from pg_catalog.pg_namespace where starts_with(nspname, %s) order by 1", (prefix,))
        return [name for (name,) in cur.fetchall()]


def _drop_old_generations(con, published: PostgresPublished) -> list[str]:
    """Drop every old generation no reader holds; returns the ones left."""
    left = []
    for schema in _schemas_starting(con, ANALYST + OLD) + _schemas_starting(con, ENTITLED + OLD):
        if _drop_if_free(con, schema):
            published.old_generations_dropped.append(schema)
        else:
            left.append(schema)
    return left


def _build(con, names: Roles, policy: Policy, key: str, schemas, ops_tables, published: PostgresPublished) -> None:
    """The next generation of both schemas, from one snapshot of the sources, granted and owned by the loader."""
    con.set_session(isolation_level="REPEATABLE READ")
    try:
        with con, con.cursor() as cur:
            cur.execute("select set_config(%s, %s, true)", (KEY_SETTING, key))
            sources = _sources(cur, schemas, ops_tables, published)
            for live in (ANALYST, ENTITLED):
                cur.execute(f"create schema {ident(live + NEXT)} authorization {ident(names.loader)}")
            for (schema, table), columns in sorted(sources.items()):
                source = f"{ident(schema)}.{ident(table)}"
                if not is_declared(policy, schema, table):
                    published.undeclared.append(f"{schema}.{table}")
                select = _masked_select(cur, schema, table, columns, policy, key, published)
                copies = ((ANALYST, select), (ENTITLED, "*"))
                for live, columns_sql in copies:
                    target = f"{ident(live + NEXT)}.{ident(table)}"
                    cur.execute(f"create table {target} as select {columns_sql} from {source}")
                    cur.execute(f"alter table {target} owner to {ident(names.loader)}")
                    cur.execute(f"analyze {target}")
                published.tables.append(f"{schema}.{table}")
            for live, reader in ((ANALYST, names.analyst), (ENTITLED, names.entitled)):
                cur.execute(f"grant usage on schema {ident(live + NEXT)} to {ident(reader)}")
                cur.execute(f"grant select on all tables in schema {ident(live + NEXT)} to {ident(reader)}")
    finally:
        con.set_session(isolation_level="DEFAULT")


def _swap(con) -> None:
    """The live schemas away, the new generation into place: catalogue updates only, in one short transaction."""
    stamp = time.strftime("%Y%m%d%H%M%S") + f"{time.time_ns() // 1000 % 1_000_000:06d}"
    with con, con.cursor() as cur:
        cur.execute(f"set local lock_timeout = '{SWAP_LOCK_TIMEOUT}'")
        for live in (ANALYST, ENTITLED):
            if _exists(cur, "pg_namespace", "nspname", live):
                cur.execute(f"alter schema {ident(live)} rename to {ident(live + OLD + stamp)}")
            cur.execute(f"alter schema {ident(live + NEXT)} rename to {ident(live)}")


def publish_postgres(
    url: str,
    key: str,
    policy: Policy | None = None,
    schemas: Iterable[str] = PUBLISHED_SCHEMAS,
    ops_tables: Iterable[str] = PUBLISHED_OPS_TABLES,
    prefix: str = DEFAULT_PREFIX,
    ensure: bool = True,
) -> PostgresPublished:
    """Publish the `analyst` (masked with `key`) and `entitled` (clear) schemas of the database at `url` from the
    base tables of `schemas` and the named `ops_tables`, without waiting on any reader; returns what was published
    and which old generations a reader still holds. The connected user must be able to give objects to the loader
    role (a member of it, or a superuser). With `ensure` (the default) the roles and the loader's grants are made
    first (`ensure_roles`: that needs CREATEROLE and the database's and schemas' owner); a publisher without those
    rights passes `ensure=False` once a DBA has run `ensure_roles`."""
    started = time.perf_counter()
    if not KEY_PATTERN.fullmatch(key):
        raise MaskingKeyError("the masking key must be at least 64 hex digits (32 random bytes)")
    policy = load_policy() if policy is None else policy
    schemas, ops_tables = tuple(schemas), tuple(ops_tables)
    published = PostgresPublished()
    con = connect(url)
    try:
        with con.cursor() as cur:  # outside a transaction: held until the session ends (below)
            con.autocommit = True
            cur.execute("select pg_advisory_lock(%s)", (PUBLISH_LOCK,))
            con.autocommit = False
        names = ensure_roles(con, prefix) if ensure else roles(prefix)
        with con, con.cursor() as cur:
            if not _can_give_to(cur, names.loader):
                raise PublishError(f"the publisher must be a member of {names.loader} to give it the published tables")
        # What an earlier publish left: its unswapped next generation (if nobody holds it) and old generations.
        for live in (ANALYST, ENTITLED):
            if not _drop_if_free(con, live + NEXT):
                raise PublishError(f"schema {live + NEXT}, left by an interrupted publish, is in use; try again")
        _drop_old_generations(con, published)
        _build(con, names, policy, key, schemas, ops_tables, published)
        _swap(con)
        published.old_generations_left = _drop_old_generations(con, published)
    finally:
        con.close()  # ends the session: releases the advisory lock, rolls back anything unfinished
    published.seconds = time.perf_counter() - started
    return published
