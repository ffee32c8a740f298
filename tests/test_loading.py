"""The loader against real DuckDB files: formats, idempotency, versions, every check of the contract, quarantine.

Rows are built from the contract itself: `valid_row` (tests/feed_deliveries.py) makes a row that passes every check
of a feed from its Column definitions, and the column checks to test are derived from the same definitions, so a
column or rule added to the contract is tested (or, for a cross-field rule without a corruption below, fails a
test) automatically.
"""

from __future__ import annotations

import gzip
import json
import shutil
from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from feed_deliveries import (
    DAY,
    WRITERS,
    Warehouse,
    deliver,
    valid_row,
    write_csv,
)

from warehouse.contract import FEEDS
from warehouse.loading import (
    discover,
    discover_problems,
    load_partitions,
    reconcile,
)
from warehouse.loading import partition as partition_module

# ---------------------------------------------------------------------------------------------------------------
# Formats


@pytest.mark.parametrize("fmt", list(WRITERS))
@pytest.mark.parametrize("feed", list(FEEDS))
def test_every_feed_and_format_round_trips_a_valid_row(wh, feed, fmt):
    row = valid_row(feed)
    deliver(wh.landing, feed, [row], fmt=fmt)
    result = wh.load(feed)
    assert wh.quarantine() == []
    assert (result.files_loaded, result.rows_read, result.rows_loaded, result.rows_warned) == (1, 1, 1, 0)
    key = FEEDS[feed].key[0]
    assert wh.rows(f"select {key}::VARCHAR, _row_number, _delivery_date from raw.{feed}") == [(row[key], 1, DAY)]
    assert reconcile(wh.con) == []


def test_values_are_typed_and_codes_keep_their_text(wh):
    row = valid_row("entries") | {"port_code": "0401", "country_of_origin": "NA", "hts_code": "0101210000"}
    deliver(wh.landing, "entries", [row], name="bom.csv")
    (wh.landing / "entries" / DAY.isoformat() / "bom.csv").unlink()
    write_csv(wh.landing / "entries" / DAY.isoformat() / "bom.csv", [row], bom=True)
    wh.load("entries")
    assert wh.quarantine() == []
    got = wh.rows(
        "select entry_number, port_code, country_of_origin, hts_code, filed_at, released_at, duty_rate, "
        "related_party from raw.entries"
    )[0]
    assert got[:4] == (row["entry_number"], "0401", "NA", "0101210000")
    assert got[4].isoformat() == "2024-01-15T10:00:00+00:00"
    assert got[5].isoformat() == "2024-01-16T06:30:00+00:00"  # the +02:00 offset was kept, then stored as UTC
    assert str(got[6]) == "0.050000"
    assert got[7] is True


def test_typed_parquet_columns_are_read_as_contract_text(wh):
    import datetime as dt

    row = valid_row("audits")
    columns = {c: pa.array([row[c]], pa.string()) for c in row}
    columns["hours"] = pa.array([12.75], pa.float64())
    columns["lines_reviewed"] = pa.array([100], pa.int64())
    columns["period_start"] = pa.array([dt.date(2023, 1, 1)], pa.date32())
    columns["cip_required"] = pa.array([True], pa.bool_())
    stamp = dt.datetime(2024, 1, 15, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    columns["updated_at"] = pa.array([stamp], pa.timestamp("us", tz="America/New_York"))
    columns["revenue_loss_usd"] = pa.array([1e6], pa.float64())  # would print as 1e+06 if cast naively
    columns["collected_usd"] = pa.array([400.1], pa.float64())
    path = wh.landing / "audits" / DAY.isoformat() / "typed.parquet"
    path.parent.mkdir(parents=True)
    pq.write_table(pa.table(columns), path)
    wh.load("audits")
    assert wh.quarantine() == []
    got = wh.rows(
        "select hours::VARCHAR, lines_reviewed, period_start, cip_required, updated_at, revenue_loss_usd::VARCHAR, "
        "collected_usd::VARCHAR from raw.audits"
    )[0]
    assert got[0] == "12.750" and got[1] == 100 and got[2] == dt.date(2023, 1, 1) and got[3] is True
    assert got[4] == stamp
    assert got[5:] == ("1000000.00", "400.10")


def test_a_naive_parquet_timestamp_is_a_type_error(wh):
    import datetime as dt

    row = valid_row("rules")
    del row["created_on"]
    columns = {c: pa.array([row[c]], pa.string()) for c in row}
    columns["created_on"] = pa.array([dt.datetime(2024, 1, 1)], pa.timestamp("us"))
    path = wh.landing / "rules" / DAY.isoformat() / "naive.parquet"
    path.parent.mkdir(parents=True)
    pq.write_table(pa.table(columns), path)
    wh.load("rules")
    [q] = wh.quarantine()
    assert (q["column_name"], q["rule"]) == ("created_on", "type")


# ---------------------------------------------------------------------------------------------------------------
# Idempotency and versions


def test_the_same_file_twice_loads_once_under_any_name_or_day(wh):
    path = deliver(wh.landing, "audits", [valid_row("audits")], name="a.csv")
    copy = wh.landing / "audits" / "2024-01-16" / "another name.csv"
    copy.parent.mkdir(parents=True)
    shutil.copyfile(path, copy)
    shutil.copyfile(path, path.with_name("same day.csv"))
    first = wh.load("audits")
    second = wh.load("audits", date(2024, 1, 16))
    assert (first.files_loaded, first.files_skipped, second.files_skipped) == (1, 1, 1)
    assert wh.one("select count(*) from raw.audits") == 1
    assert wh.rows("select status, count(*) from ops.load_log group by all order by 1") == [
        ("duplicate", 2),
        ("loaded", 1),
    ]


def test_rerunning_a_partition_changes_nothing(wh):
    deliver(wh.landing, "entries", [valid_row("entries", i) for i in range(3)], name="good.csv")
    bad = valid_row("entries", 9) | {"port_code": "99"}
    deliver(wh.landing, "entries", [bad, valid_row("entries", 10)], name="mixed.jsonl", fmt="jsonl")
    (wh.landing / "entries" / DAY.isoformat() / "notes.txt").write_text("not a feed file")

    def counts():
        return [
            wh.one(f"select count(*) from {t}")
            for t in ("raw.entries", "ops.quarantine", "ops.row_warnings", "ops.files")
        ]

    first = wh.load("entries")
    before = counts()
    second = wh.load("entries")
    assert counts() == before == [4, 1, 0, 2]
    assert (first.files_loaded, first.files_unsupported) == (2, 1)
    assert (second.files_loaded, second.files_skipped, second.rows_read) == (0, 2, 0)
    assert reconcile(wh.con) == []


def test_a_higher_entry_version_supersedes_every_line_and_history_is_kept(wh):
    v1 = [valid_row("entries") | {"line_number": str(n)} for n in (1, 2, 3)]
    deliver(wh.landing, "entries", v1, name="v1.csv")
    wh.load("entries")
    v2 = [valid_row("entries") | {"entry_version": "2", "line_number": "1", "quantity": "7.000"}]
    deliver(wh.landing, "entries", v2, name="v2.csv", day=DAY + timedelta(days=1))
    wh.load("entries", DAY + timedelta(days=1))
    assert wh.rows("select entry_version, line_number, quantity::VARCHAR from raw.entries_current") == [(2, 1, "7.000")]
    assert wh.one("select count(*) from raw.entries") == 4


def test_an_older_entry_version_delivered_late_does_not_win(wh):
    deliver(wh.landing, "entries", [valid_row("entries") | {"entry_version": "2"}], name="v2.csv")
    wh.load("entries")
    late = [valid_row("entries") | {"line_number": str(n)} for n in (1, 2)]
    deliver(wh.landing, "entries", late, name="v1.csv", day=DAY + timedelta(days=1))
    wh.load("entries", DAY + timedelta(days=1))
    assert wh.rows("select entry_version, line_number from raw.entries_current") == [(2, 1)]


@pytest.mark.parametrize("feed", ["audits", "seizures", "penalties"])
def test_the_latest_updated_at_wins(wh, feed):
    key = FEEDS[feed].key[0]
    newer = valid_row(feed) | {"updated_at": "2024-01-20T00:00:00Z"}
    older = valid_row(feed) | {"updated_at": "2024-01-18T00:00:00Z"}
    deliver(wh.landing, feed, [newer], name="newer.csv")
    wh.load(feed)
    deliver(wh.landing, feed, [older], name="older.csv", day=DAY + timedelta(days=1))
    wh.load(feed, DAY + timedelta(days=1))
    current = wh.rows(f"select {key}, updated_at::VARCHAR from raw.{feed}_current")
    assert current == [(newer[key], "2024-01-20 00:00:00+00")]
    assert wh.one(f"select count(*) from raw.{feed}") == 2


# ---------------------------------------------------------------------------------------------------------------
# Every check of the contract


def column_corruptions(feed_name: str) -> list[tuple[str, str, str | None]]:
    """(column, rule, bad value) for every column check the contract declares on the feed."""
    cases = []
    for column in FEEDS[feed_name].columns:
        if column.required:
            cases.append((column.name, "required", None))
        if column.type != "string":
            cases.append(
                (
                    column.name,
                    "type",
                    {"date": "2024/01/15", "timestamp": "2024-01-15T10:00:00"}.get(
                        column.type, "1,000" if column.type == "decimal" else "yes"
                    ),
                )
            )
        if column.codes:
            cases.append((column.name, "code_list", "not_a_code"))
        if column.pattern:
            cases.append((column.name, "format", "bad value"))
        if column.minimum is not None:
            below = column.minimum - 1
            cases.append((column.name, "range", str(int(below)) if column.type == "integer" else f"{below:.2f}"))
        if column.maximum is not None:
            cases.append((column.name, "range", f"{column.maximum + 1:.2f}"))
        if column.reference:
            cases.append((column.name, "unknown_reference", {"port": "9999", "country": "QQ"}[column.reference]))
    return cases


# One corruption per cross-field rule: the changes that make a valid row break exactly that rule.
RULE_CORRUPTIONS: dict[str, dict[str, dict]] = {
    "entries": {
        "entry_number_check_digit": {"entry_number": "bad check digit"},
        "filer_code_matches_entry_number": {"filer_code": "XYZ"},
        "released_before_filing": {"released_at": "2024-01-01T00:00:00Z"},
        "duty_matches_rate": {"duty_usd": "10.00"},
        "adcvd_case_on_adcvd_entry": {"entry_type": "03"},
        "hmf_on_vessel_only": {"mode_of_transport": "40"},
        "hts_subheading_unknown": {"hts_code": "9801001000"},
    },
    "exams": {
        "entry_number_check_digit": {"entry_number": "bad check digit"},
        "rule_id_on_targeting_rule": {"selection_reason": "targeting_rule", "rule_id": None},
        "cm_stratum_on_cm_random": {"cm_stratum": None},
        "cm_weight_on_cm_random": {"cm_weight": "0.5"},
        "completed_at_before_started_at": {"completed_at": "2024-01-15T09:00:00Z"},
        "discrepancy_type_on_discrepancy": {"result": "discrepancy", "discrepancy_type": None},
        "material_without_discrepancy": {"material": "true"},
        "correct_duty_without_discrepancy": {"correct_duty_usd": "60.00"},
        "rule_id_unknown": {"rule_id": "R-NOT-IN-CATALOGUE"},
    },
    "audits": {
        "period_end_before_period_start": {"period_end": "2022-12-31"},
        "closed_on_before_opened_on": {"closed_on": "2024-01-01"},
        "discrepancies_exceed_lines": {"discrepancies_found": "101"},
        "collected_above_loss": {"collected_usd": "600.00"},
    },
    "seizures": {
        "entry_number_check_digit": {"entry_number": "bad check digit"},
        "msrp_below_domestic_value": {"msrp_usd": "500.00"},
    },
    "penalties": {
        "entry_number_check_digit": {"entry_number": "bad check digit"},
        "culpability_on_1592": {"culpability": None},
        "opened_on_before_violation_date": {"opened_on": "2023-01-01"},
        "mitigated_above_assessed": {"mitigated_usd": "25000.00"},
        "assessed_above_statutory_maximum": {"assessed_usd": "20000.01"},
        "collected_above_mitigated": {"collected_usd": "15000.01"},
    },
    "programs": {"left_on_before_enrolled_on": {"left_on": "2023-12-31"}},
}


def _corrupt(row: dict, changes: dict) -> dict:
    row = dict(row)
    for column, value in changes.items():
        if value == "bad check digit":
            good = row[column]
            value = good[:-1] + str((int(good[-1]) + 1) % 10)
        row[column] = value
    return row


def test_every_cross_field_rule_of_the_contract_has_a_corruption():
    for feed in FEEDS.values():
        assert set(RULE_CORRUPTIONS.get(feed.name, {})) == {r.name for r in feed.rules}, feed.name


def _violations(q: dict) -> set[tuple[str, str]]:
    return {(v["column_name"], v["rule"]) for v in q["violations"]}


@pytest.mark.parametrize("feed", list(FEEDS))
def test_every_column_check_and_error_rule_quarantines_its_row(wh, feed):
    """Row i of one file breaks check i; each must land in quarantine naming that rule and column."""
    cases = [(column, rule, {column: value}) for column, rule, value in column_corruptions(feed)]
    rules = {r.name: r for r in FEEDS[feed].error_rules}
    cases += [
        (rules[name].column, name, changes) for name, changes in RULE_CORRUPTIONS.get(feed, {}).items() if name in rules
    ]
    rows = [_corrupt(valid_row(feed, i), changes) for i, (_, _, changes) in enumerate(cases)]
    rows.append(valid_row(feed, len(cases)))
    deliver(wh.landing, feed, rows)
    result = wh.load(feed)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (len(rows), 1, len(cases))
    by_row = {q["row_number"]: q for q in wh.quarantine()}
    for i, (column, rule, changes) in enumerate(cases):
        q = by_row.get(i + 1)
        assert q is not None, f"{feed}: {rule} on {column} with {changes} was loaded"
        assert (column, rule) in _violations(q), f"{feed} row {i + 1}: expected {rule} on {column}, got {q}"
        assert q["reason"].startswith(f"row {i + 1}: ") and len(q["reason"]) <= 200
        assert q["rule"] in q["reason"] and (q["column_name"] or "-") in q["reason"]
    assert reconcile(wh.con) == []


def test_a_quarantined_row_lists_all_its_violations_and_raw_text(wh):
    row = valid_row("seizures") | {"quantity": "-3", "pti": "nope", "seized_on": "yesterday"}
    deliver(wh.landing, "seizures", [row])
    wh.load("seizures")
    [q] = wh.quarantine()
    assert _violations(q) == {("seized_on", "type"), ("pti", "code_list"), ("quantity", "range")}
    assert (q["column_name"], q["rule"]) == ("seized_on", "type")  # the first in contract column order
    assert json.loads(q["raw_values"])["quantity"] == "-3"
    assert "and 2 more" in q["reason"]
    detail = wh.one("select detail from ops.quarantine")
    assert "seized_on type: " in detail and "pti code_list: " in detail and "quantity range: " in detail


@pytest.mark.parametrize("feed", [name for name, f in FEEDS.items() if f.warning_rules])
def test_warning_rules_load_the_row_and_record_a_warning(wh, feed):
    for rule in FEEDS[feed].warning_rules:
        deliver(
            wh.landing, feed, [_corrupt(valid_row(feed), RULE_CORRUPTIONS[feed][rule.name])], name=f"{rule.name}.csv"
        )
    result = wh.load(feed)
    names = [r.name for r in FEEDS[feed].warning_rules]
    assert (result.rows_loaded, result.rows_quarantined, result.rows_warned) == (len(names), 0, len(names))
    assert sorted(r[0] for r in wh.rows("select rule from ops.row_warnings")) == sorted(names)


def test_duplicate_keys_beyond_the_first_are_quarantined(wh):
    row = valid_row("audits")
    other_version = row | {"updated_at": "2024-01-16T00:00:00Z"}
    deliver(wh.landing, "audits", [row, row, other_version, row])
    result = wh.load("audits")
    assert (result.rows_loaded, result.rows_quarantined) == (2, 2)
    assert [(q["row_number"], q["rule"]) for q in wh.quarantine()] == [(2, "duplicate_key"), (4, "duplicate_key")]


def test_an_entry_version_whose_header_disagrees_is_quarantined_whole(wh):
    lines = [valid_row("entries") | {"line_number": str(n)} for n in (1, 2, 3)]
    lines[1]["port_code"] = "0401"
    other = valid_row("entries", 5)
    deliver(wh.landing, "entries", [*lines, other])
    result = wh.load("entries")
    assert (result.rows_loaded, result.rows_quarantined) == (1, 3)
    assert {(q["row_number"], q["column_name"], q["rule"]) for q in wh.quarantine()} == {
        (n, "port_code", "header_consistency") for n in (1, 2, 3)
    }


# ---------------------------------------------------------------------------------------------------------------
# Broken records and files


def test_malformed_csv_records_are_quarantined_and_numbered_as_records(wh):
    row = valid_row("rules")
    columns = list(row)
    good = ",".join(f'"{row[c]}"' for c in columns)
    multiline = good.replace(f'"{row["description"]}"', '"two\nlines"')
    text = "\n".join(
        [
            ",".join(columns),
            good.replace("RULE_ID-0", "A"),
            multiline.replace("RULE_ID-0", "B"),
            "only,three,fields",
            good.replace("RULE_ID-0", "C"),
            'x,"bad"quote,' + good,
            good.replace("RULE_ID-0", "D"),
        ]
    )
    path = wh.landing / "rules" / DAY.isoformat() / "broken.csv"
    path.parent.mkdir(parents=True)
    path.write_text(text + "\n")
    result = wh.load("rules")
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (6, 4, 2)
    assert wh.rows("select rule_id, _row_number from raw.rules order by 2") == [("A", 1), ("B", 2), ("C", 4), ("D", 6)]
    assert [(q["row_number"], q["rule"]) for q in wh.quarantine()] == [(3, "malformed_record"), (5, "malformed_record")]
    assert "only,three,fields" in json.loads(wh.quarantine()[0]["raw_values"])["record"]
    assert reconcile(wh.con) == []


def test_jsonl_lines_that_are_not_objects_are_quarantined_by_line_number(wh):
    rows = [valid_row("rules", i) for i in range(3)]
    path = wh.landing / "rules" / DAY.isoformat() / "r.jsonl.gz"
    path.parent.mkdir(parents=True)
    lines = [json.dumps(rows[0]), "[1, 2]", "", "{not json", json.dumps(rows[1] | {"note": {"a": 1}}), "null"]
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    result = wh.load("rules")
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (5, 2, 3)
    assert wh.rows("select _row_number from raw.rules order by 1") == [(1,), (5,)]
    assert [(q["row_number"], q["rule"]) for q in wh.quarantine()] == [(n, "malformed_record") for n in (2, 4, 6)]
    assert result.extra_columns == {"note": 1}
    assert json.loads(wh.one("select _extra from raw.rules where _row_number = 5")) == {"note": {"a": 1}}


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("bad.csv.gz", b"this is not gzip"),
        ("garbage.csv", bytes(range(256)) * 20),
        ("garbage.jsonl", b"\x00\x01\x02" * 100),
        ("not.parquet", b"PAR1 but not really"),
        ("empty.csv", b""),
        ("nul in header.csv", b"rule_id,\x00\n"),
    ],
)
def test_an_unreadable_file_is_quarantined_whole_and_the_others_still_load(wh, name, content):
    deliver(wh.landing, "importers", [valid_row("importers")], name="a good one.csv")
    bad = wh.landing / "importers" / DAY.isoformat() / name
    bad.write_bytes(content)
    result = wh.load("importers")
    assert (result.files_seen, result.files_loaded, result.files_unreadable, result.rows_loaded) == (2, 1, 1, 1)
    status, message, sha = wh.rows("select status, message, file_sha256 from ops.load_log where path = ?", [str(bad)])[
        0
    ]
    assert status == "unreadable" and message
    assert (wh.quarantine_dir / sha / name.replace(" ", "_")).read_bytes() == content


def test_a_file_without_a_contract_extension_is_kept_in_quarantine(wh):
    deliver(wh.landing, "rules", [valid_row("rules")])
    odd = wh.landing / "rules" / DAY.isoformat() / "rules.xlsx"
    odd.write_bytes(b"spreadsheet")
    result = wh.load("rules")
    assert (result.files_loaded, result.files_unsupported) == (1, 1)
    [(sha,)] = wh.rows("select file_sha256 from ops.load_log where status = 'unsupported_format'")
    assert (wh.quarantine_dir / sha / "rules.xlsx").read_bytes() == b"spreadsheet"


def test_unknown_extra_columns_are_kept_and_reported(wh):
    rows = [valid_row("programs", i) | {"source_system": f"S{i}", "note": None} for i in range(2)]
    deliver(wh.landing, "programs", rows)
    result = wh.load("programs")
    assert result.extra_columns == {"source_system": 2, "note": 0}
    assert json.loads(wh.one("select extra_columns from ops.load_log")) == {"source_system": 2, "note": 0}
    assert json.loads(wh.one("select _extra from raw.programs where _row_number = 2")) == {
        "source_system": "S1",
        "note": None,
    }


def test_a_jsonl_line_without_a_required_key_is_quarantined(wh):
    """JSONL has no header (keys vary per line): a missing key is that line's `required` violation."""
    rows = [valid_row("rules", i) for i in range(2)]
    del rows[1]["description"]
    deliver(wh.landing, "rules", rows, fmt="jsonl")
    result = wh.load("rules")
    assert (result.rows_loaded, result.rows_quarantined, result.files_rejected) == (1, 1, 0)
    assert {(q["row_number"], q["column_name"], q["rule"]) for q in wh.quarantine()} == {(2, "description", "required")}


@pytest.mark.parametrize(
    "name",
    ["with spaces.csv", "quote ' and \" .csv", "ünïcødé 日本.csv", "..csv", "star*[x]?.csv", "a;drop table x.csv"],
)
def test_hostile_file_names_load(wh, name):
    deliver(wh.landing, "rules", [valid_row("rules")], name=name)
    result = wh.load("rules")
    assert (result.files_loaded, result.rows_loaded) == (1, 1)
    assert wh.one("select path from ops.load_log") == str(wh.landing / "rules" / DAY.isoformat() / name)


# ---------------------------------------------------------------------------------------------------------------
# Discovery


def test_discover_finds_partitions_and_reports_what_does_not_fit(tmp_path):
    landing = tmp_path / "landing"
    deliver(landing, "entries", [valid_row("entries")], day=date(2024, 1, 2))
    deliver(landing, "entries", [valid_row("entries")], day=date(2024, 1, 1))
    deliver(landing, "audits", [valid_row("audits")])
    (landing / "entries" / "2024-01-03").mkdir()  # empty: no partition
    (landing / "entries" / "not-a-date").mkdir()
    (landing / "entries" / "2024-02-30").mkdir()
    (landing / "mystery").mkdir()
    (landing / "stray.csv").write_text("x")
    assert discover(landing) == {"audits": [DAY], "entries": [date(2024, 1, 1), date(2024, 1, 2)]}
    problems = "\n".join(discover_problems(landing))
    assert "not-a-date" in problems and "2024-02-30" in problems and "mystery" in problems and "stray.csv" in problems


def test_loading_an_empty_partition_does_nothing(wh):
    result = wh.load("entries", date(2030, 1, 1))
    assert result.files_seen == 0 and result.to_metadata()["delivery_date"] == "2030-01-01"


# ---------------------------------------------------------------------------------------------------------------
# Batches: many files of many days in one typing pass and one transaction


DAYS = [DAY + timedelta(days=n) for n in range(4)]


def deliver_several_days(landing: Path) -> None:
    """Days of entries with good rows, bad rows, duplicate keys and disagreeing headers (within a file and, which
    is no error, across files), a malformed record, extra columns, an unreadable file, an unsupported one, and the
    same bytes twice in one day and again on a later day."""
    lines = [valid_row("entries", 1) | {"line_number": str(n)} for n in (1, 2, 3)]
    deliver(landing, "entries", lines, name="a.csv", day=DAYS[0])
    # The same entry version in another file of the same day: not a duplicate key (keys are unique per file).
    deliver(landing, "entries", lines[:1], name="b.jsonl", day=DAYS[0], fmt="jsonl")
    disagree = [dict(row) for row in lines]
    disagree[1]["port_code"] = "0401"
    dup = valid_row("entries", 2)
    bad = valid_row("entries", 3) | {"port_code": "99", "quantity": "lots"}
    deliver(landing, "entries", [*disagree, dup, dup, bad], name="c.csv", day=DAYS[1])
    extra = [valid_row("entries", 4) | {"source": "S", "line_number": str(n)} for n in (1, 2)]
    path = deliver(landing, "entries", extra, name="d.csv", day=DAYS[1])
    header, first, second = path.read_text().splitlines()
    path.write_text("\n".join([header, first, "only,three,fields", second]) + "\n")
    shutil.copyfile(path, path.with_name("d again.csv"))
    (landing / "entries" / DAYS[1].isoformat() / "broken.csv.gz").write_bytes(b"not gzip")
    (landing / "entries" / DAYS[1].isoformat() / "notes.txt").write_text("not a feed file")
    deliver(landing, "entries", [valid_row("entries", 5)], name="e.parquet", day=DAYS[2], fmt="parquet")
    later = landing / "entries" / DAYS[3].isoformat() / "d.csv"
    later.parent.mkdir(parents=True)
    shutil.copyfile(path, later)


def warehouse_content(con) -> dict[str, list[tuple]]:
    """Everything the loader writes, minus timestamps, in a stable order."""
    queries = {
        "raw": "select * exclude (_loaded_at) from raw.entries order by _file_sha256, _row_number",
        "quarantine": "select * exclude (quarantined_at) from ops.quarantine order by file_sha256, row_number",
        "warnings": "select * exclude (warned_at) from ops.row_warnings order by all",
        "load_log": "select * exclude (started_at, finished_at) from ops.load_log order by load_id",
        "files": "select * exclude (loaded_at) from ops.files order by file_sha256",
    }
    return {name: con.execute(sql).fetchall() for name, sql in queries.items()}


@pytest.fixture
def two_warehouses(tmp_path, template_db):
    """Two warehouses reading the same landing folder and sharing the quarantine folder."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    one, other = Warehouse(tmp_path / "a", template_db), Warehouse(tmp_path / "b", template_db)
    other.landing, other.quarantine_dir = one.landing, one.quarantine_dir
    yield one, other
    one.con.close()
    other.con.close()


def test_days_loaded_in_one_batch_equal_the_days_loaded_one_by_one(two_warehouses):
    by_day, batched = two_warehouses
    deliver_several_days(by_day.landing)
    one_by_one = [by_day.load("entries", day) for day in DAYS]
    events = []
    in_batch = load_partitions(batched.con, batched.landing, "entries", DAYS, batched.quarantine_dir, events.append)
    assert warehouse_content(batched.con) == warehouse_content(by_day.con)
    assert [r.to_metadata() for r in in_batch] == [r.to_metadata() for r in one_by_one]
    assert batched.one("select count(distinct _loaded_at) from raw.entries") == 1  # one transaction
    assert (events[-1].batches_committed, events[-1].days_staged, events[-1].files_seen) == (1, 4, 9)
    first, second = in_batch[:2]
    assert (first.files_loaded, first.rows_loaded, first.rows_quarantined) == (2, 4, 0)
    assert (second.files_loaded, second.files_skipped, second.files_unreadable, second.files_unsupported) == (
        2,
        1,
        1,
        1,
    )
    assert in_batch[3].files_skipped == 1
    rules = batched.rows("select rule, count(*) from ops.quarantine group by all order by 1")
    assert rules == [("duplicate_key", 1), ("format", 1), ("header_consistency", 3), ("malformed_record", 1)]
    assert reconcile(batched.con) == []


def test_small_batches_give_the_same_content_as_one_batch(two_warehouses):
    one_batch, small = two_warehouses
    deliver_several_days(one_batch.landing)
    load_partitions(one_batch.con, one_batch.landing, "entries", DAYS, one_batch.quarantine_dir)
    results = load_partitions(small.con, small.landing, "entries", DAYS, small.quarantine_dir, batch_files=2)
    assert warehouse_content(small.con) == warehouse_content(one_batch.con)
    assert small.one("select count(distinct _loaded_at) from raw.entries") > 1
    assert sum(r.files_seen for r in results) == 9
    assert reconcile(small.con) == []


def test_the_same_bytes_twice_in_one_batch_load_once(wh):
    path = deliver(wh.landing, "audits", [valid_row("audits")], name="a.csv", day=DAYS[0])
    later = wh.landing / "audits" / DAYS[1].isoformat() / "z.csv"
    later.parent.mkdir(parents=True)
    shutil.copyfile(path, later)
    shutil.copyfile(path, path.with_name("b.csv"))
    results = load_partitions(wh.con, wh.landing, "audits", DAYS[:2], wh.quarantine_dir)
    assert [(r.files_loaded, r.files_skipped) for r in results] == [(1, 1), (0, 1)]
    assert wh.one("select count(*) from raw.audits") == 1
    log = wh.rows("select path, status, message from ops.load_log order by load_id")
    assert [(Path(p).name, s) for p, s, _ in log] == [
        ("a.csv", "loaded"),
        ("b.csv", "duplicate"),
        ("z.csv", "duplicate"),
    ]
    assert str(path) in log[1][2] and str(path) in log[2][2]
    assert wh.rows("select path from ops.files") == [(str(path),)]


def test_a_batch_that_fails_leaves_nothing_and_a_rerun_loads_everything(wh, monkeypatch):
    deliver_several_days(wh.landing)
    real_route = partition_module.route

    def route_then_fail(*args, **kwargs):
        real_route(*args, **kwargs)  # rows are written inside the transaction, then the batch fails
        raise RuntimeError("crash in the middle of the batch")

    monkeypatch.setattr(partition_module, "route", route_then_fail)
    with pytest.raises(RuntimeError, match="crash"):
        load_partitions(wh.con, wh.landing, "entries", DAYS, wh.quarantine_dir)
    for table in ("raw.entries", "ops.quarantine", "ops.row_warnings", "ops.load_log", "ops.files"):
        assert wh.one(f"select count(*) from {table}") == 0, table
    monkeypatch.setattr(partition_module, "route", real_route)
    results = load_partitions(wh.con, wh.landing, "entries", DAYS, wh.quarantine_dir)
    assert sum(r.files_loaded for r in results) == 5
    assert sum(r.rows_read for r in results) == wh.one("select sum(rows_read) from ops.files") == 14
    assert reconcile(wh.con) == []


def test_a_failed_batch_keeps_the_batches_committed_before_it(wh, monkeypatch):
    deliver_several_days(wh.landing)
    real_route = partition_module.route
    calls = []

    def fail_second(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("crash in the second batch")
        return real_route(*args, **kwargs)

    monkeypatch.setattr(partition_module, "route", fail_second)
    with pytest.raises(RuntimeError):
        load_partitions(wh.con, wh.landing, "entries", DAYS, wh.quarantine_dir, batch_files=2)
    assert wh.rows("select status from ops.load_log order by load_id") == [("loaded",), ("loaded",)]
    monkeypatch.setattr(partition_module, "route", real_route)
    load_partitions(wh.con, wh.landing, "entries", DAYS, wh.quarantine_dir, batch_files=2)
    assert wh.one("select count(*) from ops.files") == 5
    assert reconcile(wh.con) == []


def test_big_files_loaded_on_their_own_give_the_same_content(two_warehouses, monkeypatch):
    """A file of SOLO_BYTES or more is a batch of its own, typed straight from its reader's tables."""
    batched, solo = two_warehouses
    deliver_several_days(batched.landing)
    load_partitions(batched.con, batched.landing, "entries", DAYS, batched.quarantine_dir)
    monkeypatch.setattr(partition_module, "SOLO_BYTES", 1)
    results = load_partitions(solo.con, solo.landing, "entries", DAYS, solo.quarantine_dir)
    assert warehouse_content(solo.con) == warehouse_content(batched.con)
    assert solo.one("select count(distinct _loaded_at) from raw.entries") == 5
    assert sum(r.files_seen for r in results) == 9
    assert reconcile(solo.con) == []
