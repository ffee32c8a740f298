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
from warehouse.loading.quoting import ident, json_object_sql
from warehouse.loading.readers import BATCH_MALFORMED as MALFORMED
from warehouse.loading.validation import MALFORMED_RULE, TYPED, VERDICTS
from warehouse.sql_files import query

# One row per staged file of the batch: _file_id, file_sha256, delivery_date, path. The statements in
# sql/routing_*.sql spell this name and those of the batch's other temp tables (readers, validation).
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


def create_files_table(con, files: list[tuple[int, str, object, str]]) -> None:
    """`_tw_batch_files` from (file id, sha256, delivery date, path) tuples, in one statement."""
    con.execute(f"drop table if exists temp.{FILES}")
    file_ids, shas, dates, paths = (list(column) for column in zip(*files, strict=True))
    con.execute(
        query(__package__, "routing_files"), {"file_ids": file_ids, "shas": shas, "dates": dates, "paths": paths}
    )


def route(con, feed: Feed, present_columns: dict[int, tuple[str, ...]]) -> dict[int, RoutedCounts]:
    """Write the batch's rows; `present_columns` maps each staged file id to the contract columns its file has
    (the quarantine's `raw_values` hold those). Returns the counts per file id."""
    columns = ", ".join(ident(c) for c in feed.column_names)
    typed_columns = ", ".join(f"t.{ident(c)}" for c in feed.column_names)
    con.execute(query(__package__, "routing_raw", feed=feed.name, columns=columns, typed_columns=typed_columns))
    # raw_values lists the columns the file has: one statement per distinct set of columns (usually one).
    by_columns: dict[tuple[str, ...], list[int]] = {}
    for file_id, present in present_columns.items():
        by_columns.setdefault(present, []).append(file_id)
    reason = _reason("c._row_number", "c._errors")
    for present, file_ids in by_columns.items():
        raw_values = json_object_sql([(c, f"s.{ident(c)}") for c in present])
        raw_values = _bounded_json(f"json_merge_patch({raw_values}, coalesce(s._extra, '{{}}'))")
        statement = query(
            __package__, "routing_quarantine_rows", reason=reason, raw_values=raw_values, detail=_detail("c._errors")
        )
        con.execute(statement, {"feed_name": feed.name, "file_ids": file_ids})
    malformed_errors = f"[{{'column_name': m.column_name, 'rule': '{MALFORMED_RULE}', 'message': m.message}}]"
    reason = _reason("m._row_number", malformed_errors)
    detail = _cut("coalesce(m.detail, m.message)", str(DETAIL_CHARS))
    statement = query(
        __package__, "routing_quarantine_malformed", reason=reason, errors=malformed_errors, detail=detail
    )
    con.execute(statement, {"feed_name": feed.name, "malformed_rule": MALFORMED_RULE, "raw_chars": RAW_CHARS})
    if feed.warning_rules:
        con.execute(query(__package__, "routing_warnings"), {"feed_name": feed.name})
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
