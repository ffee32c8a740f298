"""The contract module: check digits in Python and SQL agree, every rule compiles, docs stay generated."""

from __future__ import annotations

import random
import string

import pytest

from warehouse.contract import FEEDS, format_of
from warehouse.contract.docs import DOC_PATH, render_markdown
from warehouse.contract.identifiers import is_valid_entry_number, luhn_check_digit, make_entry_number
from warehouse.reference import load_reference


def test_check_digit_follows_luhn_with_letters_counted_by_alphabet_position():
    # J counts as 0 and A as 1, so "J" + digits behaves like "0" + digits and "K" like "1".
    assert luhn_check_digit("J001234567") == luhn_check_digit("0001234567")
    assert luhn_check_digit("K001234567") == luhn_check_digit("1001234567")
    # Classic Luhn example: payload 7992739871 has check digit 3.
    assert luhn_check_digit("7992739871") == 3


def test_python_and_sql_check_digits_agree_on_random_entry_numbers(raw_tables_con):
    rng = random.Random(7)
    alphabet = string.ascii_uppercase + string.digits
    numbers = []
    for _ in range(500):
        good = make_entry_number("".join(rng.choices(alphabet, k=3)), rng.randrange(10**7))
        bad = good[:-1] + str((int(good[-1]) + rng.randrange(1, 10)) % 10)
        numbers += [(good, True), (bad, False)]
    values = [n for n, _ in numbers]
    sql = raw_tables_con.execute("select tw_luhn_ok(n) from unnest(?) as t(n)", [values]).fetchall()
    assert [r[0] for r in sql] == [ok for _, ok in numbers]
    assert [is_valid_entry_number(n) for n in values] == [ok for _, ok in numbers]


@pytest.mark.parametrize("bad", ["ABC1234567-1", "abc-1234567-6", "ABC-123456-6", "ABC-1234567-X", ""])
def test_malformed_entry_numbers_are_invalid_in_both_implementations(raw_tables_con, bad):
    assert not is_valid_entry_number(bad)
    assert raw_tables_con.execute("select coalesce(tw_luhn_ok(?), false)", [bad]).fetchone()[0] is False


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("entries 2024-01-05 (1).csv", "csv"),
        ("../weird..name.CSV.GZ", "csv"),
        ("données.jsonl", "jsonl"),
        ("x.jsonl.gz", "jsonl"),
        ("part-0.parquet", "parquet"),
        ("notes.txt", None),
        ("archive.gz", None),
    ],
)
def test_format_is_taken_from_the_extension_only(name, expected):
    assert format_of(name) == expected


@pytest.mark.parametrize("feed", list(FEEDS.values()), ids=list(FEEDS))
def test_every_rule_of_every_feed_compiles_against_the_raw_table(raw_tables_con, feed):
    for rule in feed.rules:
        raw_tables_con.execute(f"select count(*) from raw.{feed.name} where {rule.violation_sql}").fetchall()
        assert rule.column in feed.column_names, rule.name


@pytest.mark.parametrize("feed", list(FEEDS.values()), ids=list(FEEDS))
def test_keys_and_header_columns_are_required_contract_columns(feed):
    for name in feed.key:
        assert feed.column(name).required, name
    assert set(feed.group_columns) <= set(feed.column_names)
    if feed.version_column:
        assert feed.column(feed.version_column).required


def test_docs_contract_md_is_the_rendering_of_the_contract_module():
    assert DOC_PATH.read_text(encoding="utf-8") == render_markdown(), "run: python -m warehouse.contract.docs"


def test_reference_data_keeps_namibia_leading_zeros_and_drops_the_byte_order_mark(raw_tables_con):
    assert raw_tables_con.execute("select name from reference.countries where iso2 = 'NA'").fetchone() == ("Namibia",)
    assert raw_tables_con.execute("select count(*) from reference.hs_codes where hscode = '0101'").fetchone() == (1,)
    assert raw_tables_con.execute("select count(*) from reference.ports where port_code = '0401'").fetchone()[0] == 1
    columns = [c[0] for c in raw_tables_con.execute("select * from reference.hs_sections limit 0").description]
    assert columns == ["section", "name"]
    counts = load_reference(raw_tables_con)
    assert counts == {"ports": 466, "countries": 249, "hs_codes": 6940, "hs_sections": 21, "mpf_limits": 10}


def test_every_warning_rule_and_business_rule_beyond_the_contract_is_a_finding_in_the_mart():
    """The contract's warning rules and the suites' warning checks are the findings analysts see: each has a rule of
    the same name in marts.fct_findings, and the mart has no rule that is neither."""
    import re
    from pathlib import Path

    from expectations.feeds import EXTRA_RULES

    warnings = {rule.name for feed in FEEDS.values() for rule in feed.warning_rules}
    warnings |= {extra.name for extras in EXTRA_RULES.values() for extra in extras if extra.severity == "warning"}
    sql = (Path(__file__).parents[1] / "dbt_project/models/marts/core/fct_findings.sql").read_text(encoding="utf-8")
    in_mart = set(re.findall(r"'(\w+)' as rule_name", sql))
    # The one finding no suite can check: an entry the fee table cannot judge.
    assert in_mart - warnings == {"mpf_limits_unknown"}
    assert warnings <= in_mart


def test_mpf_limits_cover_every_day_from_fiscal_year_2010_to_the_table_end_without_gaps():
    import itertools
    from datetime import date, timedelta

    from warehouse.contract.fees import COVERED_UNTIL, MPF_LIMITS, mpf_limits_on, mpf_limits_rows

    assert MPF_LIMITS[0].effective_on == date(2009, 10, 1)
    assert mpf_limits_on(date(2009, 9, 30)) is None
    assert mpf_limits_on(COVERED_UNTIL + timedelta(days=1)) is None
    # FY2018's limits took effect on January 1, 2018, not October 1, 2017.
    assert mpf_limits_on(date(2017, 12, 31)).minimum_usd == 25.00
    assert mpf_limits_on(date(2018, 1, 1)).minimum_usd == 25.67
    assert mpf_limits_on(date(2025, 9, 30)).minimum_usd == 32.71
    assert mpf_limits_on(date(2025, 10, 1)).minimum_usd == 33.58
    rows = mpf_limits_rows()
    assert all(row[1] == following[0] for row, following in itertools.pairwise(rows))
    assert rows[-1][1] == COVERED_UNTIL + timedelta(days=1)
    assert all(low < high for _, _, low, high, _ in rows) and all(source for *_, source in rows)
    # Never lower than the year before: the FAST Act adjusts them for inflation only upwards.
    assert [r[2] for r in rows] == sorted(r[2] for r in rows) and [r[3] for r in rows] == sorted(r[3] for r in rows)
