"""Typing and validation of staged text rows, as SQL generated from the contract.

Two statements do all the work for a file, vectorised in DuckDB:

1. `_tw_typed`: every column typed from its text, and the list of column-check violations of the row
   (`required`, `type`, `code_list`, `format`, `range`, `unknown_reference`, in contract column order).
2. `_tw_checked`: the typed row plus `_errors` (column checks, then every error `Rule` of the feed evaluated on the
   typed row, then the checks across rows: `duplicate_key` and `header_consistency`) and `_warnings` (the warning
   rules). A row with no errors loads; a row with any error is quarantined with all of them.

A value that fails its type becomes NULL in the typed row, so the rules that read it are not TRUE and the row is
reported for the type error rather than for a rule it may not really break.
"""

from __future__ import annotations

from warehouse.contract.feeds import CSV_FALSE, CSV_TRUE
from warehouse.contract.schema import Column, Feed, Rule
from warehouse.loading.quoting import ident, literal
from warehouse.loading.readers import STAGE

TYPED = "_tw_typed"
CHECKED = "_tw_checked"
TEMP_TABLES = (TYPED, CHECKED)

# The accepted text forms per contract type (RE2, matched against the whole value). Casting alone would be too
# lenient: DuckDB reads ' 5' as an integer, '1e5' as a decimal and a timestamp without offset as UTC.
TEXT_PATTERNS = {
    "integer": r"[+-]?[0-9]+",
    "decimal": r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)",
    "date": r"[0-9]{4}-[0-9]{2}-[0-9]{2}",
    "timestamp": (
        r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?"
        r"(Z|z|[+-][0-9]{2}(:?[0-9]{2})?)"
    ),
}
TYPE_NAMES = {
    "integer": "an integer",
    "decimal": "a decimal number with '.' and no thousands separators",
    "date": "an ISO date YYYY-MM-DD",
    "timestamp": "an ISO 8601 timestamp with an offset or Z",
    "boolean": "a boolean (true/false, 1/0)",
}
# reference kind -> (table, key column) in the reference schema
REFERENCES = {"port": ("reference.ports", "port_code"), "country": ("reference.countries", "iso2")}

# Rule names of the checks that are not contract `Rule`s.
COLUMN_RULES = ("required", "type", "code_list", "format", "range", "unknown_reference")
ROW_SET_RULES = ("duplicate_key", "header_consistency")
MALFORMED_RULE = "malformed_record"


def _violation(column: str | None, rule: str, message_sql: str) -> str:
    column_sql = literal(column) if column else "cast(null as VARCHAR)"
    return f"{{'column_name': {column_sql}, 'rule': {literal(rule)}, 'message': {message_sql}}}"


def _shown(text_sql: str) -> str:
    """The offending value in a message, quoted and cut to a readable length."""
    return f"'''' || left({text_sql}, 80) || ''''"


def _sql_list(values) -> str:
    return ", ".join(literal(v) for v in values)


def typed_sql(column: Column, text: str) -> str:
    """SQL typing one text value; NULL when the text is not a valid value of the column's type."""
    if column.type == "string":
        return text
    if column.type == "boolean":
        true, false = _sql_list(CSV_TRUE), _sql_list(CSV_FALSE)
        return f"case when {text} in ({true}) then true when {text} in ({false}) then false end"
    pattern = literal(TEXT_PATTERNS[column.type])
    return f"case when regexp_full_match({text}, {pattern}) then try_cast({text} as {column.sql_type}) end"


def _when(condition: str, column: str, rule: str, message_sql: str) -> str:
    return f"case when {condition} then {_violation(column, rule, message_sql)} end"


def column_checks(column: Column, text: str, typed: str) -> list[str]:
    """SQL expressions, one per check of the column, each a violation struct or NULL.

    `text` is the value as delivered, `typed` the value typed (NULL when it failed its type); the checks after
    `type` read the typed value, so a value that is not even of the right type is reported once, for its type.
    """
    name = column.name
    checks = []
    if column.required:
        checks.append(_when(f"{text} is null", name, "required", "'is required but empty or missing'"))
    if column.type != "string":
        message = f"{literal(f'is not {TYPE_NAMES[column.type]}: ')} || {_shown(text)}"
        checks.append(_when(f"{text} is not null and {typed} is null", name, "type", message))
    if column.codes:
        message = f"{_shown(typed)} || {literal(' is not in the code list (' + ', '.join(column.codes) + ')')}"
        checks.append(_when(f"{typed} not in ({_sql_list(column.codes)})", name, "code_list", message))
    if column.pattern:
        message = f"{_shown(typed)} || {literal(' does not match ' + column.pattern)}"
        checks.append(_when(f"not regexp_full_match({typed}, {literal(column.pattern)})", name, "format", message))
    if column.minimum is not None:
        message = f"{_shown(text)} || {literal(f' is below the minimum {column.minimum!r}')}"
        checks.append(_when(f"{typed} < {column.minimum!r}", name, "range", message))
    if column.maximum is not None:
        message = f"{_shown(text)} || {literal(f' is above the maximum {column.maximum!r}')}"
        checks.append(_when(f"{typed} > {column.maximum!r}", name, "range", message))
    if column.reference:
        table, key = REFERENCES[column.reference]
        message = f"{_shown(typed)} || {literal(f' is not a known {column.reference} ({table})')}"
        checks.append(_when(f"{typed} not in (select {key} from {table})", name, "unknown_reference", message))
    return checks


def rule_check(rule: Rule) -> str:
    return f"case when ({rule.violation_sql}) then {_violation(rule.column, rule.name, literal(rule.description))} end"


def _filtered(items: list[str]) -> str:
    """A SQL list of the non-NULL items (an empty typed list when there are no items)."""
    if not items:
        return "[]"
    return "list_filter([" + ",\n            ".join(items) + "], lambda x: x is not null)"


def identity_columns(feed: Feed) -> tuple[str, ...]:
    """What must be unique within one file: the key, plus the version when the feed is versioned.

    Two versions of one key in a file are history, delivered together; the same version twice is ambiguous.
    """
    if feed.version_column and feed.version_column not in feed.key:
        return (*feed.key, feed.version_column)
    return feed.key


def build_typed(con, feed: Feed) -> None:
    """`_tw_typed` from `_tw_stage`: typed columns and the column-check violations of each row."""
    inner = [f"s.{ident(c.name)} as {ident('v__' + c.name)}" for c in feed.columns]
    inner += [f"{typed_sql(c, 's.' + ident(c.name))} as {ident('t__' + c.name)}" for c in feed.columns]
    outer = [f"{ident('t__' + c.name)} as {ident(c.name)}" for c in feed.columns]
    checks = [check for c in feed.columns for check in column_checks(c, ident("v__" + c.name), ident("t__" + c.name))]
    con.execute(f"drop table if exists temp.{TYPED}")
    con.execute(
        f"""create temp table {TYPED} as
        select _row_number, _extra, {", ".join(outer)},
            {_filtered(checks)} as _col_errors
        from (select s._row_number, s._extra, {", ".join(inner)} from {STAGE} s)"""
    )


def _header_groups_sql(feed: Feed) -> str:
    """The group keys of the file whose header columns disagree, with the names of the disagreeing columns."""
    keys = ", ".join(ident(k) for k in feed.group_key)
    aliases = ", ".join(f"{ident(k)} as {ident('g__' + k)}" for k in feed.group_key)
    not_null = " and ".join(f"{ident(k)} is not null" for k in feed.group_key)
    disagree = {
        c: f"(min({ident(c)}) is distinct from max({ident(c)}) or count({ident(c)}) not in (0, count(*)))"
        for c in feed.group_columns
    }
    names = "list_filter([" + ", ".join(f"case when {d} then {literal(c)} end" for c, d in disagree.items())
    return f"""(select {aliases}, {names}], lambda x: x is not null) as h__columns
        from {TYPED} where {not_null}
        group by {keys}
        having {" or ".join(disagree.values())})"""


def build_checked(con, feed: Feed) -> None:
    """`_tw_checked` from `_tw_typed`: every error (`_errors`) and warning (`_warnings`) of each row."""
    identity = identity_columns(feed)
    partition = ", ".join(ident(k) for k in identity)
    identity_present = " and ".join(f"{ident(k)} is not null" for k in identity)
    errors = [rule_check(r) for r in feed.error_rules]
    repeated = literal(f"repeats the key ({', '.join(identity)}) of an earlier row of the file")
    errors.append(_when("t.d__rank > 1", identity[0], "duplicate_key", repeated))
    rank = f"row_number() over (partition by {partition} order by _row_number)"
    source = f"(select *, case when {identity_present} then {rank} end as d__rank from {TYPED}) t"
    if feed.group_key:
        errors.append(
            "case when h.h__columns is not null then {'column_name': h.h__columns[1], "
            "'rule': 'header_consistency', 'message': 'header columns ' || array_to_string(h.h__columns, ', ') || "
            + literal(f" disagree across the rows of this ({', '.join(feed.group_key)})")
            + "} end"
        )
        on = " and ".join(f"t.{ident(k)} = h.{ident('g__' + k)}" for k in feed.group_key)
        source += f"\n        left join {_header_groups_sql(feed)} h on {on}"
    warnings = [rule_check(r) for r in feed.warning_rules]
    columns = ", ".join(f"t.{ident(c)}" for c in feed.column_names)
    con.execute(f"drop table if exists temp.{CHECKED}")
    con.execute(
        f"""create temp table {CHECKED} as
        select t._row_number, t._extra, {columns},
            list_concat(t._col_errors, {_filtered(errors)}) as _errors,
            {_filtered(warnings)} as _warnings
        from {source}"""
    )
