"""Analysts on PostgreSQL (issue 18, warehouse/engines/postgres_publish.py), on a real server: the platform's group
roles, the analyst schema masked with the same values the DuckDB analyst copy carries, the entitled schema clear,
each role reading its own schema and nothing else, and a publish that neither waits on an analyst's open
transaction nor pulls a running query's rows from under it.

The sources are small tables made directly on the server, with columns the real policy (the dbt yml) tags. Each
module gets a fresh database and its own role prefix (roles are the server's, not the database's), both dropped at
the end. The server: tests/engine_servers.py."""

from __future__ import annotations

import dataclasses
import json
import secrets
import threading
import uuid
from contextlib import closing
from urllib.parse import urlsplit, urlunsplit

import duckdb
import psycopg2
import pytest
from engine_servers import fresh_database
from psycopg2 import errors

from warehouse.access.masking import DUCKDB, POSTGRES, masked_expression
from warehouse.access.policy import Policy, PolicyError, for_table, load_policy
from warehouse.engines.postgres_publish import DIALECT, PublishError, ensure_roles, publish_postgres, roles
from warehouse.loading.quoting import ident, literal

KEY = secrets.token_hex(32)
# The published tables and what each column is on each engine: (name, PostgreSQL type, DuckDB type). `id` orders
# the rows. Tagged in the policy: dim_importers' numbers (hash) and names (nullify), fct_entry_lines' importer
# (hash), risk.profiles' keys (hash where `mask_when` holds), risk.entities' lists (hash by element), and the
# quarantine's messages (redact) and raw values (nullify).
TABLES = {
    "marts.dim_importers": [
        ("id", "integer", "INTEGER"),
        ("importer_number", "text not null", "VARCHAR"),
        ("legal_name", "text", "VARCHAR"),
        ("bond_number", "varchar(20)", "VARCHAR"),
        ("state", "text", "VARCHAR"),
    ],
    "marts.fct_entry_lines": [
        ("id", "integer", "INTEGER"),
        ("importer_number", "text", "VARCHAR"),
        ("entered_value", "numeric(12, 2)", "DECIMAL(12, 2)"),
    ],
    "risk.profiles": [
        ("id", "integer", "INTEGER"),
        ("dimension", "text", "VARCHAR"),
        ("key", "text", "VARCHAR"),
        ("parent_dimension", "text", "VARCHAR"),
        ("parent_key", "text", "VARCHAR"),
    ],
    "risk.entities": [
        ("id", "integer", "INTEGER"),
        ("entity_id", "text", "VARCHAR"),
        ("display_name", "text", "VARCHAR"),
        ("importer_number_list", "text[]", "VARCHAR[]"),
    ],
    "ops.quarantine": [
        ("id", "integer", "INTEGER"),
        ("reason", "text", "VARCHAR"),
        ("detail", "text", "VARCHAR"),
        ("raw_values", "text", "VARCHAR"),
        ("violations", "jsonb", "JSON"),
    ],
}
ROWS = {
    "marts.dim_importers": [
        (1, "IM-0001", "Acme Trading", "B-77", "CA"),
        (2, "IM-0002", None, None, "NY"),
        (3, "Ünïcödé-№3 €", "Zoë's Café", "B-é", None),
    ],
    "marts.fct_entry_lines": [(1, "IM-0001", 10.5), (2, None, 3.25), (3, "Ünïcödé-№3 €", 7)],
    "risk.profiles": [
        (1, "importer", "IM-0001", "overall", "all"),
        (2, "importer_chapter", "IM-0001|72", "importer", "IM-0001"),
        (3, "port", "0101", "overall", "all"),
        (4, None, "unknown dimension", None, "unknown parent"),
    ],
    "risk.entities": [
        (1, "E-IM-0001", "Acme", ["IM-0001", None, "IM-0002"]),
        (2, "E-IM-0003", None, []),
        (3, "E-none", "Nobody", None),
    ],
    "ops.quarantine": [
        (1, "row 4: column importer_number breaks rule pattern: 'IM 01' is not an importer number", None, "{}", None),
        (2, "''the importer's number 'A''B' and 'C'", "1990's value 'x", "raw", [{"message": "bad 'IM-9' here"}]),
        (3, "open quote 'runs to the end", "no quotes", None, [{"message": "it's fine"}, {"message": "'a' 'b'"}]),
    ],
}
# Bookkeeping and sources no analyst may read.
HIDDEN = {"ops.shipped_files": "table_name text, file_sha256 text", "raw.entries": "importer_number text"}
# Messages whose redaction must be the same on both engines: apostrophes, doubled quotes, a quote left open, quotes
# at the start and end, letters beyond ASCII before a quote, new lines.
MESSAGES = [
    "plain",
    "'IM 01' at the start",
    "at the end 'IM 01'",
    "number's 'x' and 1990's",
    "doubled 'it''s' inside",
    "empty '' value",
    "three ''' quotes",
    "left open 'at the end",
    "left open ''",
    "café's 'é'",
    "ü'x' after a letter beyond ASCII",
    "line one 'a\nb' line two",
    "'",
    "''",
    "'''",
    "''''",
    "''x' then 'y'",
    "'' 'a'",
    "'''a' b",
    "'a' at the start",
    "a'b'c 'd' e'",
    "(x)'y' [z]'w'",
    "",
    None,
]


def _as_user(url: str, user: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=f"{user}@{host}"))


def _create_sources(con) -> None:
    with con, con.cursor() as cur:
        for name, columns in TABLES.items():
            cur.execute(f"create schema if not exists {name.split('.')[0]}")
            cur.execute(f"create table {name} ({', '.join(f'{c} {pg}' for c, pg, _ in columns)})")
            for row in ROWS[name]:
                values = [
                    json.dumps(v) if pg == "jsonb" and v is not None else v
                    for v, (_, pg, _) in zip(row, columns, strict=True)
                ]
                cur.execute(f"insert into {name} values ({', '.join(['%s'] * len(row))})", values)
        for name, columns in HIDDEN.items():
            cur.execute(f"create schema if not exists {name.split('.')[0]}")
            cur.execute(f"create table {name} ({columns})")


@pytest.fixture(scope="module")
def server():
    """A database with the sources, published once; roles under a prefix of its own, and a LOGIN user in each."""
    prefix = f"tw{uuid.uuid4().hex[:6]}"
    names = roles(prefix)
    users = {"analyst": f"{prefix}_alice", "entitled": f"{prefix}_erin"}
    with fresh_database() as url:
        admin = psycopg2.connect(url)
        try:
            _create_sources(admin)
            published = publish_postgres(url, KEY, prefix=prefix)
            with admin, admin.cursor() as cur:
                cur.execute(f"create role {users['analyst']} login in role {names.analyst}")
                cur.execute(f"create role {users['entitled']} login in role {names.entitled}")
            yield {
                "url": url,
                "prefix": prefix,
                "roles": names,
                "published": published,
                "admin": admin,
                "analyst": _as_user(url, users["analyst"]),
                "entitled": _as_user(url, users["entitled"]),
            }
        finally:
            admin.close()
    # Roles belong to the server; the database that held their privileges is gone now.
    other = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    other.autocommit = True
    try:
        with other.cursor() as cur:
            for role in (*users.values(), *names):
                cur.execute(f"drop role if exists {role}")
    finally:
        other.close()


def _rows(con, statement: str) -> list[tuple]:
    with con.cursor() as cur:
        cur.execute(statement)
        rows = cur.fetchall()
    con.rollback()
    return rows


def _duckdb_masked(source_rows: dict[str, list[tuple]]) -> dict[str, list[tuple]]:
    """What the DuckDB analyst copy carries for the same rows: warehouse/access/masking.py's DuckDB SQL, run on
    DuckDB, with the same policy and key."""
    policy = load_policy()
    con = duckdb.connect()
    expected = {}
    for name, columns in TABLES.items():
        schema, table = name.split(".")
        con.execute(f"create schema if not exists {schema}")
        con.execute(f"create table {name} ({', '.join(f'{ident(c)} {duck}' for c, _, duck in columns)})")
        for row in source_rows[name]:
            values = [
                json.dumps(v) if duck == "JSON" and v is not None else v
                for v, (_, _, duck) in zip(row, columns, strict=True)
            ]
            con.execute(f"insert into {name} values ({', '.join(['?'] * len(row))})", values)
        tags = for_table(policy, schema, table)
        select = [
            masked_expression(tags[c], duck, "not null" not in pg, KEY) if c in tags else ident(c)
            for c, pg, duck in columns
        ]
        rows = con.execute(f"select {', '.join(select)} from {name} order by id").fetchall()
        expected[table] = [_comparable(row, columns) for row in rows]
    return expected


def _comparable(row: tuple, columns) -> tuple:
    """JSON as values (DuckDB returns its text, psycopg2 the parsed value), decimals as their digits."""
    out = []
    for value, (_, pg, _) in zip(row, columns, strict=True):
        if pg == "jsonb" and isinstance(value, str):
            value = json.loads(value)
        elif pg.startswith("numeric") and value is not None:
            value = str(value)
        out.append(value)
    return tuple(out)


def _source_rows(admin) -> dict[str, list[tuple]]:
    return {name: _rows(admin, f"select * from {name} order by id") for name in TABLES}


def test_the_platform_roles_are_group_roles_made_once(server):
    names = server["roles"]
    assert names == (f"{server['prefix']}_loader", f"{server['prefix']}_analyst", f"{server['prefix']}_entitled")
    assert roles() == ("tradewh_loader", "tradewh_analyst", "tradewh_entitled")
    ensure_roles(server["admin"], server["prefix"])  # again: nothing to make, nothing fails
    found = _rows(
        server["admin"], f"select rolname, rolcanlogin from pg_roles where rolname like '{server['prefix']}%'"
    )
    assert {name: login for name, login in found if name in names} == dict.fromkeys(names, False)


def test_the_analyst_sees_what_the_duckdb_copy_masks(server):
    expected = _duckdb_masked(_source_rows(server["admin"]))
    with psycopg2.connect(server["analyst"]) as analyst:
        for name, columns in TABLES.items():
            table = name.split(".")[1]
            rows = [_comparable(row, columns) for row in _rows(analyst, f"select * from analyst.{table} order by id")]
            assert rows == expected[table], table
        # The masking masked: a clear value never reaches the analyst, and a masked row is not the clear one.
        clear = _rows(server["admin"], "select importer_number, legal_name from marts.dim_importers order by id")
        masked = _rows(analyst, "select importer_number, legal_name from analyst.dim_importers order by id")
        assert all(
            m[0] != c[0] and m[0].startswith("h") and len(m[0]) == 21 and m[1] is None
            for m, c in zip(masked, clear, strict=True)
        )
        # mask_when: only importer rows' keys are hashed; the port's key and the unknown dimension's (NULL: masked).
        keys = _rows(analyst, "select key from analyst.profiles order by id")
        assert [k.startswith("h") for (k,) in keys] == [True, True, False, True]
    analyst.close()
    assert server["published"].masked_columns == len(server["published"].masked) == 13


def test_the_entitled_role_sees_clear_values(server):
    with psycopg2.connect(server["entitled"]) as entitled:
        for name in TABLES:
            table = name.split(".")[1]
            assert _rows(entitled, f"select * from entitled.{table} order by id") == _rows(
                server["admin"], f"select * from {name} order by id"
            ), table
    entitled.close()


ANALYST_REFUSED = [
    "insert into analyst.dim_importers (id, importer_number) values (9, 'x')",
    "update analyst.dim_importers set state = 'x'",
    "delete from analyst.dim_importers",
    "truncate analyst.dim_importers",
    "drop table analyst.dim_importers",
    "create table analyst.mine (x int)",
    "create table public.mine (x int)",
    "create schema mine",
    "alter table analyst.dim_importers add column x int",
    "select * from analyst.dim_importers for update",
    "select * from marts.dim_importers",
    "select * from marts.fct_entry_lines",
    "select * from risk.profiles",
    "select * from raw.entries",
    "select * from ops.quarantine",
    "select * from ops.shipped_files",
    "select * from entitled.dim_importers",
    "lock table analyst.dim_importers in access exclusive mode",
]


@pytest.mark.parametrize("statement", ANALYST_REFUSED)
def test_the_analyst_cannot_write_nor_read_beyond_its_schema(server, statement):
    refused = pytest.raises(errors.InsufficientPrivilege)
    with closing(psycopg2.connect(server["analyst"])) as analyst, analyst.cursor() as cur, refused:
        cur.execute(statement)


@pytest.mark.parametrize(
    "statement",
    ["select * from analyst.dim_importers", "select * from marts.dim_importers", "delete from entitled.quarantine"],
)
def test_the_entitled_role_reads_its_schema_only(server, statement):
    refused = pytest.raises(errors.InsufficientPrivilege)
    with closing(psycopg2.connect(server["entitled"])) as entitled, entitled.cursor() as cur, refused:
        cur.execute(statement)


def test_redaction_and_hashing_agree_between_the_engines(server):
    """The redaction's regular expression (RE2 in DuckDB, ARE in PostgreSQL) and the keyed hash of text beyond
    ASCII give the same values on both engines."""
    duck = duckdb.connect()
    for message in MESSAGES:
        value = "null" if message is None else literal(message)
        (on_duckdb,) = duck.execute(f"select {DUCKDB.redact(value)}").fetchone()
        ((on_postgres,),) = _rows(server["admin"], f"select {POSTGRES.redact(value)}")
        assert on_postgres == on_duckdb, message
    tag = next(t for t in load_policy() if t.table == "fct_entry_lines" and t.column == "importer_number")
    # What the publisher runs reads the key from a setting: no statement the server might log spells it.
    assert KEY not in masked_expression(tag, "text", True, KEY, DIALECT)
    for message in MESSAGES:
        duckdb_hash = masked_expression(tag, "VARCHAR", True, KEY)
        postgres_hash = masked_expression(tag, "text", True, KEY, dialect=POSTGRES)
        value = f"(select {'null' if message is None else literal(message)} as importer_number) as t"
        assert _rows(server["admin"], f"select {postgres_hash} from {value}") == [
            duck.execute(f"select {duckdb_hash} from {value}").fetchone()
        ], message


def test_an_open_analyst_transaction_blocks_neither_a_publish_nor_a_load(server):
    """An analyst's transaction that has read the schema and holds a query half-read stays open across a write to
    the sources and a publish; both finish promptly; the half-read query ends on the rows it started with, the
    next statement reads the new generation; the generation it held is left, and dropped by the publish after."""
    url, admin = server["url"], server["admin"]
    analyst = psycopg2.connect(server["analyst"])
    try:
        with analyst.cursor() as cur:
            cur.execute("select count(*) from analyst.dim_importers")
            (before,) = cur.fetchone()
        running = analyst.cursor("half_read")  # a server-side cursor: a query that has started and not finished
        running.execute("select id from analyst.dim_importers order by id")
        first = running.fetchone()

        with admin, admin.cursor() as cur:
            cur.execute("set local lock_timeout = '2s'")
            cur.execute("insert into marts.dim_importers values (4, 'IM-0004', 'New Co', null, 'TX')")
        outcome: dict = {}
        publisher = threading.Thread(
            target=lambda: outcome.update(result=publish_postgres(url, KEY, prefix=server["prefix"]))
        )
        publisher.start()
        publisher.join(timeout=30)
        assert not publisher.is_alive(), "the publish waited on the analyst's transaction"
        result = outcome["result"]
        assert sorted(s.split("__old_")[0] for s in result.old_generations_left) == ["analyst"]

        assert [first, *running.fetchall()] == [(i,) for i in range(1, before + 1)]  # the old rows, to the end
        running.close()
        with analyst.cursor() as cur:
            cur.execute("select count(*), count(*) filter (where importer_number like 'h%') from analyst.dim_importers")
            assert cur.fetchone() == (before + 1, before + 1)
    finally:
        analyst.close()
    again = publish_postgres(url, KEY, prefix=server["prefix"])
    assert again.old_generations_left == []
    assert set(result.old_generations_left) <= set(again.old_generations_dropped)
    # The row written stays: the module's other tests compare the published schemas with the sources as they are.


def test_a_repeatable_read_transaction_across_a_swap_sees_empty_tables(server):
    """The documented limit of the generation swap (docs/scale-out.md): names resolve against the latest catalogue,
    so a REPEATABLE READ transaction whose snapshot predates a publish finds the new generation's tables, whose rows
    are newer than its snapshot. Analysts read in READ COMMITTED; should PostgreSQL change this, this test says so."""
    analyst = psycopg2.connect(server["analyst"])
    analyst.set_session(isolation_level="REPEATABLE READ")
    try:
        with analyst.cursor() as cur:
            cur.execute("select count(*) from analyst.dim_importers")
            assert cur.fetchone()[0] > 0
            publish_postgres(server["url"], KEY, prefix=server["prefix"])
            cur.execute("select count(*) from analyst.dim_importers")
            assert cur.fetchone()[0] == 0
        analyst.rollback()
        with analyst.cursor() as cur:
            cur.execute("select count(*) from analyst.dim_importers")
            assert cur.fetchone()[0] > 0
    finally:
        analyst.close()


def test_a_mask_when_postgresql_cannot_run_is_refused_and_nothing_is_swapped(server):
    policy = load_policy()
    duckdb_only = "list_contains(['importer'], dimension)"
    changed = Policy(
        [
            dataclasses.replace(t, mask_when=duckdb_only) if t.table == "profiles" and t.column == "key" else t
            for t in policy
        ],
        policy.declared,
    )
    live = "select oid from pg_namespace where nspname = 'analyst'"
    before = _rows(server["admin"], live)
    with pytest.raises(
        PolicyError, match=r"_platform__sources\.yml: mask_when .*list_contains.* does not run on PostgreSQL"
    ):
        publish_postgres(server["url"], KEY, policy=changed, prefix=server["prefix"])
    assert _rows(server["admin"], live) == before
    assert _rows(server["admin"], "select nspname from pg_namespace where nspname like '%\\_\\_next'") == []


def test_a_publisher_outside_the_loader_role_is_refused(server):
    with pytest.raises(PublishError, match=f"member of {server['roles'].loader}"):
        publish_postgres(server["analyst"], KEY, prefix=server["prefix"], ensure=False)


def test_json_redaction_agrees_between_the_engines(server):
    """Nested and JSON columns are redacted through their JSON text, where a quote left open ends at its string."""
    duck = duckdb.connect()
    texts = [
        '[{"message": "\'-5\' is below 0"}, {"message": "cut: \'JOHN"}]',
        '{"m": "say \\"hi\\": \'a \\\\ b\' ok", "n": "it\'s \'x\'"}',
    ]
    for text in texts:
        (on_duckdb,) = duck.execute(f"select {DUCKDB.redact_json(literal(text))}").fetchone()
        ((on_postgres,),) = _rows(server["admin"], f"select {POSTGRES.redact_json(literal(text))}")
        assert on_postgres == on_duckdb, text
        json.loads(on_duckdb)  # still JSON
    assert json.loads(on_duckdb) == {"m": "say \"hi\": '…' ok", "n": "it's '…'"}
