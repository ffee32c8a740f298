"""Routing checked rows to their one place: `raw.<feed>`, or `ops.quarantine` with every reason.

Runs inside the file's transaction. A row with no error goes to the raw table with its lineage (and its warnings to
`ops.row_warnings`); a row with errors, and every malformed record, goes to quarantine with the raw values as text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from warehouse.contract.schema import Feed
from warehouse.loading.quoting import ident, json_object_sql
from warehouse.loading.readers import MALFORMED, STAGE
from warehouse.loading.validation import MALFORMED_RULE, TYPED, VERDICTS


@dataclass
class RoutedCounts:
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    rows_warned: int


# The first violation names the quarantined row; the rest are counted in the reason and listed in `violations`.
_REASON = """format('{} row {}: column {} breaks rule {}: {}', ?, ROW, coalesce(ERRORS[1].column_name, '-'),
    ERRORS[1].rule, ERRORS[1].message)
    || case when len(ERRORS) > 1 then format(' (and {} more violation(s))', len(ERRORS) - 1) else '' end"""


def _reason(row: str, errors: str) -> str:
    return _REASON.replace("ROW", row).replace("ERRORS", errors)


def route(
    con, feed: Feed, sha256: str, delivery_date: date, path: str, present_columns: tuple[str, ...]
) -> RoutedCounts:
    columns = ", ".join(ident(c) for c in feed.column_names)
    lineage = [sha256, delivery_date]
    con.execute(
        f"""insert into raw.{feed.name} ({columns}, _file_sha256, _delivery_date, _row_number, _loaded_at, _extra)
        select {columns}, ?, ?, t._row_number, now(), t._extra
        from {TYPED} t anti join (select _row_number from {VERDICTS} where _errors is not null) v
            on v._row_number = t._row_number""",
        lineage,
    )
    raw_values = json_object_sql([(c, f"s.{ident(c)}") for c in present_columns])
    reason = _reason("c._row_number", "c._errors")
    con.execute(
        f"""insert into ops.quarantine
        select ?, ?, ?, ?, c._row_number, c._errors[1].column_name, c._errors[1].rule, {reason}, c._errors,
            json_merge_patch({raw_values}, coalesce(s._extra, '{{}}')), now()
        from {VERDICTS} c join {STAGE} s using (_row_number)
        where c._errors is not null""",
        [sha256, feed.name, delivery_date, path, path],
    )
    malformed_errors = f"[{{'column_name': m.column_name, 'rule': '{MALFORMED_RULE}', 'message': m.message}}]"
    reason = _reason("m._row_number", malformed_errors)
    con.execute(
        f"""insert into ops.quarantine
        select ?, ?, ?, ?, m._row_number, m.column_name, '{MALFORMED_RULE}', {reason}, {malformed_errors},
            json_object('record', m.record), now()
        from {MALFORMED} m""",
        [sha256, feed.name, delivery_date, path, path],
    )
    if feed.warning_rules:
        con.execute(
            f"""insert into ops.row_warnings
            select ?, ?, ?, _row_number, w.column_name, w.rule, w.message, now()
            from (select _row_number, unnest(_warnings) as w from {VERDICTS}
                  where _errors is null and _warnings is not null)""",
            [sha256, feed.name, delivery_date],
        )
    staged = con.execute(f"select count(*) from {TYPED}").fetchone()[0]
    rejected, warned = con.execute(
        f"""select count(*) filter (where _errors is not null),
            count(*) filter (where _errors is null and _warnings is not null)
        from {VERDICTS}"""
    ).fetchone()
    loaded = staged - rejected
    malformed = con.execute(f"select count(*) from {MALFORMED}").fetchone()[0]
    return RoutedCounts(
        rows_read=loaded + rejected + malformed,
        rows_loaded=loaded,
        rows_quarantined=rejected + malformed,
        rows_warned=warned,
    )
