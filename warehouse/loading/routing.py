"""Routing checked rows to their one place: `raw.<feed>`, or `ops.quarantine` with every reason.

Runs inside the batch's transaction, once for all the files of the batch (`_tw_batch_files` says which file each
`_file_id` is). A row with no error goes to the raw table with its lineage (and its warnings to `ops.row_warnings`);
a row with errors, and every malformed record, goes to quarantine with the raw values as text. The counts per file
come from one GROUP BY each.

Everything written to a quarantine row is bounded, whatever the row holds (a line of 10,000 fields, a 1 MB value):
`reason` is one short sentence (`REASON_CHARS`), `detail` every violation or what the CSV reader said (`DETAIL_CHARS`)
and `raw_values` the values as delivered (`RAW_CHARS`); what is cut says so and how long it was.
"""

from __future__ import annotations

from dataclasses import dataclass

from warehouse.contract.schema import Feed
from warehouse.loading.quoting import ident, json_object_sql, literal
from warehouse.loading.readers import BATCH_MALFORMED as MALFORMED
from warehouse.loading.readers import BATCH_STAGE as STAGE
from warehouse.loading.validation import MALFORMED_RULE, TYPED, VERDICTS

# One row per staged file of the batch: _file_id, file_sha256, delivery_date, path.
FILES = "_tw_batch_files"


@dataclass
class RoutedCounts:
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_warned: int = 0


REASON_CHARS = 200
DETAIL_CHARS = 4096
RAW_CHARS = 16384


def _cut(text: str, limit: str) -> str:
    """SQL: `text` when it fits `limit` characters, else its start and a marker with its full length."""
    marker = "format('… [cut: {} characters in all]', length(TEXT))"
    head = f"left(TEXT, greatest({limit} - length({marker}), 0)) || {marker}"
    return f"(case when length(TEXT) <= {limit} then TEXT else {head} end)".replace("TEXT", f"({text})")


# The first violation names the quarantined row (the file is in `file_path`); the rest are counted in the reason,
# spelled out in `detail` and listed in `violations`.
_REASON = (
    """ROW_HEAD || case when len(ERRORS) > 1 then format(' (and {} more violation(s))', len(ERRORS) - 1) else '' end"""
)
_HEAD = """format('row {}: column {} breaks rule {}: {}', ROW, coalesce(ERRORS[1].column_name, '-'), ERRORS[1].rule,
    ERRORS[1].message)"""


def _reason(row: str, errors: str) -> str:
    """SQL of the one-sentence reason, at most REASON_CHARS long (the count of further violations always shows)."""
    head = _HEAD.replace("ROW", row).replace("ERRORS", errors)
    room = f"{REASON_CHARS} - 30"  # the suffix ' (and N more violation(s))' is under 30 characters
    bounded = f"(case when length({head}) <= {room} then {head} else left({head}, {room} - 1) || '…' end)"
    return _REASON.replace("ROW_HEAD", bounded).replace("ERRORS", errors)


def _detail(errors: str) -> str:
    """SQL: every violation of the row, `column rule: message; ...`, bounded."""
    listed = f"""array_to_string(list_transform({errors},
        lambda v: coalesce(v.column_name, '-') || ' ' || v.rule || ': ' || v.message), '; ')"""
    return _cut(listed, str(DETAIL_CHARS))


def _bounded_json(value: str) -> str:
    """SQL: the JSON object when its text fits RAW_CHARS, else an object saying so with the start of its text."""
    text = f"cast({value} as VARCHAR)"
    note = f"the raw values were {{}} characters of JSON; the first {RAW_CHARS} are in _text"
    cut = f"json_object('_cut', format('{note}', length({text})), '_text', left({text}, {RAW_CHARS}))"
    return f"(case when length({text}) <= {RAW_CHARS} then {value} else {cut} end)"


_QUARANTINE_COLUMNS = """file_sha256, feed, delivery_date, file_path, row_number, column_name, rule, reason, violations,
    raw_values, quarantined_at, detail"""


def create_files_table(con, files: list[tuple[int, str, object, str]]) -> None:
    """`_tw_batch_files` from (file id, sha256, delivery date, path) tuples, in one statement."""
    con.execute(f"drop table if exists temp.{FILES}")
    con.execute(
        f"""create temp table {FILES} as
        select unnest(?)::INTEGER as _file_id, unnest(?)::VARCHAR as file_sha256, unnest(?)::DATE as delivery_date,
            unnest(?)::VARCHAR as path""",
        [list(column) for column in zip(*files, strict=True)],
    )


def route(con, feed: Feed, present_columns: dict[int, tuple[str, ...]]) -> dict[int, RoutedCounts]:
    """Write the batch's rows; `present_columns` maps each staged file id to the contract columns its file has
    (the quarantine's `raw_values` hold those). Returns the counts per file id."""
    columns = ", ".join(ident(c) for c in feed.column_names)
    typed_columns = ", ".join(f"t.{ident(c)}" for c in feed.column_names)
    con.execute(
        f"""insert into raw.{feed.name} ({columns}, _file_sha256, _delivery_date, _row_number, _loaded_at, _extra)
        select {typed_columns}, f.file_sha256, f.delivery_date, t._row_number, now(), t._extra
        from {TYPED} t join {FILES} f using (_file_id)
        anti join (select _file_id, _row_number from {VERDICTS} where _errors is not null) v
            on v._file_id = t._file_id and v._row_number = t._row_number"""
    )
    # raw_values lists the columns the file has: one statement per distinct set of columns (usually one).
    by_columns: dict[tuple[str, ...], list[int]] = {}
    for file_id, present in present_columns.items():
        by_columns.setdefault(present, []).append(file_id)
    reason = _reason("c._row_number", "c._errors")
    for present, file_ids in by_columns.items():
        raw_values = json_object_sql([(c, f"s.{ident(c)}") for c in present])
        con.execute(
            f"""insert into ops.quarantine ({_QUARANTINE_COLUMNS})
            select f.file_sha256, {literal(feed.name)}, f.delivery_date, f.path, c._row_number,
                c._errors[1].column_name, c._errors[1].rule, {reason}, c._errors,
                {_bounded_json(f"json_merge_patch({raw_values}, coalesce(s._extra, '{{}}'))")}, now(),
                {_detail("c._errors")}
            from {VERDICTS} c join {STAGE} s using (_file_id, _row_number) join {FILES} f using (_file_id)
            where c._errors is not null and c._file_id in (select unnest(?))""",
            [file_ids],
        )
    malformed_errors = f"[{{'column_name': m.column_name, 'rule': '{MALFORMED_RULE}', 'message': m.message}}]"
    reason = _reason("m._row_number", malformed_errors)
    record = f"""case when length(m.record) <= {RAW_CHARS} then json_object('record', m.record)
        else json_object('record', left(m.record, {RAW_CHARS}) || '…', 'record_characters', length(m.record)) end"""
    detail = _cut("coalesce(m.detail, m.message)", str(DETAIL_CHARS))
    con.execute(
        f"""insert into ops.quarantine ({_QUARANTINE_COLUMNS})
        select f.file_sha256, {literal(feed.name)}, f.delivery_date, f.path, m._row_number, m.column_name,
            '{MALFORMED_RULE}', {reason}, {malformed_errors}, {record}, now(), {detail}
        from {MALFORMED} m join {FILES} f using (_file_id)"""
    )
    if feed.warning_rules:
        con.execute(
            f"""insert into ops.row_warnings
            select f.file_sha256, {literal(feed.name)}, f.delivery_date, v._row_number, v.w.column_name, v.w.rule,
                v.w.message, now()
            from (select _file_id, _row_number, unnest(_warnings) as w from {VERDICTS}
                  where _errors is null and _warnings is not null) v join {FILES} f using (_file_id)"""
        )
    counts = {file_id: RoutedCounts() for file_id in present_columns}
    for file_id, staged in con.execute(f"select _file_id, count(*) from {TYPED} group by _file_id").fetchall():
        counts[file_id].rows_loaded = staged
    for file_id, rejected, warned in con.execute(
        f"""select _file_id, count(*) filter (where _errors is not null),
            count(*) filter (where _errors is null and _warnings is not null)
        from {VERDICTS} group by _file_id"""
    ).fetchall():
        counts[file_id].rows_loaded -= rejected
        counts[file_id].rows_quarantined += rejected
        counts[file_id].rows_warned = warned
    for file_id, malformed in con.execute(f"select _file_id, count(*) from {MALFORMED} group by _file_id").fetchall():
        counts[file_id].rows_quarantined += malformed
    for routed in counts.values():
        routed.rows_read = routed.rows_loaded + routed.rows_quarantined
    return counts
