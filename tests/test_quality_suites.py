"""Great Expectations suites: every feed suite passes on clean generated data, and every expectation of every suite
fails on a corrupted copy of the loaded tables (a check that cannot fail is a defect)."""

from __future__ import annotations

import copy
import shutil
from datetime import date, timedelta

import pytest

from warehouse.contract import FEEDS
from warehouse.contract.identifiers import make_entry_number
from warehouse.db import connect
from warehouse.generator import generate
from warehouse.loading import ensure_schema, load_partition
from warehouse.reference import load_reference

START = date(2025, 10, 1)
DAYS = 7
# A well-formed entry number whose check digit is wrong.
_GOOD = make_entry_number("AB1", 1234567)
BAD_CHECK_DIGIT = _GOOD[:-1] + str((int(_GOOD[-1]) + 1) % 10)
# Warnings that fire on clean generated feeds, each for a reason in docs/quality.md.
KNOWN_WARNINGS = {"hts_subheading_unknown", "released_before_arrival"}

# For every cross-field rule: the replacements that make one inserted row break it.
RULE_CORRUPTIONS = {
    "entries": {
        "entry_number_check_digit": {"entry_number": f"'{BAD_CHECK_DIGIT}'"},
        "filer_code_matches_entry_number": {
            "filer_code": "case when substr(entry_number, 1, 3) = 'ZZZ' then 'YYY' else 'ZZZ' end"
        },
        "released_before_filing": {"released_at": "filed_at - interval 10 day"},
        "duty_matches_rate": {"spi_code": "null", "duty_usd": "entered_value_usd * duty_rate + 1000"},
        "adcvd_case_on_adcvd_entry": {"entry_type": "'03'", "adcvd_case": "null"},
        "hmf_on_vessel_only": {"mode_of_transport": "'40'", "hmf_usd": "5"},
        "hts_subheading_unknown": {"hts_code": "'9999999999'"},
        "header_consistency": {"bill_of_lading": "'ANOTHER-BILL'"},
        "mpf_within_bounds": {"mpf_usd": "100000"},
        "released_before_arrival": {"released_at": "cast(arrival_date as timestamptz) - interval 1 day"},
    },
    "exams": {
        "entry_number_check_digit": {"entry_number": f"'{BAD_CHECK_DIGIT}'"},
        "rule_id_on_targeting_rule": {"selection_reason": "'targeting_rule'", "rule_id": "null"},
        "cm_stratum_on_cm_random": {"selection_reason": "'cm_random'", "cm_stratum": "null"},
        "cm_weight_on_cm_random": {"selection_reason": "'cm_random'", "cm_weight": "0.5"},
        "completed_at_before_started_at": {"completed_at": "started_at - interval 1 hour"},
        "discrepancy_type_on_discrepancy": {"result": "'discrepancy'", "discrepancy_type": "null"},
        "material_without_discrepancy": {"result": "'no_discrepancy'", "material": "true"},
        "correct_duty_without_discrepancy": {"result": "'no_discrepancy'", "correct_duty_usd": "declared_duty_usd + 1"},
        "rule_id_unknown": {"rule_id": "'NO-SUCH-RULE'"},
    },
    "audits": {
        "period_end_before_period_start": {"period_end": "period_start - 1"},
        "closed_on_before_opened_on": {"closed_on": "opened_on - 1"},
        "discrepancies_exceed_lines": {"discrepancies_found": "lines_reviewed + 1"},
        "collected_above_loss": {"collected_usd": "revenue_loss_usd + 1"},
    },
    "seizures": {
        "entry_number_check_digit": {"entry_number": f"'{BAD_CHECK_DIGIT}'"},
        "msrp_below_domestic_value": {"msrp_usd": "0", "domestic_value_usd": "10"},
    },
    "penalties": {
        "entry_number_check_digit": {"entry_number": f"'{BAD_CHECK_DIGIT}'"},
        "culpability_on_1592": {"statute": "'19USC1592'", "culpability": "null"},
        "opened_on_before_violation_date": {"opened_on": "violation_date - 1"},
        "mitigated_above_assessed": {"mitigated_usd": "assessed_usd + 1"},
        "assessed_above_statutory_maximum": {
            "statute": "'19USC1592'",
            "culpability": "'fraud'",
            "assessed_usd": "domestic_value_usd + 1",
        },
        "collected_above_mitigated": {"mitigated_usd": "0", "collected_usd": "1"},
        "closed_on_before_opened_on": {"closed_on": "opened_on - 1"},
    },
    "programs": {"left_on_before_enrolled_on": {"left_on": "enrolled_on - 1"}},
}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    """A warehouse loaded by the real loader from a week of clean generated feeds."""
    root = tmp_path_factory.mktemp("quality")
    generate(root / "landing", start=START, days=DAYS, scale=0.002, seed=5, fmt="csv", dirt_rate=0.0)
    path = root / "w.duckdb"
    with connect(path) as con:
        load_reference(con)
        ensure_schema(con)
        for feed in FEEDS:
            for offset in range(DAYS):
                day = START + timedelta(days=offset)
                if (root / "landing" / feed / day.isoformat()).is_dir():
                    load_partition(con, root / "landing", feed, day, root / "quarantine")
        counts = {feed: con.execute(f"select count(*) from raw.{feed}").fetchone()[0] for feed in FEEDS}
    assert all(counts.values()), f"every feed needs rows to test its suite: {counts}"
    return path


def _suite(feed: str, name: str, keep) -> object:
    """The feed suite cut down to the expectations whose check name `keep` accepts, under another name."""
    import great_expectations as gx

    from expectations.feeds import feed_suite

    found = []
    for expectation in feed_suite(feed).expectations:
        if keep(expectation.meta["check"]):
            one = copy.copy(expectation)
            one.id = None
            found.append(one)
    return gx.ExpectationSuite(name=name, expectations=found)


def _retyped(check: str) -> bool:
    """Checks the retyped copy breaks (column types and the column set); the copy with bad rows breaks the rest."""
    return check == "columns" or check.endswith(".type")


@pytest.fixture(scope="module")
def clean(warehouse):
    """Every feed suite validated on the clean warehouse, in one GX context: {feed: outcome}."""
    from expectations.feeds import feed_suite
    from expectations.runner import batch_query, validate_many

    feeds = list(FEEDS)
    validations = [(feed_suite(feed), batch_query(f"raw.{feed}"), f"raw.{feed}") for feed in feeds]
    return dict(zip(feeds, validate_many(warehouse, validations, build_docs=False), strict=True))


def _corruptions(feed_name: str) -> dict[str, dict[str, str]]:
    """Per expectation (by check name): the column replacements of one inserted row that break it."""
    feed = FEEDS[feed_name]
    found: dict[str, dict[str, str]] = {}
    for column in feed.columns:
        name = column.name
        if column.required:
            found[f"{name}.required"] = {name: "null"}
        if column.codes:
            found[f"{name}.code_list"] = {name: "'not_a_code'"}
        if column.pattern:
            found[f"{name}.format"] = {name: "'bad format!'"}
        if column.minimum is not None:
            found[f"{name}.range"] = {name: f"{column.minimum} - 1"}
        elif column.maximum is not None:
            found[f"{name}.range"] = {name: f"{column.maximum} + 1"}
        if column.reference == "port":
            found[f"{name}.reference"] = {name: "'9999'"}  # well-formed, not a port ('0000' is one)
        elif column.reference == "country":
            found[f"{name}.reference"] = {name: "'QQ'"}
    found["key.unique"] = {}  # an exact copy of a row repeats its key within its file
    found.update(RULE_CORRUPTIONS.get(feed_name, {}))
    return found


def _corrupt_rows(con, feed: str) -> dict[str, str]:
    """Per expectation with a row corruption: a copy of the feed with one bad row inserted (the feed's first row with
    that corruption applied). Returns {check: table}."""
    tables = {}
    con.execute("create schema if not exists corrupt")
    for index, (check, replacements) in enumerate(_corruptions(feed).items()):
        table = f"corrupt.{feed}__{index}"
        con.execute(f"create table {table} as select * from raw.{feed}")
        first = f"(select min(_row_number) from {table})"
        replace = ", ".join(f"{expr} as {column}" for column, expr in replacements.items())
        select = f"select * replace ({replace})" if replace else "select *"
        con.execute(f"insert into {table} {select} from {table} where _row_number = {first} limit 1")
        tables[check] = table
    return tables


def _corrupt_types(con, table: str, feed: str) -> None:
    """Give every column of `raw.<table>` (a copy of the feed) another type (text for typed columns, BLOB for text)
    and add a column."""
    columns = []
    for column in FEEDS[feed].columns:
        other = "BLOB" if column.sql_type == "VARCHAR" else "VARCHAR"
        columns.append(f"cast({column.name} as {other}) as {column.name}")
    lineage = "_file_sha256, _delivery_date, _row_number, _loaded_at, _extra"
    con.execute(
        f"create or replace table raw.{table} as select {', '.join(columns)}, {lineage}, 1 as unexpected_column "
        f"from raw.{table}"
    )


@pytest.mark.parametrize("feed", list(FEEDS))
def test_the_feed_suite_passes_on_clean_generated_data(clean, feed):
    outcome = clean[feed]
    assert outcome.rows and outcome.rows > 0
    assert [e.expectation for e in outcome.expectations if e.exception] == []
    assert [e.expectation for e in outcome.failed("error")] == []
    assert {e.expectation for e in outcome.failed("warning")} <= KNOWN_WARNINGS


@pytest.mark.parametrize("feed", list(FEEDS))
def test_every_expectation_of_the_feed_suite_fails_on_its_corrupted_copy(warehouse, feed, tmp_path):
    """Each expectation is validated alone on a copy with its own corruption (or, for types and the column set, on
    the retyped copy). As it passes on the clean feed, its failure is caused by that corruption, not another's."""
    from expectations.feeds import feed_suite
    from expectations.runner import validate_many

    corrupted = tmp_path / "corrupted.duckdb"
    shutil.copyfile(warehouse, corrupted)
    with connect(corrupted) as con:
        con.execute(f"create table raw.{feed}_retyped as select * from raw.{feed}")
        _corrupt_types(con, f"{feed}_retyped", feed)
        tables = _corrupt_rows(con, feed)
    every = [e.meta["check"] for e in feed_suite(feed).expectations]
    assert len(set(every)) == len(every), "two expectations of one suite share a check name"
    untested = [c for c in every if c not in tables and not _retyped(c)]
    assert untested == [], f"no corruption known for these expectations: {untested}"
    # The retyped copy is validated only with the checks it is meant to break: the others would only raise errors on
    # retyped columns, which cost GX a retry per metric and prove nothing.
    validations = [(_suite(feed, "types", _retyped), f"select * from raw.{feed}_retyped", f"raw.{feed}_retyped")]
    for check, table in tables.items():
        validations.append((_suite(feed, check, lambda c, check=check: c == check), f"select * from {table}", table))
    failed = set()
    for outcome in validate_many(corrupted, validations, build_docs=False):
        failed |= {e.expectation for e in outcome.failed() if e.exception is None}
    assert set(every) - failed == set()
    # Every corruption the test knows belongs to a real expectation (no stale names).
    assert set(_corruptions(feed)) <= set(every)
