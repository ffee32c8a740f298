"""Publishing the analysts' copies after each successful run: the default copy (every tagged column masked, mode
0444) and the entitled copy (clear values, mode 0640 with the configured group, else 0600).

Both are built in a private folder beside the warehouse (mode 0700, so the clear copy is never readable by others,
not even while it is written) and then swapped in with `os.replace`: a query running on the old copy keeps its
inode, and a copy killed half-way never replaces a good one.
"""

from __future__ import annotations

import grp
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from warehouse.access.masking import masked_expression
from warehouse.access.masking_key import masking_key
from warehouse.access.policy import Policy, for_table, is_declared, load_policy
from warehouse.config import analyst_path, data_dir, entitled_group, entitled_path
from warehouse.loading.quoting import ident

ANALYST_MODE = 0o444
ENTITLED_MODE_GROUP = 0o640
ENTITLED_MODE_OWNER = 0o600


class PublishError(RuntimeError):
    """The copies cannot be published as configured (e.g. an entitled group that does not exist)."""


@dataclass
class Published:
    analyst: Path
    entitled: Path
    entitled_group: str | None
    masked: list[str] = field(default_factory=list)  # schema.table.column masked in the default copy
    unmatched: list[str] = field(default_factory=list)  # tags naming a table present but a column it lacks
    undeclared: list[str] = field(default_factory=list)  # tables no yml declares: copied clear, unreviewed


def staging_dir(warehouse: Path) -> Path:
    return data_dir(warehouse) / ".publish"


def remove_interrupted_publish(warehouse: Path) -> list[Path]:
    """Delete what a publish killed half-way left behind (its staging folder, and the `.new` copy and write-ahead
    log older versions staged beside the copy); returns them. A stale WAL would be replayed into the next copy."""
    legacy = analyst_path(warehouse).with_name(analyst_path(warehouse).name + ".new")
    found = [p for p in (legacy, legacy.with_name(legacy.name + ".wal")) if p.exists()]
    for path in found:
        path.unlink()
    staging = staging_dir(warehouse)
    if staging.exists():
        found += sorted(staging.iterdir())
        shutil.rmtree(staging)
    return found


def _group_id(group: str | None) -> int | None:
    """The entitled group's id, checked before anything is written: it must exist, and the publisher must be able to
    give files to it (a member, or root)."""
    if group is None:
        return None
    try:
        gid = grp.getgrnam(group).gr_gid
    except KeyError:
        raise PublishError(f"the entitled group {group!r} ($TRADEWH_ENTITLED_GROUP) does not exist") from None
    if os.geteuid() != 0 and gid not in {os.getegid(), *os.getgroups()}:
        raise PublishError(f"the publisher is not a member of the entitled group {group!r}, so cannot give it files")
    return gid


def _restrict_live(warehouse: Path, gid: int | None) -> None:
    """The live warehouse holds every personal value in the clear, and a reader's lock on it blocks the loader:
    nobody but the loader (and the entitled group, read-only) may open it."""
    mode = ENTITLED_MODE_OWNER if gid is None else ENTITLED_MODE_GROUP
    for path in (warehouse, warehouse.with_name(warehouse.name + ".wal")):
        if path.exists():
            if gid is not None:
                os.chown(path, -1, gid)
            path.chmod(mode)


def _tables(con: duckdb.DuckDBPyConnection, database: str) -> list[tuple[str, str]]:
    return con.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = ? and not temporary order by 1, 2",
        [database],
    ).fetchall()


def _columns(con: duckdb.DuckDBPyConnection, database: str, schema: str, table: str) -> list[tuple[str, str, bool]]:
    return con.execute(
        "select column_name, data_type, is_nullable from duckdb_columns() "
        "where database_name = ? and schema_name = ? and table_name = ? order by column_index",
        [database, schema, table],
    ).fetchall()


def _write_masked(
    con: duckdb.DuckDBPyConnection, source: str, target: Path, policy: Policy, key: str, published: Published
) -> None:
    con.execute("attach ? as masked", [str(target)])
    # The whole catalogue first (schemas, tables with their constraints and comments, views, macros), then the rows
    # table by table through the masking select.
    con.execute(f"copy from database {ident(source)} to masked (schema)")
    for schema, table in _tables(con, source):
        if not is_declared(policy, schema, table):
            published.undeclared.append(f"{schema}.{table}")
        tags = for_table(policy, schema, table)
        columns = _columns(con, source, schema, table)
        names = {name for name, _, _ in columns}
        published.unmatched += [f"{schema}.{table}.{c}" for c in tags if c not in names]
        select = []
        for name, data_type, nullable in columns:
            if name in tags:
                select.append(masked_expression(tags[name], data_type, nullable, key))
                published.masked.append(f"{schema}.{table}.{name}")
            else:
                select.append(ident(name))
        qualified = f"{ident(schema)}.{ident(table)}"
        con.execute(f"insert into masked.{qualified} select {', '.join(select)} from {ident(source)}.{qualified}")
    con.execute("detach masked")


def _write_clear(con: duckdb.DuckDBPyConnection, warehouse: Path, target: Path) -> None:
    """The clear copy is the warehouse itself: after a checkpoint (the write-ahead log folded into the file) the
    file's bytes are the whole database, and the publisher's connection is the only one (it holds the writer
    pool) and writes nothing while they are copied. A file copy is I/O only, where `copy from database` decoded
    and compressed every table again (benchmarks/results.md: both copies of 8 full-scale days, 42.0 s before,
    15.7 s after, the masked one now most of it)."""
    con.execute("force checkpoint").fetchall()
    shutil.copyfile(warehouse, target)


def publish_copies(warehouse: Path, policy: Policy | None = None) -> Published:
    """Write both copies of `warehouse` and swap them in; the caller holds the warehouse (the writer pool)."""
    from warehouse.db import connect

    policy = load_policy() if policy is None else policy
    group = entitled_group()
    gid = _group_id(group)
    key = masking_key(warehouse)
    remove_interrupted_publish(warehouse)
    staging = staging_dir(warehouse)
    staging.mkdir(mode=0o700, parents=True)
    published = Published(analyst_path(warehouse), entitled_path(warehouse), group)
    analyst_stage, entitled_stage = staging / published.analyst.name, staging / published.entitled.name
    con = connect(warehouse)
    try:
        (source,) = con.execute("select current_database()").fetchall()[0]  # the file's stem, not "main"
        _write_masked(con, source, analyst_stage, policy, key, published)
        _write_clear(con, warehouse, entitled_stage)
    finally:
        con.close()
    analyst_stage.chmod(ANALYST_MODE)
    if gid is None:
        entitled_stage.chmod(ENTITLED_MODE_OWNER)
    else:
        os.chown(entitled_stage, -1, gid)
        entitled_stage.chmod(ENTITLED_MODE_GROUP)
    analyst_stage.replace(published.analyst)
    entitled_stage.replace(published.entitled)
    staging.rmdir()
    _restrict_live(warehouse, gid)
    return published
