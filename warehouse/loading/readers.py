"""Readers: one delivered file -> text rows in temp tables, whatever its format.

`_tw_stage` (a view over what was read) holds one row per readable record: `_row_number`, one VARCHAR column per
contract column of the feed (NULL when the file lacks the column) and `_extra`, a JSON object of the file's unknown
columns. `_tw_malformed` holds the records that are not records at all (a CSV line with the wrong number of fields,
broken quoting or bytes that are not UTF-8; a JSONL line that is not a JSON object), so that they can be quarantined
and counted: `message` is one short phrase, `detail` what DuckDB said, collapsed per kind of error.

Encoding is judged per record wherever the bad byte sits: only the header has to be UTF-8 before DuckDB reads the
file; a record holding another encoding's byte (a Latin-1 `é`) is rejected by DuckDB and quarantined alone.

Every value is read as text and typed later in SQL: that is what keeps `NA` a country and `0401` a port, and lets
a bad value become a quarantined row with a reason instead of a failed load.

Row numbers (`_row_number`, 1-based) are data-record numbers: for CSV the n-th record after the header (a quoted
field spanning lines still makes one record), for JSONL the physical line number, for Parquet the row's position
in the file. DuckDB's reject table reports a broken CSV record by that same record count (header = 1), so broken
and good records share one numbering.

The file itself is read through a symlink with a safe name: DuckDB treats `*`, `?` and `[` in a path as a glob, and
picks compression from the extension, so a hostile name never reaches it.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from warehouse.contract.schema import Feed
from warehouse.loading.quoting import ident, json_object_sql, literal
from warehouse.sql_files import query

STAGE = "_tw_stage"
MALFORMED = "_tw_malformed"
# A batch of files: every staged file's rows (and broken records) appended, tagged with the file's id in the batch.
BATCH_STAGE = "_tw_batch_stage"
BATCH_MALFORMED = "_tw_batch_malformed"
BATCH_TABLES = (BATCH_STAGE, BATCH_MALFORMED)
_READ = "_tw_read"
_REJECTS = "_tw_rejects"
_REJECT_SCANS = "_tw_reject_scans"
_GAPS = "_tw_reject_gaps"
_LINES = "_tw_lines"
_OBJECTS = "_tw_objects"
TEMP_TABLES = (MALFORMED, _READ, _REJECTS, _REJECT_SCANS, _GAPS, _LINES, _OBJECTS)
# The statements in sql/readers_*.sql spell these names (a temp table's name is no value a parameter can carry).

# How much of a text file is sniffed for binary content and a readable header before DuckDB reads it.
_SNIFF_BYTES = 1 << 20
# A JSONL line is read as one CSV field; no valid JSON text contains these raw control bytes.
_JSONL_DELIMITER = "\x01\x02"


class UnreadableFile(Exception):
    """The file as a whole cannot be read (bad compression, binary content, no usable header)."""


@dataclass
class Staged:
    """What reading one file found, besides the rows in the temp tables."""

    format: str
    # Contract columns present in the file (all of them for JSONL, whose keys vary per line).
    present_columns: tuple[str, ...]
    # Unknown extra column -> number of rows holding a value in it.
    extra_columns: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # The file's own column names (CSV header, Parquet schema); None for JSONL, whose keys vary per line.
    header: tuple[str, ...] | None = None


def staged_records(con) -> int:
    """Records of the file just staged, good and malformed (what `rows_read` counts)."""
    return con.execute(f"select (select count(*) from {STAGE}) + (select count(*) from {MALFORMED})").fetchone()[0]


def drop_temp_tables(con) -> None:
    # The stage is a view over the table read (no second copy of the text).
    con.execute(f"drop view if exists temp.{STAGE}")
    for table in TEMP_TABLES:
        con.execute(f"drop table if exists temp.{table}")


def create_batch_tables(con, feed: Feed) -> None:
    """The (empty) batch stage: `_file_id`, `_row_number`, every contract column as text, `_extra`."""
    drop_batch_tables(con)
    columns = ", ".join(f"{ident(c)} VARCHAR" for c in feed.column_names)
    con.execute(f"create temp table {BATCH_STAGE} (_file_id INTEGER, _row_number BIGINT, {columns}, _extra JSON)")
    con.execute(f"create temp table {BATCH_MALFORMED} (_file_id INTEGER, {_malformed_columns()})")


def drop_batch_tables(con, views: bool = False) -> None:
    kind = "view" if views else "table"
    for table in BATCH_TABLES:
        con.execute(f"drop {kind} if exists temp.{table}")


def alias_as_batch(con, feed: Feed, file_id: int) -> None:
    """A batch of one big file: the batch stage as views over the file's own stage, so its rows are not copied
    (the copy costs ~2 us a row, more than a big file saves by sharing a batch). The file's temp tables must then
    live until the batch is committed."""
    columns = ", ".join(ident(c) for c in feed.column_names)
    file_id = int(file_id)
    con.execute(
        f"""create temp view {BATCH_STAGE} as
        select {file_id}::INTEGER as _file_id, _row_number, {columns}, _extra from {STAGE}"""
    )
    con.execute(
        f"""create temp view {BATCH_MALFORMED} as
        select {file_id}::INTEGER as _file_id, _row_number, column_name, message, detail, record from {MALFORMED}"""
    )


def append_to_batch(con, feed: Feed, file_id: int) -> int:
    """Copy the file just staged (`_tw_stage`, `_tw_malformed`) into the batch under `file_id`; returns its records
    (good and malformed)."""
    columns = ", ".join(ident(c) for c in feed.column_names)
    rows = con.execute(
        f"insert into {BATCH_STAGE} select ?, _row_number, {columns}, _extra from {STAGE}", [file_id]
    ).fetchone()[0]
    malformed = con.execute(
        f"""insert into {BATCH_MALFORMED}
        select ?, _row_number, column_name, message, detail, record from {MALFORMED}""",
        [file_id],
    ).fetchone()[0]
    return int(rows) + int(malformed)


def stage(con, link: Path, fmt: str, feed: Feed) -> Staged:
    """Read the file at `link` (a safely named symlink) into `_tw_stage` and `_tw_malformed`."""
    drop_temp_tables(con)
    if fmt == "csv":
        staged = _stage_csv(con, link, feed)
    elif fmt == "jsonl":
        staged = _stage_jsonl(con, link, feed)
    elif fmt == "parquet":
        staged = _stage_parquet(con, link, feed)
    else:
        raise ValueError(f"no reader for format {fmt!r}")
    return staged


def _open_text_head(path: Path) -> bytes:
    """The first bytes of the file's content, decompressed when it is gzip."""
    try:
        if path.name.endswith(".gz"):
            with gzip.open(path, "rb") as handle:
                return handle.read(_SNIFF_BYTES)
        with path.open("rb") as handle:
            return handle.read(_SNIFF_BYTES)
    except (OSError, EOFError, zlib.error) as exc:
        raise UnreadableFile(f"cannot decompress: {exc}") from exc


def _sniff_text(path: Path) -> tuple[str, bool]:
    """The head of a text file as a string, up to the first byte that is not UTF-8, and whether it was cut there.

    NUL bytes make the file unreadable (binary content). A byte of another encoding does not: it spoils one record,
    which DuckDB rejects and the loader quarantines, the same at byte 10 as past the sniffed block."""
    head = _open_text_head(path)
    if b"\x00" in head:
        raise UnreadableFile("binary content (NUL bytes) in a text format")
    try:
        # final=False: a multi-byte character cut at the end of the sniffed block is not an error.
        text, cut = codecs.getincrementaldecoder("utf-8")().decode(head, final=False), False
    except UnicodeDecodeError as exc:
        text, cut = head[: exc.start].decode("utf-8"), True
    return text.removeprefix("\ufeff"), cut


def _csv_header(path: Path) -> list[str]:
    text, cut = _sniff_text(path)
    lines = io.StringIO(text)
    try:
        header = next(csv.reader(lines), None)
    except csv.Error as exc:
        raise UnreadableFile(f"unreadable CSV header: {exc}") from exc
    if cut and not text[: lines.tell()].endswith(("\n", "\r")):
        # The bad byte sits in the header itself: no column can be named, so no record can be read.
        raise UnreadableFile(f"the CSV header is not UTF-8 text (a byte of another encoding at byte {len(text)})")
    if not header:
        raise UnreadableFile("empty file: no CSV header row")
    return header


def _compression(path: Path) -> str:
    return "gzip" if path.name.endswith(".gz") else "none"


def _number_records(con, header_lines: int, header: list[str] | None = None) -> None:
    """Give `_tw_read` rows their record numbers, interleaving the records DuckDB rejected.

    `_tw_read.rowid + 1` is a good record's position among good records. With the rejected record numbers r_1 <
    r_2 < ... known, a good record at position k is preceded by every rejected record i with r_i - i < k, so its
    number is k plus that count: an ASOF join on g_i = r_i - i finds it without a loop.

    `header`: the file's column names by position, to name the column of a rejected record (DuckDB names the
    positional `cN`); None for JSONL, whose one column is the line.
    """
    con.execute(query(__package__, "readers_malformed"), {"header_lines": header_lines, "header": header or []})
    rejected = con.execute(f"select count(*) from {MALFORMED}").fetchone()[0]
    if rejected == 0:
        con.execute(f"create temp table {_GAPS} as select 0 as g, 0 as i where false")
        return
    con.execute(query(__package__, "readers_reject_gaps"))


def _numbered_read(con) -> str:
    """A FROM clause over `_tw_read` with the record number as `_row_number`."""
    has_gaps = con.execute(f"select count(*) from {_GAPS}").fetchone()[0] > 0
    if not has_gaps:
        return f"(select rowid + 1 as _row_number, * from {_READ})"
    return f"""(select r._k + coalesce(gp.i, 0) as _row_number, r.* exclude (_k)
        from (select rowid + 1 as _k, * from {_READ}) r
        asof left join {_GAPS} gp on r._k > gp.g)"""


def _extra_counts(con, columns: list[tuple[str, str]]) -> dict[str, int]:
    """Non-null values per extra column, for (name, SQL expression over the stage source) pairs."""
    if not columns:
        return {}
    counts = ", ".join(f"count({expr})" for _, expr in columns)
    row = con.execute(f"select {counts} from {_READ}").fetchone()
    return {name: int(count) for (name, _), count in zip(columns, row, strict=True)}


def _stage_csv(con, link: Path, feed: Feed) -> Staged:
    header = _csv_header(link)
    notes = []
    # Positional names c0..cN: the header's own names never reach SQL, so no name can clash or inject.
    names: dict[str, str] = {}
    for position, raw_name in enumerate(header):
        name = raw_name or f"column_{position + 1}"
        if name in names:
            notes.append(f"header repeats column {name!r} at position {position + 1}; kept as an extra column")
            name = f"{name}#{position + 1}"
        names[name] = f"c{position}"
    known = [c for c in feed.column_names if c in names]
    con.execute(
        query(__package__, "readers_read_csv"),
        {
            "path": str(link),
            "columns": {position: "VARCHAR" for position in names.values()},
            "compression": _compression(link),
        },
    )
    _number_records(con, header_lines=1, header=list(names))
    extras = [(name, ident(position)) for name, position in names.items() if name not in feed.column_names]
    selected = [
        f"{ident(names[c])} as {ident(c)}" if c in names else f"cast(null as VARCHAR) as {ident(c)}"
        for c in feed.column_names
    ]
    con.execute(
        f"""create temp view {STAGE} as
        select _row_number, {", ".join(selected)}, {json_object_sql(extras)} as _extra
        from {_numbered_read(con)}"""
    )
    return Staged("csv", tuple(known), _extra_counts(con, extras), notes, tuple(header))


def _json_pointer(key_sql: str) -> str:
    """SQL for the JSON pointer of a key (RFC 6901 escapes), so any key, even with quotes, is addressed."""
    return f"'/' || replace(replace({key_sql}, '~', '~0'), '/', '~1')"


def _stage_jsonl(con, link: Path, feed: Feed) -> Staged:
    _sniff_text(link)  # binary content only: a line that is not UTF-8 is rejected by DuckDB and quarantined
    con.execute(
        query(__package__, "readers_read_jsonl"),
        {"path": str(link), "delimiter": _JSONL_DELIMITER, "compression": _compression(link)},
    )
    _number_records(con, header_lines=0)
    con.execute(query(__package__, "readers_jsonl_lines", numbered_read=_numbered_read(con)))
    con.execute(query(__package__, "readers_jsonl_malformed"))
    contract = "[" + ", ".join(literal(c) for c in feed.column_names) + "]"
    selected = [f"json_extract_string(j, {literal('/' + c)}) as {ident(c)}" for c in feed.column_names]
    extra_keys = f"list_distinct(list_filter(json_keys(j), lambda k: not list_contains({contract}, k)))"
    extra = f"""case when len({extra_keys}) > 0 then to_json(map_from_entries(list_transform({extra_keys},
        lambda k: {{'key': k, 'value': json_extract(j, {_json_pointer("k")})}}))) end"""
    con.execute(
        f"""create temp table {_OBJECTS} as
        select _row_number, {", ".join(selected)}, {extra} as _extra
        from {_LINES} where json_type(j) = 'OBJECT'"""
    )
    con.execute(f"create temp view {STAGE} as select * from {_OBJECTS}")
    counts = con.execute(
        f"select k, count(*) from (select unnest(json_keys(_extra)) as k from {STAGE}) group by k order by k"
    ).fetchall()
    return Staged("jsonl", feed.column_names, {k: int(n) for k, n in counts})


def _parquet_text(expr: str, duckdb_type: str) -> str:
    """SQL turning a typed Parquet value into the text the contract expects."""
    upper = duckdb_type.upper()
    if upper == "VARCHAR":
        return expr
    if upper in ("DOUBLE", "FLOAT", "REAL"):
        # A float's own text may be `1e+20`; a fixed-point rendering keeps it a contract decimal.
        return f"coalesce(cast(try_cast({expr} as DECIMAL(38, 10)) as VARCHAR), cast({expr} as VARCHAR))"
    if upper.startswith(("STRUCT", "MAP")) or upper.endswith("]"):
        return f"cast(to_json({expr}) as VARCHAR)"
    # Integers, decimals, dates, booleans; TIMESTAMPTZ renders with its offset (the session is UTC), while a
    # naive TIMESTAMP renders without one and so fails the contract's timestamp type, as it should.
    return f"cast({expr} as VARCHAR)"


def _stage_parquet(con, link: Path, feed: Feed) -> Staged:
    try:
        schema = con.execute("describe select * from read_parquet(?)", [str(link)]).fetchall()
    except Exception as exc:
        raise UnreadableFile(f"not a readable Parquet file: {exc}") from exc
    names = {row[0]: (f"c{position}", row[1]) for position, row in enumerate(schema)}
    known = [c for c in feed.column_names if c in names]
    aliases = ", ".join(ident(position) for position, _ in names.values())
    # Positional aliases keep file column names out of SQL; insertion order keeps file order (rowid).
    con.execute(f"create temp table {_READ} as select * from read_parquet(?) as p({aliases})", [str(link)])
    con.execute(f"create temp table {MALFORMED} ({_malformed_columns()})")
    con.execute(f"create temp table {_GAPS} as select 0 as g, 0 as i where false")

    def text(name: str) -> str:
        position, duckdb_type = names[name]
        return _parquet_text(ident(position), duckdb_type)

    extras = [(name, text(name)) for name in names if name not in feed.column_names]
    selected = [
        f"{text(c)} as {ident(c)}" if c in names else f"cast(null as VARCHAR) as {ident(c)}" for c in feed.column_names
    ]
    con.execute(
        f"""create temp view {STAGE} as
        select _row_number, {", ".join(selected)}, {json_object_sql(extras)} as _extra
        from {_numbered_read(con)}"""
    )
    return Staged("parquet", tuple(known), _extra_counts(con, extras), header=tuple(names))


def _malformed_columns() -> str:
    return "_row_number BIGINT, column_name VARCHAR, message VARCHAR, detail VARCHAR, record VARCHAR"
