"""One Great Expectations suite per feed, derived from the contract (`warehouse.contract.feeds`).

From each contract `Column`: its DuckDB type, required (not null), code list, format (regex, and the entry-number
check digit through the contract's `tw_luhn_ok` macro), range and reference table. From the feed: the exact column
set, the key (unique per version within a delivered file) and every cross-field `Rule` with its severity. Then the
checks the contract does not state as a row rule, in `EXTRA_RULES`: header fields consistent across an entry's lines
(contract, error), and the business rules beyond the contract, which are warnings (findings, never blocking): MPF
within the limits in force, release not before arrival, penalty cases closed after they opened.

Every expectation carries `meta = {"check", "column", "severity"}`: the check name shown in Dagster and in the
history, and whether a failure blocks (error) or is only recorded (warning). SQL checks are
`UnexpectedRowsExpectation`s that select the identifying columns of the bad rows, so the sample says which rows.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

import great_expectations as gx
import great_expectations.expectations as gxe

from warehouse.contract import FEEDS
from warehouse.contract.schema import Column, Feed
from warehouse.loading.tables import LINEAGE_COLUMNS
from warehouse.loading.validation import REFERENCES, identity_columns
from warehouse.sql_files import query


@dataclass(frozen=True)
class ExtraRule:
    """A check the contract does not state as a row rule: SQL over the batch returning the bad rows."""

    name: str
    column: str
    query: str  # `{batch}` is the batch's rows
    description: str
    severity: str = "error"


def _header_consistency(feed: Feed) -> ExtraRule:
    keys = ", ".join(feed.group_key)
    header = ", ".join(feed.group_columns)
    return ExtraRule(
        "header_consistency",
        feed.group_columns[0],
        f"select {keys}, count(distinct struct_pack({header})) as header_variants, min(_delivery_date) as "
        f"_delivery_date from {{batch}} group by {keys} having count(distinct struct_pack({header})) > 1",
        f"header columns ({header}) must agree across the lines of one ({keys})",
    )


def _mpf_bounds() -> ExtraRule:
    """Merchandise processing fee per formal entry (19 CFR 24.23(b)(1)): ad valorem, between the minimum and maximum
    in force on the filing day (`reference.mpf_limits`, from warehouse/contract/fees.py). The SQL file says which
    entries it judges; the findings mart records the unjudged ones as `mpf_limits_unknown`."""
    return ExtraRule(
        "mpf_within_bounds",
        "mpf_usd",
        # GX fills `{batch}` itself (str.format), after the file's own placeholder is filled with that name.
        query(__package__, "feeds_mpf_within_bounds", batch="{batch}"),
        "the MPF of a formal entry (sum over its lines) should lie between the minimum and maximum in force",
        # A finding, not a defect: an underpaid fee is what enforcement wants to see (marts.fct_findings).
        severity="warning",
    )


EXTRA_RULES: dict[str, tuple[ExtraRule, ...]] = {
    "entries": (
        _header_consistency(FEEDS["entries"]),
        _mpf_bounds(),
        # A warning, not an error: the contract allows release up to 5 days before filing (pre-filed entries), and
        # generated feeds release ~11-14% of lines before the goods arrive. See docs/quality.md.
        ExtraRule(
            "released_before_arrival",
            "released_at",
            "select entry_number, line_number, arrival_date, released_at, _delivery_date, _row_number "
            "from {batch} where released_at < cast(arrival_date as timestamptz)",
            "released_at should not be before arrival_date",
            severity="warning",
        ),
    ),
    "penalties": (
        ExtraRule(
            "closed_on_before_opened_on",
            "closed_on",
            "select case_number, opened_on, closed_on, _delivery_date, _row_number from {batch} "
            "where closed_on < opened_on",
            "closed_on should not be before opened_on",
            # Beyond the contract (which states no order for penalty dates): a finding, never a block.
            severity="warning",
        ),
    ),
}


def _meta(check: str, column: str | None, severity: str = "error") -> dict:
    return {"check": check, "column": column, "severity": severity}


def _rows(feed: Feed, *columns: str) -> str:
    """The select list of a bad-row sample: the key, the columns involved and where the row came from."""
    wanted = dict.fromkeys((*feed.key, *columns, "_delivery_date", "_row_number"))
    return ", ".join(wanted)


def _escaped(sql: str) -> str:
    """GX fills `{batch}` with `str.format`: other braces (regex quantifiers like `\\d{7}`) are doubled."""
    return sql.replace("{", "{{").replace("}", "}}")


def _sql_check(feed: Feed, check: str, column: str, where: str, description: str, severity: str = "error"):
    return gxe.UnexpectedRowsExpectation(
        unexpected_rows_query=f"select {_rows(feed, column)} from {{batch}} where {_escaped(where)}",
        description=description,
        meta=_meta(check, column, severity),
    )


def column_expectations(feed: Feed, column: Column) -> list:
    """Every expectation one contract column implies."""
    name = column.name
    found = [
        _sql_check(
            feed,
            f"{name}.type",
            name,
            f"typeof({name}) <> typeof(cast(null as {column.sql_type}))",
            f"{name} must be {column.sql_type}",
        )
    ]
    if column.required:
        found.append(gxe.ExpectColumnValuesToNotBeNull(column=name, meta=_meta(f"{name}.required", name)))
    if column.codes:
        found.append(
            gxe.ExpectColumnValuesToBeInSet(
                column=name, value_set=list(column.codes), meta=_meta(f"{name}.code_list", name)
            )
        )
    if column.pattern:
        pattern = column.pattern.replace("'", "''")
        found.append(
            _sql_check(
                feed,
                f"{name}.format",
                name,
                f"not regexp_matches({name}, '{pattern}')",
                f"{name} must match {column.pattern}",
            )
        )
    if column.minimum is not None or column.maximum is not None:
        found.append(
            gxe.ExpectColumnValuesToBeBetween(
                column=name,
                min_value=column.minimum,
                max_value=column.maximum,
                meta=_meta(f"{name}.range", name),
            )
        )
    if column.reference:
        table, key = REFERENCES[column.reference]
        found.append(
            _sql_check(
                feed,
                f"{name}.reference",
                name,
                f"{name} not in (select {key} from {table})",
                f"{name} must be a known {column.reference} ({table})",
            )
        )
    return found


def feed_suite(feed_name: str) -> gx.ExpectationSuite:
    """The suite of one feed's raw rows (`raw.<feed>`, every version, lineage columns included)."""
    feed = FEEDS[feed_name]
    found: list[gxe.Expectation] = [
        gxe.ExpectTableColumnsToMatchSet(
            column_set=[*feed.column_names, *(name for name, _ in LINEAGE_COLUMNS)],
            exact_match=True,
            meta=_meta("columns", None),
        )
    ]
    for column in feed.columns:
        found += column_expectations(feed, column)
    # A key (with its version) appears once per delivered file; later files may repeat it as corrections.
    found.append(
        gxe.ExpectCompoundColumnsToBeUnique(
            column_list=[*identity_columns(feed), "_file_sha256"], meta=_meta("key.unique", feed.key[0])
        )
    )
    for rule in feed.rules:
        found.append(
            _sql_check(feed, rule.name, rule.column, f"({rule.violation_sql})", rule.description, rule.severity)
        )
    for extra in EXTRA_RULES.get(feed.name, ()):
        found.append(
            gxe.UnexpectedRowsExpectation(
                unexpected_rows_query=extra.query,
                description=extra.description,
                meta=_meta(extra.name, extra.column, extra.severity),
            )
        )
    # Built in one go: `add_expectation` on a suite outside a GX context needs a context to save to.
    return gx.ExpectationSuite(
        name=f"raw.{feed.name}", expectations=found, meta={"feed": feed.name, "contract": "feeds v1"}
    )


def feed_suites() -> dict[str, gx.ExpectationSuite]:
    return {name: feed_suite(name) for name in FEEDS}
