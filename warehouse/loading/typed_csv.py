"""A big CSV file typed and checked straight from DuckDB's reader, with no text copy of its rows.

The general path (`readers`) first stores every value of a file as text and types it in a second pass; storing
200,000 rows of 29 text columns costs about as much CPU as typing and checking them. Here one statement reads the
file (in parallel), types every column and evaluates every check of a row on its own, and stores the typed rows
with their two flags (`_tw_error`, `_tw_warning`) in `_tw_read`. The text of a row is kept only when a flag is set
(it is what the violation messages and the quarantine's `raw_values` show); the few other rows the checks across
rows (`duplicate_key`, `header_consistency`) flag later get their text from a second, filtered read of the file
(`fill_text`), which parses without storing.

The typing and the checks are those of `validation` (the same SQL), and the records are numbered as in `readers`
(the table's insertion order is the file's order; rejected records are interleaved by the same gaps), so a file
loads exactly as on the general path; tests/test_loading.py checks the two give the same warehouse content.

Relations, for one file (a batch of its own), under the names the batch statements read:
`_tw_typed` (view: `_file_id`, `_row_number`, typed columns, `_extra`, flags), `_tw_batch_stage` (view: the text
of the rows that need it), `_tw_batch_malformed` (view: the broken records).
"""

from __future__ import annotations

from pathlib import Path

from warehouse.contract.schema import Feed
from warehouse.loading import readers, validation
from warehouse.loading.quoting import ident, json_object_sql

# Text of the rows flagged after the reading statement (checks of reference tables, checks across rows), read
# again from the file.
REREAD = "_tw_reread"
# Their positions in the file's good records (`_k`) and record numbers.
WANTED = "_tw_reread_wanted"
VIEWS = (validation.TYPED, readers.BATCH_STAGE, readers.BATCH_MALFORMED)


def _text_name(column: str) -> str:
    return ident("v__" + column)


def stage(con, link: Path, feed: Feed, file_id: int) -> readers.Staged:
    """Read, type and check the CSV file at `link` (a safely named symlink, kept until the commit: `fill_text`
    reads it again) as the batch `file_id`; raises `readers.UnreadableFile` as `readers.stage` does."""
    drop(con)
    readers.drop_temp_tables(con)
    layout = readers.csv_layout(link, feed)
    source, params = readers.read_csv_call(link, layout)
    extras = layout.extras(feed)
    # Extra columns are rare: their text is kept for every row (as `x__<position>`), to count their values.
    extra_texts = [(name, ident("x__" + layout.positions[name])) for name, _ in extras]
    names = [c.name for c in feed.columns]
    texts = ", ".join(f"{layout.text_of(c)} as {_text_name(c)}" for c in names)
    typed = ", ".join(f"{validation.typed_sql(c, layout.text_of(c.name))} as {ident(c.name)}" for c in feed.columns)
    kept_extras = "".join(f", {sql} as {alias}" for (_, sql), (_, alias) in zip(extras, extra_texts, strict=True))
    flagged = "_tw_error or _tw_warning"
    # The checks that read a reference table are left out of the reading statement: a join there would lose the
    # file's order (the rowid is the record's position). They flag their rows just after, by an update.
    kept_texts = ", ".join(f"case when {flagged} then {_text_name(c)} end as {_text_name(c)}" for c in names)
    kept_texts += "".join(f", {alias}" for _, alias in extra_texts)
    typed_names = ", ".join(ident(c) for c in names)
    con.execute(
        f"""create temp table {readers.READ} as
        select {typed_names}, _extra, _tw_error, _tw_warning, {flagged} as _tw_text, {kept_texts}
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
    text_columns = ", ".join(f"{ident(c)} VARCHAR" for c in names)
    con.execute(f"create temp table {REREAD} (_row_number BIGINT, {text_columns}, _extra JSON)")
    as_stage = ", ".join(f"{_text_name(c)} as {ident(c)}" for c in names)
    con.execute(
        f"""create temp view {readers.BATCH_STAGE} as
        select {file_id}::INTEGER as _file_id, _row_number, {as_stage}, _extra from {numbered} where _tw_text
        union all
        select {file_id}::INTEGER as _file_id, * from {REREAD}"""
    )
    con.execute(
        f"""create temp view {readers.BATCH_MALFORMED} as
        select {file_id}::INTEGER as _file_id, _row_number, column_name, message, record
        from {readers.MALFORMED}"""
    )
    staged = readers.Staged("csv", layout.known, readers.extra_counts(con, extra_texts), layout.notes)
    staged.fill_text = lambda con, rows: fill_text(con, link, feed, rows)
    return staged


def fill_text(con, link: Path, feed: Feed, rows: str) -> None:
    """Put in `_tw_reread` the text of the rows of `rows` (a query of `_file_id, _row_number`) whose text was not
    kept, read again from the file: a streaming `row_number() over ()` gives each good record its position in
    file order (what the rowid of `_tw_read` is); only the wanted positions are joined, so no other text is
    stored."""
    con.execute(f"drop table if exists temp.{WANTED}")
    con.execute(
        f"""create temp table {WANTED} as
        select _k, _row_number from (
            select r._k, r._k + coalesce(gp.i, 0) as _row_number
            from (select rowid + 1 as _k from {readers.READ} where not _tw_text) r
            asof left join {readers.GAPS} gp on r._k > gp.g
        ) where _row_number in (select _row_number from {rows})"""
    )
    if con.execute(f"select count(*) from {WANTED}").fetchone()[0] == 0:
        return
    layout = readers.csv_layout(link, feed)
    source, params = readers.read_csv_call(link, layout, rejects=False)
    texts = ", ".join(f"{layout.text_of(c)} as {ident(c)}" for c in feed.column_names)
    columns = ", ".join(f"r.{ident(c)}" for c in feed.column_names)
    con.execute(
        f"""insert into {REREAD}
        select w._row_number, {columns}, r._extra
        from (
            select row_number() over () as _k, {texts}, {json_object_sql(layout.extras(feed))} as _extra
            from {source}
        ) r join {WANTED} w using (_k)""",
        params,
    )


def drop(con) -> None:
    """Drop this path's views and table (before the temp tables of the same names are made or dropped)."""
    existing = {name for (name,) in con.execute("select view_name from duckdb_views() where temporary").fetchall()}
    for view in VIEWS:
        if view in existing:
            con.execute(f"drop view {view}")
    for table in (REREAD, WANTED):
        con.execute(f"drop table if exists temp.{table}")
