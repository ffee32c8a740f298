"""Clearance speed and its index on a small hand-built marts fixture whose medians, quantile intervals and index
are computed by hand below."""

import pandas as pd
import pytest

from warehouse.db import connect
from warehouse.metrics import clearance

# Entries: (period filing date, mode, goods type, hours from arrival to release, count). Filing-to-release is
# arrival-to-release minus 5 hours everywhere.
#   FY2025Q4: mode 11, A x30 at 10 h; B x40 at 20 h            (base period: weights v_A = 30, v_B = 40)
#   FY2026Q1: mode 40, A x35 at 12 h; B x30 at 30 h; mode 50, C x100 at 1..100 h (C is not in the base)
# Index FY2026Q1 = 100 * (30*12 + 40*30) / (30*10 + 40*20) = 100 * 1560 / 1100.
EXPECTED_INDEX = 100 * 1560 / 1100

FIXTURE_SQL = """
create schema marts;
create table marts.dim_dates as
    select date '2025-09-15' as date_day, 'FY2025' as fiscal_year_label, 4 as fiscal_quarter
    union all select date '2025-10-15', 'FY2026', 1;
create table marts.dim_commodities as
    select * from (values ('A000000000', 'A'), ('B000000000', 'B'), ('C000000000', 'C')) as t(hts_code, hs_section);
create table cells as
    select * from (values
        (date '2025-09-15', '11', 'A', 10.0, 30), (date '2025-09-15', '11', 'B', 20.0, 40),
        (date '2025-10-15', '40', 'A', 12.0, 35), (date '2025-10-15', '40', 'B', 30.0, 30)
    ) as t(filed_date, mode, goods, hours, n);
create table units as
    select filed_date, mode, goods, hours from cells, range(n)
    union all select date '2025-10-15', '50', 'C', cast(i as double) from range(1, 101) as r(i);
create table numbered as select row_number() over () as id, * from units;
create table marts.fct_entries as
    select 'E' || id as entry_number, mode as mode_of_transport, '2704' as port_code, filed_date from numbered
    union all select 'BAD', '50', '2704', date '2025-10-15'      -- a material discrepancy: not a compliant import
    union all select 'OPEN', '50', '2704', date '2025-10-15';    -- not released
create table marts.fct_entry_lines as
    select 'E' || id as entry_number, 1 as line_number, goods || '000000000' as hts_code,
        100.0 as entered_value_usd from numbered
    union all select 'BAD', 1, 'C000000000', 1.0 union all select 'OPEN', 1, 'C000000000', 1.0;
-- One B entry of the base period also has a cheaper line of goods A: its goods type stays B (highest value).
insert into marts.fct_entry_lines
    select entry_number, 2, 'A000000000', 10.0 from marts.fct_entry_lines
    where hts_code = 'B000000000' order by entry_number limit 1;
create table marts.mart_entry_lifecycle as
    select 'E' || id as entry_number, true as is_released, false as has_material_discrepancy,
        hours as arrival_to_release_hours, hours - 5 as filing_to_release_hours from numbered
    union all select 'BAD', true, true, 1000.0, 995.0
    union all select 'OPEN', false, null, null, null;
"""


@pytest.fixture
def con(tmp_path):
    connection = connect(tmp_path / "w.duckdb")
    connection.execute(FIXTURE_SQL)
    yield connection
    connection.close()


def _rows(frame, **where):
    for column, value in where.items():
        frame = frame[frame[column] == value]
    return frame


def test_only_released_entries_without_a_material_discrepancy_count(con):
    units = clearance.load_units(con)
    assert len(units) == 30 + 40 + 35 + 30 + 100
    assert units["arrival_to_release_hours"].max() == 100
    # The two-line entry is typed by its higher-value line.
    assert (units[units["fiscal_quarter_label"] == "FY2025Q4"]["goods_type"] == "B").sum() == 40


def test_medians_percentiles_and_order_statistic_intervals_match_hand_computation(con):
    speed = clearance.clearance_speed(con, clearance.load_units(con))
    mode50 = _rows(speed, period="FY2026Q1", domain="mode", domain_value="50").set_index("measure")
    # Hours 1..100: median 50.5; ranks 50 -/+ 1.96*5 -> floor(40.2) = 40 and ceil(59.8) + 1 = 61.
    median = mode50.loc["arrival_to_release_hours_median"]
    assert (median["estimate"], median["ci_low"], median["ci_high"], median["n_sampled"]) == (50.5, 40, 61, 100)
    assert median["std_error"] == pytest.approx((61 - 40) / 3.919927969)
    # p90: 90.1; ranks 90 -/+ 1.96*3 -> floor(84.12) = 84 and ceil(95.88) + 1 = 97.
    p90 = mode50.loc["arrival_to_release_hours_p90"]
    assert (p90["estimate"], p90["ci_low"], p90["ci_high"]) == (pytest.approx(90.1), 84, 97)
    assert mode50.loc["filing_to_release_hours_median", "estimate"] == 45.5
    goods = _rows(speed, period="FY2025", domain="goods_type").set_index(["measure", "domain_value"])
    assert goods.loc[("arrival_to_release_hours_median", "A"), "estimate"] == 10
    assert goods.loc[("arrival_to_release_hours_median", "B"), "estimate"] == 20
    assert goods.loc[("arrival_to_release_hours_median", "B"), "n_sampled"] == 40
    assert not speed["suppressed"].any()
    port = _rows(speed, period="FY2026Q1", domain="port", domain_value="2704").set_index("measure")
    # 35 x 12 h, 30 x 30 h and 1..100 h: the 83rd of 165 sorted values is 30.
    assert port.loc["arrival_to_release_hours_median", "n_sampled"] == 35 + 30 + 100
    assert port.loc["arrival_to_release_hours_median", "estimate"] == 30


def test_the_speed_index_is_base_weighted_medians_against_the_base_period(con):
    index = clearance.clearance_index(clearance.load_units(con))
    overall = _rows(index, domain="overall", period_kind="fiscal_quarter").set_index("period")
    assert overall.loc["FY2025Q4", "estimate"] == pytest.approx(100)
    assert overall.loc["FY2026Q1", "estimate"] == pytest.approx(EXPECTED_INDEX)
    assert overall.loc["FY2026Q1", "goods_types"] == 2  # C has no base-period median
    assert overall.loc["FY2026Q1", "n_sampled"] == 65
    yearly = _rows(index, domain="overall", period_kind="fiscal_year").set_index("period")
    assert yearly.loc["FY2026", "estimate"] == pytest.approx(EXPECTED_INDEX)
    assert set(index["base_period"]) >= {"FY2025Q4", "FY2025"}


def test_goods_types_with_too_few_entries_are_left_out_of_the_index():
    cells = pd.DataFrame(
        {
            "period": ["P1", "P1", "P2", "P2"],
            "goods_type": ["A", "B", "A", "B"],
            "median_hours": [10.0, 20.0, 15.0, 1000.0],
            "entries": [50, 50, 50, 5],  # B has 5 entries in P2: below MIN_SAMPLED, not compared
        }
    )
    result = clearance.speed_index(cells, "P1").set_index("period")
    assert result.loc["P2", "estimate"] == pytest.approx(150.0)
    assert result.loc["P2", "goods_types"] == 1
