"""Typing and validation of staged text rows, as SQL generated from the contract.

The rows are those of a batch of files (`_tw_batch_stage`), identified by (`_file_id`, `_row_number`); every
statement runs once per batch, and the checks across rows are partitioned by `_file_id` (keys are unique within a
file, not across files).

One pass over the text rows, vectorised in DuckDB, types every column and evaluates every column check and rule
into `_tw_typed` (the typed rows, which the raw table copies, with two flags `_tw_error` / `_tw_warning`). The
checks across rows read `_tw_typed`. `_tw_verdicts` then holds, for each flagged row only, `_errors` (NULL when the
row may load; otherwise the list of every violation: column checks `required`, `type`, `code_list`, `format`,
`range`, `unknown_reference` in contract column order, then every error `Rule` of the feed evaluated on the typed
row, then the checks across rows, `duplicate_key` and `header_consistency`) and `_warnings` (the warning rules).

A check is a (condition, violation) pair. The violation lists are only built for rows where some condition is
TRUE: building a list of structs per row costs far more than testing a few dozen booleans, and most rows are good.

A value that fails its type becomes NULL in the typed row, so the rules that read it are not TRUE and the row is
reported for the type error rather than for a rule it may not really break.
"""

from __future__ import annotations

from dataclasses import dataclass

from warehouse.contract.feeds import CSV_FALSE, CSV_TRUE
from warehouse.contract.schema import Column, Feed, Rule
from warehouse.loading.quoting import ident, literal
from warehouse.sql_files import query

TYPED = "_tw_typed"
VERDICTS = "_tw_verdicts"
DUPLICATES = "_tw_duplicates"
HEADERS = "_tw_headers"
TEMP_TABLES = (TYPED, VERDICTS, DUPLICATES, HEADERS)
# The statements in sql/validation_*.sql spell these names, and the batch stage's (readers.BATCH_STAGE).

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


@dataclass(frozen=True)
class Check:
    condition: str  # SQL, TRUE when the row breaks the check
    violation: str  # SQL struct (column_name, rule, message)


def _violation(column: str | None, rule: str, message_sql: str) -> str:
    column_sql = literal(column) if column else "cast(null as VARCHAR)"
    return f"{{'column_name': {column_sql}, 'rule': {literal(rule)}, 'message': {message_sql}}}"


def _shown(text_sql: str) -> str:
    """The offending value in a message, quoted and cut to a readable length. Quotes inside it are doubled, as in
    SQL, so the value's end is unambiguous (the analyst copy redacts quoted values: warehouse/access/masking.py)."""
    return f"'''' || replace(left({text_sql}, 80), '''', '''''') || ''''"


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


def _when(condition: str, column: str, rule: str, message_sql: str) -> Check:
    return Check(condition, _violation(column, rule, message_sql))


def column_checks(column: Column, text: str, typed: str) -> list[Check]:
    """The checks of one column, in the order they are reported.

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


def rule_check(rule: Rule) -> Check:
    return _when(f"({rule.violation_sql})", rule.column, rule.name, literal(rule.description))


def _flags(checks: list[Check], prefix: str) -> list[str]:
    """Each check's condition as a boolean column, so that it is evaluated once (a subquery in a condition is a
    join over all rows: written twice, it would run twice). The condition sits in a CASE because DuckDB only
    short-circuits AND inside a condition: projected bare, `regexp_full_match(x, ...) and cast(...)` would cast
    values the pattern had ruled out, and fail."""
    return [f"case when ({c.condition}) then true else false end as {prefix}{i}" for i, c in enumerate(checks)]


def _violations(checks: list[Check], prefix: str) -> str:
    """NULL when no check is TRUE, else the list of the violations of the TRUE checks (flags from `_flags`)."""
    if not checks:
        return "cast(null as STRUCT(column_name VARCHAR, rule VARCHAR, message VARCHAR)[])"
    items = ",\n                ".join(f"case when {prefix}{i} then {c.violation} end" for i, c in enumerate(checks))
    anything = " or ".join(f"{prefix}{i}" for i in range(len(checks)))
    return f"""case when {anything}
            then list_filter([{items}], lambda x: x is not null) end"""


def identity_columns(feed: Feed) -> tuple[str, ...]:
    """What must be unique within one file: the key, plus the version when the feed is versioned.

    Two versions of one key in a file are history, delivered together; the same version twice is ambiguous.
    """
    if feed.version_column and feed.version_column not in feed.key:
        return (*feed.key, feed.version_column)
    return feed.key


def _build_row_sets(con, feed: Feed) -> list[Check]:
    """The checks across rows, on the typed values of `_tw_typed`; returns the checks that read them.

    `_tw_duplicates` lists the rows that repeat an earlier row's identity, `_tw_headers` the rows of a group whose
    header columns disagree (with the disagreeing columns). Both are usually empty, so joining them to the
    candidate rows is nearly free. The window numbering the occurrences of an identity only runs over the rows of
    identities that occur more than once (a hash aggregate finds them; usually there are none), instead of sorting
    every row.
    """
    identity = identity_columns(feed)
    present = " and ".join(f"{ident(k)} is not null" for k in identity)
    # Within one file: every row set is partitioned by the file as well.
    partition = ", ".join(["_file_id", *(ident(k) for k in identity)])
    con.execute(query(__package__, "validation_duplicates", partition=partition, present=present))
    repeated = literal(f"repeats the key ({', '.join(identity)}) of an earlier row of the file")
    checks = [_when("d._row_number is not null", identity[0], "duplicate_key", repeated)]
    if not feed.group_key:
        return checks
    keys = ", ".join(["_file_id", *(ident(k) for k in feed.group_key)])
    in_group = " and ".join(f"{ident(k)} is not null" for k in feed.group_key)
    header = ", ".join(ident(c) for c in feed.group_columns)
    needed = ", ".join(["_file_id", *(ident(c) for c in dict.fromkeys((*feed.group_key, *feed.group_columns)))])
    # Disagreement: two different values, or a value on some rows and none on others. One hash of the header per
    # row finds the disagreeing groups cheaply; only for those are the columns that disagree worked out.
    disagree = {
        c: f"(min({ident(c)}) is distinct from max({ident(c)}) or count({ident(c)}) not in (0, count(*)))"
        for c in feed.group_columns
    }
    names = ", ".join(f"case when {d} then {literal(c)} end" for c, d in disagree.items())
    fragments = {"needed": needed, "header": header, "in_group": in_group, "keys": keys, "names": names}
    con.execute(query(__package__, "validation_headers", **fragments))
    message = "'header columns ' || array_to_string(h__columns, ', ') || " + literal(
        f" disagree across the rows of this ({', '.join(feed.group_key)})"
    )
    checks.append(
        Check(
            "h._row_number is not null",
            f"{{'column_name': h__columns[1], 'rule': 'header_consistency', 'message': {message}}}",
        )
    )
    return checks


def typed_columns_sql(feed: Feed, alias: str = "s") -> str:
    """The select list typing every contract column of `<alias>` (a stage row) under its own name."""
    return ", ".join(f"{typed_sql(c, alias + '.' + ident(c.name))} as {ident(c.name)}" for c in feed.columns)


def _any(checks: list[Check]) -> str:
    """TRUE when some check's condition is TRUE, else FALSE (never NULL); each condition sits in a CASE for the
    reason given in `_flags`."""
    if not checks:
        return "false"
    return " or ".join(f"(case when ({c.condition}) then true else false end)" for c in checks)


def _texts_and_typed(feed: Feed) -> str:
    """Select list over a stage row `s`: its row number, every value as text (`v__<column>`) and typed."""
    texts = ", ".join(f"s.{ident(c.name)} as {ident('v__' + c.name)}" for c in feed.columns)
    return f"s._file_id, s._row_number, {texts}, {typed_columns_sql(feed)}"


def build_verdicts(con, feed: Feed) -> None:
    """`_tw_typed` and `_tw_verdicts` from `_tw_stage`.

    One pass over the text rows types every column once and evaluates every column check and error/warning rule,
    keeping two booleans per row: `_tw_typed` holds the typed rows (copied as they are into the raw table) with
    `_tw_error` and `_tw_warning`. The checks across rows then read the typed table. The violation lists are only
    built for the rows where something is TRUE (usually few), from the same (condition, violation) pairs:
    `_tw_verdicts` holds their `_errors` (NULL when the row may load) and `_warnings`.
    """
    for table in TEMP_TABLES:
        con.execute(f"drop table if exists temp.{table}")
    errors = [check for c in feed.columns for check in column_checks(c, ident("v__" + c.name), ident(c.name))]
    errors += [rule_check(r) for r in feed.error_rules]
    warnings = [rule_check(r) for r in feed.warning_rules]
    typed_names = ", ".join(ident(c.name) for c in feed.columns)
    fragments = {"typed_names": typed_names, "any_error": _any(errors), "any_warning": _any(warnings)}
    con.execute(query(__package__, "validation_typed", texts_and_typed=_texts_and_typed(feed), **fragments))
    errors += _build_row_sets(con, feed)
    joins = f"left join {DUPLICATES} d using (_file_id, _row_number)"
    carried = "t.*"
    candidates = f"select _file_id, _row_number from {TYPED} where _tw_error or _tw_warning"
    candidates += f" union select _file_id, _row_number from {DUPLICATES}"
    if feed.group_key:
        joins += f" left join {HEADERS} h using (_file_id, _row_number)"
        carried = "t.*, h.h__columns"
        candidates += f" union select _file_id, _row_number from {HEADERS}"
    flags = ",\n        ".join(_flags(errors, "k__e") + _flags(warnings, "k__w"))
    none = con.execute(f"select count(*) = 0 from ({candidates})").fetchone()[0]
    fragments = {"error_list": _violations(errors, "k__e"), "warning_list": _violations(warnings, "k__w")}
    fragments |= {"carried": carried, "flags": flags, "joins": joins, "candidates": candidates}
    # A clean file has no candidate: the statement then still creates the (empty) table, without scanning the stage.
    fragments["scanned"] = "false" if none else "true"
    con.execute(query(__package__, "validation_verdicts", texts_and_typed=_texts_and_typed(feed), **fragments))
