"""A big CSV file typed and checked straight from DuckDB's reader, without a text copy of every value.

The general path (`readers`) first stores every value of a file as text, then types it in a second pass. Here one
statement reads the file (in parallel), types every column and evaluates every check of a row on its own, and
stores the typed rows with their two flags (`_tw_error`, `_tw_warning`) in `_tw_read`. Text is stored only where
the typed value cannot give it back: a `string` column's typed value IS its text, so only the columns of other
types (numbers, dates, timestamps, booleans: `+5`, `1.5`, `+02:00` must be shown as delivered) keep their text,
which the violation messages and the quarantine's `raw_values` read.

The checks that read a reference table (`unknown_reference`, rules with a subquery) are left out of that
statement and set the flags by an update just after: a join inside it would not keep the file's order, and the
table's insertion order (its rowid) is what numbers the records. The typing and the checks are those of
`validation` (the same SQL) and the records are numbered as in `readers` (rejected records interleaved by the
same gaps), so a file loads exactly as on the general path; tests/test_loading.py checks the two agree.

Relations, for one file (a batch of its own), under the names the batch statements read: `_tw_typed` (view:
`_file_id`, `_row_number`, typed columns, `_extra`, flags), `_tw_batch_stage` (view: every row as text),
`_tw_batch_malformed` (view: the broken records).
"""

from __future__ import annotations

from pathlib import Path

from warehouse.contract.schema import Feed
from warehouse.loading import readers, validation
from warehouse.loading.quoting import ident, json_object_sql

VIEWS = (validation.TYPED, readers.BATCH_STAGE, readers.BATCH_MALFORMED)


def _text_name(column: str) -> str:
    return ident("v__" + column)


def stage(con, link: Path, feed: Feed, file_id: int) -> readers.Staged:
    """Read, type and check the CSV file at `link` (a safely named symlink) as the batch `file_id`; raises
    `readers.UnreadableFile` as `readers.stage` does."""
    drop(con)
    readers.drop_temp_tables(con)
    layout = readers.csv_layout(link, feed)
    source, params = readers.read_csv_call(link, layout)
    extras = layout.extras(feed)
    # Extra columns are rare: their text is kept (as `x__<position>`) for `_extra` and to count their values.
    extra_texts = [(name, ident("x__" + layout.positions[name])) for name, _ in extras]
    kept_extras = "".join(f", {sql} as {alias}" for (_, sql), (_, alias) in zip(extras, extra_texts, strict=True))
    texts = ", ".join(f"{layout.text_of(c.name)} as {_text_name(c.name)}" for c in feed.columns)
    typed = ", ".join(f"{validation.typed_sql(c, layout.text_of(c.name))} as {ident(c.name)}" for c in feed.columns)
    typed_names = ", ".join(ident(c.name) for c in feed.columns)
    kept_texts = "".join(f", {_text_name(c.name)}" for c in feed.columns if c.type != "string")
    kept_texts += "".join(f", {alias}" for _, alias in extra_texts)
    con.execute(
        f"""create temp table {readers.READ} as
        select {typed_names}, _extra, _tw_error, _tw_warning{kept_texts}
        from (
            select *, {validation.flag_columns_sql(feed, without_tables=True)}
            from (select {texts}, {typed}, {json_object_sql(extras)} as _extra{kept_extras} from {source})
        )""",
        params,
    )
    table_errors, table_warnings = validation.table_flags_sql(feed)
    con.execute(f"update {readers.READ} set _tw_error = true where not _tw_error and ({table_errors})")
    con.execute(f"update {readers.READ} set _tw_warning = true where not _tw_warning and ({table_warnings})")
    readers.number_records(con, header_lines=1)
    numbered = readers.numbered_read(con)
    file_id = int(file_id)
    con.execute(
        f"""create temp view {validation.TYPED} as
        select {file_id}::INTEGER as _file_id, _row_number, {typed_names}, _extra, _tw_error, _tw_warning
        from {numbered}"""
    )
    as_text = ", ".join(
        f"{ident(c.name) if c.type == 'string' else _text_name(c.name)} as {ident(c.name)}" for c in feed.columns
    )
    con.execute(
        f"""create temp view {readers.BATCH_STAGE} as
        select {file_id}::INTEGER as _file_id, _row_number, {as_text}, _extra from {numbered}"""
    )
    con.execute(
        f"""create temp view {readers.BATCH_MALFORMED} as
        select {file_id}::INTEGER as _file_id, _row_number, column_name, message, record
        from {readers.MALFORMED}"""
    )
    return readers.Staged("csv", layout.known, readers.extra_counts(con, extra_texts), layout.notes)


def drop(con) -> None:
    """Drop this path's views (before the temp tables of the same names are made or dropped)."""
    existing = {name for (name,) in con.execute("select view_name from duckdb_views() where temporary").fetchall()}
    for view in VIEWS:
        if view in existing:
            con.execute(f"drop view {view}")
