"""The compliance-measurement design (warehouse/cm_design.py): bands, rates, AD/CVD coverage and its SQL form."""

import duckdb
import numpy as np
import pytest

from warehouse import cm_design


def test_value_bands_have_closed_lower_bounds():
    values = [0, 2_499.99, 2_500, 24_999, 25_000, 99_999.99, 100_000, 499_999, 500_000, 9e9]
    assert [cm_design.BANDS[b] for b in cm_design.band_of(values)] == [
        "low", "low", "mid", "mid", "high", "high", "vhigh", "vhigh", "top", "top",
    ]  # fmt: skip


def test_rates_multiply_base_group_and_band_factors_and_cap_at_take_all():
    rates = cm_design.rates(["V-low", "XI-mid", "XVI-top", "ADCVD-high", "ADCVD-vhigh", "ADCVD-top", "XI-top"])
    assert rates.tolist() == pytest.approx([0.006, 0.006 * 2 * 1.5, 0.006 * 60, 0.006 * 20 * 6, 1.0, 1.0, 0.72])


def test_adcvd_coverage_matches_headings_and_subheadings_and_refuses_longer_prefixes():
    hs6 = ["721049", "721090", "721300", "850440", "030389"]
    assert cm_design.covered_by_orders(hs6, ["7210", "850440"]).tolist() == [True, True, False, True, False]
    with pytest.raises(ValueError, match="longer than a subheading"):
        cm_design.covered_by_orders(hs6, ["7210490000"])


def test_the_sql_form_labels_lines_as_the_python_form_does():
    values = np.array([10.0, 2_500.0, 30_000.0, 250_000.0, 3e6])
    expression = cm_design.stratum_sql("v", "section", "covered")
    rows = duckdb.sql(
        f"select {expression} from (select unnest($v) as v, unnest($s) as section, unnest($c) as covered)",
        params={"v": values.tolist(), "s": ["I", "XI", "XVI", "V", "XV"], "c": [False, False, True, False, True]},
    ).fetchall()
    bands = [cm_design.BANDS[b] for b in cm_design.band_of(values)]
    expected = [f"{g}-{b}" for g, b in zip(["I", "XI", "ADCVD", "V", "ADCVD"], bands, strict=True)]
    assert [r[0] for r in rows] == expected == ["I-low", "XI-mid", "ADCVD-high", "V-vhigh", "ADCVD-top"]
