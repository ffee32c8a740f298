"""Re-measuring only the changed fiscal periods (warehouse/metrics/period_scope.py), through the real Dagster assets
on a copy of the generated warehouse (FY2025Q4 and FY2026Q1): what each run re-measured, read from its
materialisation, and the table after each change equal to a measurement of everything from scratch."""

import shutil
from datetime import date

import dagster as dg
import numpy as np
import pandas as pd
import pytest
from generated_warehouse import copy_warehouse

from orchestration.defs.metrics import measures_compliance as assets
from orchestration.resources import WarehouseResource
from warehouse.db import connect
from warehouse.metrics import compliance, period_scope, revenue_gap
from warehouse.metrics.cm_sample import filed_periods, load_sample

SCOPED = [assets.compliance_rate, assets.revenue_gap_estimates]
KEYS = ["measure", "period_kind", "period", "domain", "domain_value"]


@pytest.fixture(scope="module")
def warehouse(generated_warehouse, tmp_path_factory):
    return copy_warehouse(generated_warehouse, tmp_path_factory.mktemp("period_scope"))


def _run(path) -> dict[str, dict]:
    """Materialise both sample measures; {table: the materialisation's metadata}."""
    result = dg.materialize(
        SCOPED, resources={"warehouse": WarehouseResource(path=str(path))}, instance=dg.DagsterInstance.ephemeral()
    )
    assert result.success
    out = {}
    for event in result.get_asset_materialization_events():
        materialisation = event.event_specific_data.materialization
        out[materialisation.asset_key.path[-1]] = {k: v.value for k, v in materialisation.metadata.items()}
    return out


def _table(path, table: str) -> pd.DataFrame:
    with connect(path, read_only=True) as con:
        frame = con.execute(f"select * from metrics.{table}").df()
    return frame.sort_values(KEYS).reset_index(drop=True)


def _from_scratch(path) -> dict[str, pd.DataFrame]:
    """Both tables as a measurement of every period computes them, without writing."""
    with connect(path, read_only=True) as con:
        sample = load_sample(con)
        frames = {
            compliance.TABLE: compliance.compliance_rate(sample, filed_periods(con)),
            revenue_gap.TABLE: revenue_gap.revenue_gap(sample, revenue_gap.declared_totals(con)),
        }
    return {table: frame.sort_values(KEYS).reset_index(drop=True) for table, frame in frames.items()}


def _assert_same(stored: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert len(stored) == len(expected)
    expected = expected.reindex(columns=stored.columns)
    for column in stored.columns:
        left, right = stored[column], expected[column]
        if pd.api.types.is_float_dtype(left):
            both = left.isna() & right.astype(float).isna()
            close = np.isclose(left.astype(float), right.astype(float), rtol=1e-12, atol=0)
            assert (both | close).all(), column
        else:
            # Nulls as one marker: None == None is False elementwise.
            marked = [side.astype(object).where(side.notna(), "<null>") for side in (left, right)]
            assert (marked[0] == marked[1]).all(), column


def _flip_one_cm_exam(path, fiscal_quarter: str) -> None:
    """An exam re-delivered with the opposite finding: one CM exam line of a line filed in `fiscal_quarter`."""
    with connect(path) as con:
        con.execute(
            """
            update marts.fct_exams as x set is_material = not coalesce(x.is_material, false),
                loaded_at = x.loaded_at + interval 1 day
            where (x.exam_id, x.entry_number, x.line_number) = (
                select (x2.exam_id, x2.entry_number, x2.line_number)
                from marts.fct_exams as x2
                join marts.fct_entry_lines as l using (entry_number, line_number)
                join marts.dim_dates as d on d.date_day = l.filed_date
                where x2.is_cm_sample and d.fiscal_year_label || 'Q' || d.fiscal_quarter = ?
                order by all limit 1
            )
            """,
            [fiscal_quarter],
        )


def test_only_the_changed_periods_are_remeasured_and_the_tables_equal_a_full_measurement(warehouse):
    first = _run(warehouse)
    for table in (compliance.TABLE, revenue_gap.TABLE):
        assert first[table]["periods_remeasured"] == ["all"]
        assert "does not exist yet" in first[table]["remeasure_reason"]
    before = {table: _table(warehouse, table) for table in (compliance.TABLE, revenue_gap.TABLE)}
    assert set(before[compliance.TABLE]["period"]) == {"FY2025", "FY2025Q4", "FY2026", "FY2026Q1"}

    # Nothing changed: nothing re-measured, nothing rewritten.
    again = _run(warehouse)
    assert again[compliance.TABLE]["periods_remeasured"] == again[revenue_gap.TABLE]["periods_remeasured"] == []
    _assert_same(_table(warehouse, compliance.TABLE), before[compliance.TABLE])

    # A finding changed in FY2026Q1: that quarter and its year, and nothing of FY2025.
    _flip_one_cm_exam(warehouse, "FY2026Q1")
    changed = _run(warehouse)
    for table in (compliance.TABLE, revenue_gap.TABLE):
        assert changed[table]["periods_remeasured"] == ["FY2026", "FY2026Q1"]
        after = _table(warehouse, table)
        old = before[table][before[table]["period"].str.startswith("FY2025")].reset_index(drop=True)
        _assert_same(after[after["period"].str.startswith("FY2025")].reset_index(drop=True), old)
        _assert_same(after, _from_scratch(warehouse)[table])
    rates = _table(warehouse, compliance.TABLE)
    assert not rates["estimate"].equals(before[compliance.TABLE]["estimate"])

    # A finding changed in FY2025Q4: its periods re-measured, and FY2026Q1's change from FY2025Q4 (and FY2026's from
    # FY2025) follow: the table still equals a full measurement.
    _flip_one_cm_exam(warehouse, "FY2025Q4")
    changed = _run(warehouse)
    for table in (compliance.TABLE, revenue_gap.TABLE):
        assert changed[table]["periods_remeasured"] == ["FY2025", "FY2025Q4"]
        _assert_same(_table(warehouse, table), _from_scratch(warehouse)[table])

    # The measuring code changed: every period again.
    with connect(warehouse) as con:
        con.execute(f"update {period_scope.STATE_TABLE} set method = 'an older version'")
    redone = _run(warehouse)
    assert redone[compliance.TABLE]["periods_remeasured"] == ["all"]
    assert redone[compliance.TABLE]["remeasure_reason"] == "the measuring code changed"


def test_the_period_after_is_the_one_whose_prior_it_is():
    assert period_scope.following_periods({("fiscal_quarter", "FY2025Q4"), ("fiscal_year", "FY2025")}) == {
        ("fiscal_quarter", "FY2026Q1"),
        ("fiscal_year", "FY2026"),
    }
    assert period_scope.following_periods({("fiscal_quarter", "FY2026Q2")}) == {("fiscal_quarter", "FY2026Q3")}


def _remeasured(instance, run_id: str) -> dict[str, list[str]]:
    """{metric table: periods re-measured} from the materialisations of one Dagster run."""
    out = {}
    for record in instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION).records:
        materialisation = record.event_log_entry.dagster_event.event_specific_data.materialization
        if "periods_remeasured" in materialisation.metadata:
            out[materialisation.asset_key.path[-1]] = materialisation.metadata["periods_remeasured"].value
    return out


def _labels_of_fy2025_codes(path) -> pd.DataFrame:
    """Section and PTI labels of the tariff codes FY2025's lines use (PTI tags come from every exam ever made of a
    code, so a new day's exams can relabel an old period's lines)."""
    with connect(path, read_only=True) as con:
        return con.execute(
            """
            select distinct c.hts_code, c.hs_section, c.pti_tags
            from marts.fct_entry_lines as l left join marts.dim_commodities as c using (hts_code)
            where l.filed_date < date '2025-10-01' order by all
            """
        ).df()


@pytest.mark.slow
def test_an_appended_day_through_tradewh_run_remeasures_only_the_periods_it_touches(tmp_path, monkeypatch, capsys):
    """Three days of FY2025Q4 loaded, then three days of FY2026Q1 appended: the second run re-measures FY2026 and
    FY2026Q1, and FY2025 only if the new exams relabelled the PTI tags of a code FY2025's lines use; then only
    its PTI breakouts may change. Either way the table equals a measurement of everything."""
    from tradewh.cli import main
    from warehouse.generator import generate

    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    generated, landing, warehouse = tmp_path / "generated", tmp_path / "landing", tmp_path / "w.duckdb"
    generate(generated, start=date(2025, 9, 27), days=8, scale=0.002, seed=7)

    def deliver(*days: str) -> None:
        for folder in generated.glob("*/*"):
            if folder.name in days:
                shutil.copytree(folder, landing / folder.parent.name / folder.name)

    deliver("2025-09-27", "2025-09-28", "2025-09-29")
    assert main(["run", "--warehouse", str(warehouse), "--landing", str(landing)]) == 0
    first, labels_before = _table(warehouse, compliance.TABLE), _labels_of_fy2025_codes(warehouse)
    deliver("2025-10-02", "2025-10-03", "2025-10-04")
    assert main(["run", "--warehouse", str(warehouse), "--landing", str(landing)]) == 0
    capsys.readouterr()

    instance = dg.DagsterInstance.from_config(str(tmp_path / "dagster"))
    runs = [r for r in instance.get_runs() if r.job_name == "warehouse_job"]
    assert len(runs) == 2  # newest first
    assert _remeasured(instance, runs[1].run_id) == {compliance.TABLE: ["all"], revenue_gap.TABLE: ["all"]}
    relabelled = not _labels_of_fy2025_codes(warehouse).equals(labels_before)
    expected = ["FY2025", "FY2025Q4", "FY2026", "FY2026Q1"] if relabelled else ["FY2026", "FY2026Q1"]
    assert _remeasured(instance, runs[0].run_id) == {compliance.TABLE: expected, revenue_gap.TABLE: expected}

    after = _table(warehouse, compliance.TABLE)
    assert set(after["period"]) == {"FY2025", "FY2025Q4", "FY2026", "FY2026Q1"}
    unchanged = [after, first] if not relabelled else [frame[frame["domain"] != "pti"] for frame in (after, first)]
    old = [frame[frame["period"].str.startswith("FY2025")].reset_index(drop=True) for frame in unchanged]
    _assert_same(*old)
    _assert_same(after, _from_scratch(warehouse)[compliance.TABLE])
