"""The published mart suites (`expectations/marts.py`) on a real warehouse: the generator writes three clean days,
the real loader loads them and `dbt build` builds the marts. Every mart suite passes on it, and every expectation of
every mart suite fails on a corrupted copy of its mart (a check that cannot fail is a defect).

Each corrupted copy is one table: the whole mart with one corruption made by SQL, chosen from the expectation's kind
(column set, type, not null, unique, grain, accepted values, non-negative, invariant). Invariants
(`expression_is_true`) have one corruption each in `EXPRESSION_CORRUPTIONS`; an expectation without a corruption
fails the test, so a new yml test cannot slip through untested. All copies live in one DuckDB file and each is
validated with the one expectation it targets, all in one GX context (`validate_many`). As every expectation passes
on the clean mart, its failure on the copy is caused by that copy's corruption.
"""

from __future__ import annotations

import copy
import functools
import re
from dataclasses import dataclass
from datetime import date

import pytest
from generated_warehouse import build_generated_warehouse

from expectations.mart_docs import contract_type, mart_models
from warehouse.db import connect

START = date(2025, 10, 1)
DAYS = 3

# Per invariant (`expression_is_true`, by its yml name): the SET clause of an UPDATE that breaks it on one row. The
# row is the first one meeting the test's `where`, and the clause keeps the `where` true.
EXPRESSION_CORRUPTIONS = {
    "dim_commodities_textiles_and_agriculture_by_chapter": "is_pti_textiles = not coalesce(is_pti_textiles, false)",
    "dim_dates_fiscal_quarter_in_range": "fiscal_quarter = 5",
    "dim_dates_fiscal_year_is_calendar_year_or_next": "fiscal_year = calendar_year + 2",
    "dim_importers_valid_to_after_valid_from": "valid_to = valid_from",
    "dim_importers_current_iff_open_ended": "is_current = (valid_to is not null)",
    "dim_programs_left_not_before_enrolled": "left_on = enrolled_on - 1",
    "fct_audits_period_end_not_before_start": "period_end = period_start - 1",
    "fct_audits_closed_not_before_opened": "closed_on = opened_on - 1",
    "fct_audits_discrepancies_at_most_lines_reviewed": "discrepancies_found = lines_reviewed + 1",
    "fct_entries_total_paid_adds_up": "total_paid_usd = total_paid_usd + 1",
    "fct_entries_have_lines": "line_count = 0",
    "fct_entry_lines_fees_are_mpf_plus_hmf": "fees_usd = fees_usd + 1",
    "fct_entry_lines_total_paid_adds_up": "total_paid_usd = total_paid_usd + 1",
    "fct_entry_lines_amounts_not_negative": "duty_usd = -1",
    "fct_entry_lines_hmf_on_vessel_modes_only": "mode_of_transport = '40', hmf_usd = 5",
    "fct_exams_completed_not_before_started": "started_at = coalesce(started_at, timestamptz '2025-10-01 12:00Z'), "
    "completed_at = coalesce(started_at, timestamptz '2025-10-01 12:00Z') - interval 1 hour",
    "fct_exams_material_only_with_discrepancy": "is_discrepancy = false, is_material = true",
    "fct_exams_no_duty_difference_without_discrepancy": "is_discrepancy = false, duty_difference_usd = 1",
    "fct_exams_cm_sample_has_weight_and_stratum": "is_cm_sample = true, cm_weight = 0.5",
    "fct_exams_rule_on_targeting_rule": "selection_reason = 'targeting_rule', rule_id = null",
    "fct_penalties_opened_not_before_violation": "opened_on = violation_date - 1",
    "fct_penalties_mitigated_at_most_assessed": "assessed_usd = coalesce(assessed_usd, 100), "
    "mitigated_usd = coalesce(assessed_usd, 100) + 1",
    "fct_penalties_culpability_on_1592": "statute = '19USC1592', culpability = null",
    "mart_entry_lifecycle_release_not_before_filing_minus_5_days": "filing_to_release_hours = -121",
    "mart_entry_lifecycle_exam_result_iff_exams": "exam_result = null, exam_count = 1",
    "mart_importer_accounts_fiscal_year_matches_period": "account_period = 'all_time', fiscal_year = 2025",
    "mart_importer_accounts_discrepancies_at_most_exams": "exam_discrepancy_line_count = exam_line_count + 1",
    "mart_importer_accounts_mitigated_at_most_assessed": "penalty_mitigated_usd = penalty_assessed_usd + 1",
    "mart_importer_accounts_lines_at_least_entries": "line_count = entry_count - 1",
}
# The row an UPDATE corrupts: the first one (meeting the test's `where` if any does; the SET clause makes it hold).
FIRST_ROW = "rowid = coalesce((select min(rowid) from {table}{where}), (select min(rowid) from {table}))"


@dataclass(frozen=True)
class Case:
    """One expectation of one mart suite and the SQL that breaks it on a copy of the mart."""

    mart: str
    index: int  # position in the suite
    check: str
    kind: str
    statements: tuple[str, ...]  # `{table}` is the copy

    @property
    def id(self) -> str:
        return f"{self.mart}:{self.check}"

    @property
    def table(self) -> str:
        return f"corrupt.{self.mart}__{self.index}"


def _published_marts() -> list[str]:
    """The documented marts (their yml), without loading the Dagster definitions (which need dbt's manifest) at
    collection; `test_every_documented_mart_is_published_with_a_suite_check` shows they are the published ones."""
    return sorted(mart_models())


def _expression_where(mart: str, check: str) -> str | None:
    """The `where` of a named `expression_is_true` model test in the mart's yml."""
    for entry in mart_models()[mart].get("data_tests", []) or []:
        if isinstance(entry, dict):
            body = next(iter(entry.values())) or {}
            if body.get("name") == check:
                return (body.get("config") or {}).get("where")
    return None


def _bad_value(data_type: str) -> str:
    """A value of another type: text becomes its length, anything else text."""
    return "length({column})" if data_type.lower().startswith(("varchar", "string")) else "cast({column} as varchar)"


def case_for(mart: str, index: int, expectation, column_types: dict[str, str]) -> Case:
    """The corruption of one expectation, from its kind; `kind == "missing"` when the test knows none."""
    kind = type(expectation).__name__
    check = expectation.meta["check"]
    column = getattr(expectation, "column", None)
    first = FIRST_ROW
    one_row = first.replace("{where}", "")
    if kind == "ExpectTableColumnsToMatchSet":
        return Case(mart, index, check, "columns", ("alter table {table} add column unexpected_column integer",))
    if kind == "ExpectColumnValuesToNotBeNull":
        return Case(mart, index, check, "not_null", (f"update {{table}} set {column} = null where {one_row}",))
    if kind in ("ExpectColumnValuesToBeUnique", "ExpectCompoundColumnsToBeUnique"):
        return Case(mart, index, check, "unique", ("insert into {table} select * from {table} limit 1",))
    if kind == "ExpectColumnValuesToBeInSet":
        assert all(isinstance(v, str) for v in expectation.value_set), check
        return Case(
            mart, index, check, "accepted_values", (f"update {{table}} set {column} = 'not_accepted' where {one_row}",)
        )
    if kind == "ExpectColumnValuesToBeBetween":
        assert expectation.min_value == 0 and expectation.max_value is None, check
        return Case(mart, index, check, "non_negative", (f"update {{table}} set {column} = -1 where {one_row}",))
    if kind == "UnexpectedRowsExpectation":
        query = expectation.unexpected_rows_query.replace("{{", "{").replace("}}", "}")
        if check.endswith(".type"):
            name = check.removesuffix(".type")
            other = _bad_value(column_types[name]).format(column=name)
            return Case(
                mart,
                index,
                check,
                "type",
                (f"create or replace table {{table}} as select * replace ({other} as {name}) from {{table}}",),
            )
        grain = re.search(r"from \{batch\} where (.*) group by .* having count\(\*\) > 1$", query, re.DOTALL)
        if grain:  # a grain with a `where`: duplicate a row inside it
            where = grain.group(1)
            return Case(
                mart, index, check, "grain", (f"insert into {{table}} select * from {{table}} where {where} limit 1",)
            )
        if check in EXPRESSION_CORRUPTIONS:
            where = _expression_where(mart, check)
            row = first.replace("{where}", f" where {where}" if where else "")
            return Case(
                mart, index, check, "expression", (f"update {{table}} set {EXPRESSION_CORRUPTIONS[check]} where {row}",)
            )
    return Case(mart, index, check, "missing", ())


@functools.cache  # the ids at collection, the fixture and the coverage test share one build of the suites
def all_cases() -> tuple[Case, ...]:
    from expectations.marts import mart_suite

    models = mart_models()
    cases = []
    for mart in _published_marts():
        types = {c["name"]: contract_type(str(c.get("data_type", ""))) for c in models[mart].get("columns", [])}
        for index, expectation in enumerate(mart_suite(mart, models).expectations):
            cases.append(case_for(mart, index, expectation, types))
    return tuple(cases)


def _case_ids() -> list[str]:
    """Test ids without importing GX at collection time: (mart, check) straight from the yml via the suites."""
    return [c.id for c in all_cases()]


@pytest.fixture(scope="module")
def built(tmp_path_factory, dbt):
    """A warehouse of three clean generated days, loaded by the real loader and built by `dbt build`."""
    root = tmp_path_factory.mktemp("marts")
    path = build_generated_warehouse(root, start=START, days=DAYS, scale=0.002, seed=11, dbt=dbt).warehouse
    with connect(path, read_only=True) as con:
        counts = {m: con.execute(f"select count(*) from marts.{m}").fetchone()[0] for m in _published_marts()}
    assert all(counts.values()), f"every mart needs rows to test its suite: {counts}"
    return path


@pytest.fixture(scope="module")
def corrupted(built, tmp_path_factory):
    """Every case's corrupted copy, in one DuckDB file, each validated with its one expectation: {case id: outcome}."""
    from expectations.marts import mart_suite
    from expectations.runner import validate_many

    cases = all_cases()
    missing = [c.id for c in cases if c.kind == "missing"]
    assert missing == [], f"no corruption known for these expectations (add one to EXPRESSION_CORRUPTIONS): {missing}"
    path = tmp_path_factory.mktemp("corrupted") / "corrupted.duckdb"
    with connect(path) as con:
        con.execute(f"attach '{built}' as built (read_only)")
        con.execute("create schema corrupt")
        for case in cases:
            con.execute(f"create table {case.table} as select * from built.marts.{case.mart}")
            for statement in case.statements:
                changed = con.execute(statement.format(table=case.table)).fetchall()
                if statement.startswith(("update", "insert")):
                    assert changed[0][0] >= 1, f"the corruption of {case.id} changed no row: {statement}"
        con.execute("detach built")
    suites = {mart: mart_suite(mart) for mart in _published_marts()}
    validations = []
    for case in cases:
        one = copy.copy(suites[case.mart].expectations[case.index])
        one.id = None
        suite = _one_expectation_suite(case, one)
        validations.append((suite, f"select * from {case.table}", case.table))
    outcomes = validate_many(path, validations, build_docs=False)
    return {case.id: outcome for case, outcome in zip(cases, outcomes, strict=True)}


def _one_expectation_suite(case: Case, expectation):
    import great_expectations as gx

    return gx.ExpectationSuite(name=f"{case.table}:{case.check}", expectations=[expectation])


@pytest.mark.parametrize("mart", _published_marts())
def test_the_mart_suite_passes_on_a_clean_build(built, mart):
    from expectations.marts import mart_suite
    from expectations.runner import batch_query, validate

    outcome = validate(built, mart_suite(mart), batch_query(f"marts.{mart}"), f"marts.{mart}", build_docs=False)
    assert outcome.rows and outcome.rows > 0
    assert [(e.expectation, e.exception) for e in outcome.expectations if e.exception] == []
    assert [e.expectation for e in outcome.failed()] == []


@pytest.mark.parametrize("case_id", _case_ids())
def test_each_mart_expectation_fails_on_its_corrupted_copy(corrupted, case_id):
    outcome = corrupted[case_id]
    (result,) = outcome.expectations
    assert result.exception is None, result.exception
    assert not result.success, f"{case_id} still passes on its corrupted copy"
    if result.unexpected_count is not None:
        assert result.unexpected_count >= 1


def test_every_mart_expectation_has_a_corruption_and_every_known_corruption_is_used():
    cases = all_cases()
    assert [c.id for c in cases if c.kind == "missing"] == []
    used = {c.check for c in cases if c.kind == "expression"}
    assert set(EXPRESSION_CORRUPTIONS) - used == set(), "stale entries in EXPRESSION_CORRUPTIONS"
    assert len({c.id for c in cases}) == len(cases), "two expectations of one suite share a check name"


def test_every_documented_mart_is_published_with_a_suite_check():
    from orchestration.defs.quality.checks import mart_suite_checks, published_marts

    assert published_marts() == _published_marts()
    checked = {key.asset_key.path[-1] for c in mart_suite_checks for key in c.check_keys}
    assert checked == set(_published_marts())
