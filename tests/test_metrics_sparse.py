"""Every metric table and the report on empty and sparse warehouses (issue 11): zero rows, one day of feeds, exams
with no cm_random sample, no exams at all, a first delivery whose every entry is quarantined. Each measure writes
its table with its full schema (zero rows, or rows suppressed with a note saying why) and the report renders.

The warehouses are real: the generator's feeds (one day), the real loader, a real `dbt run` into the marts, then
the metric functions as the assets call them, and one real `dagster.materialize` of every metric asset and the
report on an empty warehouse.
"""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from orchestration.resources import WarehouseResource
from warehouse.contract import FEEDS
from warehouse.db import connect
from warehouse.generator import generate
from warehouse.loading import discover, ensure_schema, load_partitions
from warehouse.metrics import clearance, compliance, deterrence, report_cards, revenue_gap
from warehouse.metrics.cm_sample import NO_SAMPLE_NOTE, filed_periods, load_sample, with_unsampled_periods
from warehouse.metrics.estimates import ESTIMATE_COLUMNS, MIN_SAMPLED, write_estimates
from warehouse.metrics.partnership import partnership
from warehouse.metrics.targeting import targeting_effectiveness
from warehouse.reference import load_reference
from warehouse.report.build import build_report
from warehouse.report.front_page import HEADLINES

DAY = date(2025, 11, 4)  # FY2026Q1
# Each table's own columns beyond the shared layout, as its module declares them (the assets write them so).
EXTRAS = {
    "compliance_rate": compliance.EXTRA_COLUMNS,
    "revenue_gap": {},
    "clearance_speed": {},
    "clearance_index": clearance.INDEX_EXTRA_COLUMNS,
    "partnership": {},
    "targeting_effectiveness": {},
    "deterrence": deterrence.EXTRA_COLUMNS,
    "report_card_ports": report_cards.EXTRA_COLUMNS,
    "report_card_ptis": report_cards.EXTRA_COLUMNS,
}
TABLES = tuple(EXTRAS)


def build_warehouse(root: Path, landing: Path | None, dbt) -> Path:
    """The raw schema and reference data, the feeds of `landing` loaded (none: an empty warehouse), marts built by
    a real `dbt run`."""
    root.mkdir(parents=True, exist_ok=True)
    warehouse = root / "warehouse.duckdb"
    with connect(warehouse) as con:
        ensure_schema(con)
        load_reference(con)
        found = discover(landing) if landing else {}
        for feed in FEEDS:
            if found.get(feed):
                load_partitions(con, landing, feed, sorted(found[feed]), root / "quarantine")
    assert dbt(warehouse, "run").failures == []
    return warehouse


def copy_of(warehouse: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copyfile(warehouse, folder / "warehouse.duckdb"))


def compute_all(con) -> dict[str, pd.DataFrame]:
    """Every metric table, computed and written as its asset does (report cards after the tables they copy)."""
    sample, units = load_sample(con), clearance.load_units(con)
    frames = {
        "compliance_rate": compliance.compliance_rate(sample, filed_periods(con)),
        "revenue_gap": revenue_gap.revenue_gap(sample, revenue_gap.declared_totals(con)),
        "clearance_speed": clearance.clearance_speed(con, units),
        "clearance_index": clearance.clearance_index(units),
        "partnership": partnership(con),
        "targeting_effectiveness": targeting_effectiveness(con),
        "deterrence": deterrence.deterrence(con, replicates=200),
    }
    for table, frame in frames.items():
        write_estimates(con, table, frame, EXTRAS[table])
    for domain, (table, _) in report_cards.CARDS.items():
        frames[table], missing = report_cards.report_card(con, domain)
        assert missing == []
        write_estimates(con, table, frames[table], EXTRAS[table])
    return frames


def expected_schema(table: str) -> list[tuple[str, str]]:
    return [(name, sql_type.upper()) for name, sql_type in {**ESTIMATE_COLUMNS, **EXTRAS[table]}.items()]


def schema(con, table: str) -> list[tuple[str, str]]:
    return con.execute(
        "select column_name, data_type from information_schema.columns where table_schema = 'metrics' "
        "and table_name = ? order by ordinal_position",
        [table],
    ).fetchall()


def assert_full_schema_and_explained_suppressions(con) -> None:
    for table in TABLES:
        assert schema(con, table) == expected_schema(table), table
        unexplained = con.execute(
            f"select count(*) from metrics.{table} "
            "where suppressed and (estimate is not null or coalesce(note, '') = '')"
        ).fetchone()[0]
        assert unexplained == 0, table
        # A sampled estimate (one with a standard error) resting on fewer than MIN_SAMPLED units is never published.
        small_published = con.execute(
            f"select count(*) from metrics.{table} where not suppressed and std_error is not null "
            f"and n_sampled < {MIN_SAMPLED}"
        ).fetchone()[0]
        assert small_published == 0, table


def rows(con, table: str, where: str = "true") -> pd.DataFrame:
    return con.execute(f"select * from metrics.{table} where {where} order by all").df()


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("one_day") / "landing"
    generate(out, start=DAY, days=1, scale=0.01, seed=11, fmt="csv", dirt_rate=0.0)
    shutil.rmtree(out / "truth")  # the generator's ground truth is not a feed
    return out


@pytest.fixture(scope="module")
def empty(tmp_path_factory, dbt) -> Path:
    return build_warehouse(tmp_path_factory.mktemp("empty"), None, dbt)


@pytest.fixture(scope="module")
def one_day(tmp_path_factory, landing, dbt) -> Path:
    return build_warehouse(tmp_path_factory.mktemp("one_day_wh"), landing, dbt)


def test_every_metric_on_an_empty_warehouse_writes_its_full_schema(empty, tmp_path):
    with connect(copy_of(empty, tmp_path)) as con:
        assert con.execute("select count(*) from marts.fct_entry_lines").fetchone()[0] == 0
        frames = compute_all(con)
        assert_full_schema_and_explained_suppressions(con)
        counts = {t: con.execute(f"select count(*) from metrics.{t}").fetchone()[0] for t in TABLES}
        # Deterrence names its four event domains even with no event: each suppressed, the note says why.
        assert {t: n for t, n in counts.items() if n} == {"deterrence": 20}
        notes = set(rows(con, "deterrence")["note"])
        assert notes == {
            f"suppressed: no importer with a first {e} and exam data on both sides of it"
            for e in ("event", "penalty", "seizure", "audit finding")
        }
    assert all(set(ESTIMATE_COLUMNS) <= set(f.columns) for f in frames.values())


def test_one_day_of_feeds_gives_every_table_suppressing_what_it_cannot_estimate(one_day, tmp_path):
    with connect(copy_of(one_day, tmp_path / "w")) as con:
        compute_all(con)
        assert_full_schema_and_explained_suppressions(con)
        cm_lines = con.execute(
            "select count(*) from marts.fct_exams x join marts.fct_entry_lines l using (entry_number, line_number) "
            "where x.is_cm_sample"
        ).fetchone()[0]
        overall = rows(con, "compliance_rate", "domain = 'overall' and period = 'FY2026Q1'").set_index("measure")
        assert overall.loc["mtd_rate_lines", "n_sampled"] == cm_lines > 0
        assert bool(overall.loc["mtd_rate_lines", "suppressed"]) == (cm_lines < MIN_SAMPLED)
        exams = con.execute("select count(*) from marts.fct_exams").fetchone()[0]
        te = rows(con, "targeting_effectiveness", "domain = 'overall' and period = 'FY2026Q1'").set_index("measure")
        assert te.loc["exams", "estimate"] == exams > 0
        index = rows(con, "clearance_index")
        assert len(index) and set(index["period"]) == {"FY2026", "FY2026Q1"}
        assert index.loc[index["suppressed"], "note"].str.startswith("suppressed: no goods type").all()
    result = build_report(tmp_path / "w" / "warehouse.duckdb", tmp_path / "report", live=True)
    html = "".join(p.read_text(encoding="utf-8") for p in result.pages)
    assert result.figures == html.count('<figure class="tw-chart') > 0
    assert set(result.not_computed) == {"risk.model_evaluation"}


def test_exams_without_a_random_sample_suppress_the_sample_measures_and_say_why(one_day, tmp_path):
    """A customs authority whose every exam was targeted (no cm_random selection)."""
    with connect(copy_of(one_day, tmp_path)) as con:
        con.execute(
            "update marts.fct_exams set is_cm_sample = false, selection_reason = 'officer', cm_stratum = null, "
            "cm_weight = null"
        )
        compute_all(con)
        assert_full_schema_and_explained_suppressions(con)
        for table, measures in (
            ("compliance_rate", compliance.MEASURES),
            ("revenue_gap", ("revenue_gap_net_usd", "revenue_underpaid_usd", "revenue_overpaid_usd")),
        ):
            found = rows(con, table)
            assert set(found["domain"]) == {"overall"}, table
            assert set(found["note"]) == {NO_SAMPLE_NOTE} and found["suppressed"].all(), table
            assert set(found["period"]) == {"FY2026", "FY2026Q1"}, table
            assert set(measures) <= set(found["measure"]), table
        lift = rows(con, "targeting_effectiveness", "measure = 'lift_over_random'")
        assert len(lift) and lift["suppressed"].all()
        assert set(lift["note"]) == {"not estimable: no cm_random sample line in the period to compare with"}
        hit = rows(con, "targeting_effectiveness", "measure = 'hit_rate' and domain = 'overall'")
        assert (hit["n_sampled"] > 0).all()


def test_no_exams_at_all_leaves_exam_measures_empty_and_the_rest_computed(one_day, tmp_path):
    with connect(copy_of(one_day, tmp_path)) as con:
        con.execute("delete from marts.fct_exams")
        compute_all(con)
        assert_full_schema_and_explained_suppressions(con)
        audits = con.execute("select count(*) from marts.fct_audits").fetchone()[0]
        te = rows(con, "targeting_effectiveness")
        audit_measures = {"audits", "audit_hours", "audit_revenue_found_usd", "audit_finding_rate", "pti_hours_share"}
        assert set(te["measure"]) <= audit_measures
        assert (len(te) > 0) == (audits > 0)
        assert len(rows(con, "partnership")) > 0  # entries and programmes are there; verifications are just fewer
        assert len(rows(con, "clearance_speed")) > 0


def test_a_first_delivery_whose_entries_are_all_quarantined(landing, dbt, tmp_path):
    """The entries header's `entry_number` renamed `entry_no`: nothing of the entries file loads, the other feeds
    do, and every measure still writes its table."""
    renamed = tmp_path / "landing"
    shutil.copytree(landing, renamed)
    (entries_file,) = (renamed / "entries").rglob("*.csv")
    header, rest = entries_file.read_text().split("\n", 1)
    entries_file.write_text(header.replace("entry_number", "entry_no") + "\n" + rest)
    warehouse = build_warehouse(tmp_path / "w", renamed, dbt)
    with connect(warehouse) as con:
        assert con.execute("select count(*) from marts.fct_entries").fetchone()[0] == 0
        assert con.execute("select count(*) from marts.fct_exams").fetchone()[0] > 0
        compute_all(con)
        assert_full_schema_and_explained_suppressions(con)
        for table in ("compliance_rate", "revenue_gap", "clearance_speed", "clearance_index", "partnership"):
            assert rows(con, table).empty, table
        assert len(rows(con, "targeting_effectiveness")) > 0
        assert len(rows(con, "report_card_ports")) > 0


def test_dagster_materialises_every_metric_asset_and_the_report_on_an_empty_warehouse(empty, tmp_path):
    from orchestration.defs.metrics import measures_compliance, measures_enforcement
    from orchestration.defs.report.report import leadership_report

    warehouse = copy_of(empty, tmp_path / "w")
    assets = [
        measures_compliance.compliance_rate,
        measures_compliance.revenue_gap_estimates,
        measures_compliance.clearance_speed,
        measures_compliance.clearance_index,
        measures_enforcement.partnership_measures,
        measures_enforcement.targeting_effectiveness_measures,
        measures_enforcement.deterrence_measures,
        measures_enforcement.report_card_ports,
        measures_enforcement.report_card_ptis,
        leadership_report,
    ]
    run = dg.materialize(assets, resources={"warehouse": WarehouseResource(path=str(warehouse))})
    assert run.success
    done = {e.asset_key.to_user_string() for e in run.get_asset_materialization_events()}
    assert done == {f"metrics/{t}" for t in TABLES} | {"report/leadership_report"}
    with connect(warehouse, read_only=True) as con:
        assert_full_schema_and_explained_suppressions(con)
    html = "".join(p.read_text(encoding="utf-8") for p in sorted((tmp_path / "w" / "report").glob("*.html")))
    assert html.count("No data yet: the table was computed but holds no rows") == len(TABLES) - 1  # not deterrence
    assert "No data yet: no entry lines are loaded in the marts." in html
    front = (tmp_path / "w" / "report" / "index.html").read_text(encoding="utf-8")
    assert "Not measurable yet: no headline measure has an estimate" in front
    assert front.count('<p class="value not-computed">no data yet</p>') == len(HEADLINES)  # computed, no rows
    assert re.search(r">\s*(nan|None|inf)\s*<", html) is None  # missing values print as a dash


def test_a_period_without_sample_lines_beside_a_sampled_one_is_suppressed_with_no_change():
    sampled = {"measure": "mtd_rate_lines", "unit": "rate", "period_kind": "fiscal_quarter", "period": "FY2026Q1"}
    sampled |= {"domain": "overall", "domain_value": "all", "estimate": 0.02, "std_error": 0.004, "ci_low": 0.013}
    sampled |= {"ci_high": 0.029, "n_sampled": 400, "suppressed": False, "note": compliance.METHOD_NOTE}
    periods = pd.DataFrame({"period_kind": ["fiscal_quarter"] * 2, "period": ["FY2026Q1", "FY2026Q2"]})
    frame = with_unsampled_periods(pd.DataFrame([sampled]), periods, dict.fromkeys(compliance.MEASURES, "rate"))
    out = compliance.with_prior_change(frame).set_index(["measure", "period"])
    assert len(out) == 3  # the sampled cell, and both measures of the unsampled quarter
    q2 = out.loc[("mtd_rate_lines", "FY2026Q2")]
    assert bool(q2["suppressed"]) and q2["note"] == NO_SAMPLE_NOTE and pd.isna(q2["estimate"])
    assert q2["prior_period"] == "FY2026Q1" and pd.isna(q2["change"])
    assert out.loc[("mtd_rate_value", "FY2026Q2"), "n_sampled"] == 0
    assert out.loc[("mtd_rate_lines", "FY2026Q1"), "estimate"] == 0.02
