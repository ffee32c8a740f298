"""Every delivery accounted for with a readable reason: files rejected by their header, folders that are not a
date, bounded quarantine reasons, and a byte of another encoding quarantining its own row wherever it sits.

Real DuckDB files and the real loader, on small files built from the contract (`feed_deliveries.valid_row`)."""

from __future__ import annotations

import csv
import gzip
import io
import json

import dagster as dg
import duckdb
import pytest
from feed_deliveries import DAY, deliver, valid_row, write_csv

from orchestration.resources import WarehouseResource
from warehouse.contract import FEEDS
from warehouse.db import connect
from warehouse.loading import ensure_schema, load_partition, reconcile, record_rejected_folders
from warehouse.loading.header import header_problem
from warehouse.loading.ops_tables import OPS_DDL

# ---------------------------------------------------------------------------------------------------------------
# A header without a required column: the file is rejected whole, with one reason


@pytest.mark.parametrize("name", ["entries.csv", "entries.csv.gz"])
def test_a_header_missing_a_required_column_rejects_the_file_whole(wh, name):
    rows = [valid_row("entries", i) | {"line_number": "1"} for i in range(3)]
    columns = ["entry_no" if c == "entry_number" else c for c in rows[0]]
    renamed = [{("entry_no" if k == "entry_number" else k): v for k, v in row.items()} for row in rows]
    bad = write_csv(wh.landing / "entries" / DAY.isoformat() / name, renamed, columns=columns)
    deliver(wh.landing, "entries", [valid_row("entries", 9) | {"line_number": "1"}], name="good.csv")
    result = wh.load("entries")
    assert (result.files_seen, result.files_loaded, result.files_rejected) == (2, 1, 1)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined, result.rows_rejected) == (4, 1, 0, 3)
    [(status, rows_read, loaded, quarantined, message, sha)] = wh.rows(
        "select status, rows_read, rows_loaded, rows_quarantined, message, file_sha256 from ops.load_log "
        "where path = ?",
        [str(bad)],
    )
    assert (status, rows_read, loaded, quarantined) == ("rejected", 3, 0, 0)
    assert message.startswith("header has no column entry_number; found entry_no; file copied to ")
    assert wh.one("select count(*) from ops.quarantine") == 0  # no row per line
    assert (wh.quarantine_dir / sha / name).read_bytes() == bad.read_bytes()
    assert reconcile(wh.con) == []

    # The corrected file (new bytes) loads normally on the next run; the rejected one is only retried.
    write_csv(bad, rows)
    again = wh.load("entries")
    assert (again.files_loaded, again.files_skipped, again.rows_loaded, again.files_rejected) == (1, 1, 3, 0)
    assert wh.one("select count(*) from raw.entries") == 4


def test_a_parquet_schema_missing_a_required_column_is_rejected(wh):
    rows = [{k: v for k, v in valid_row("rules", i).items() if k != "description"} for i in range(2)]
    path = deliver(wh.landing, "rules", rows, fmt="parquet")
    result = wh.load("rules")
    assert (result.files_rejected, result.rows_rejected, result.rows_loaded) == (1, 2, 0)
    message = wh.one("select message from ops.load_log where path = ?", [str(path)])
    assert message.startswith("header has no column description; file copied to ")


def test_a_file_of_another_feed_is_rejected_naming_what_it_has(wh):
    path = wh.landing / "importers" / DAY.isoformat() / "other feed.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"foo,bar\n1,2\n3,4\n")
    result = wh.load("importers")
    assert (result.files_rejected, result.rows_read) == (1, 2)
    message = wh.one("select message from ops.load_log")
    assert message.startswith("header has no columns importer_number, effective_date, legal_name, street, ")
    assert "(none of the columns of feed importers); found foo, bar; file copied to " in message


def test_header_reasons_name_the_closest_column_and_stay_short():
    entries = FEEDS["entries"]
    header = [c for c in entries.column_names if c not in ("entry_number", "hts_code")]
    assert header_problem(entries, [*header, "Entry_Number", "hts"]) == (
        "header has no columns entry_number, hts_code; found Entry_Number for entry_number"
    )
    assert header_problem(entries, [*header, "entry_number"]) == "header has no column hts_code"
    assert header_problem(entries, entries.column_names) is None
    huge = header_problem(entries, [f"column_{i}" * 20 for i in range(10_000)])
    hidden = len(entries.required_columns) - 6
    assert len(huge) < 600 and f"and {hidden} more (none of the columns" in huge and huge.endswith("and 9994 more")


# ---------------------------------------------------------------------------------------------------------------
# Folders that are not a delivery date


def test_files_of_folders_that_are_not_a_date_are_logged_once(wh):
    bad_date = write_csv(wh.landing / "rules" / "2025-13-45" / "x.csv", [valid_row("rules", i) for i in range(3)])
    named = wh.landing / "rules" / "not-a-date" / "y.jsonl"
    deliver(wh.landing, "rules", [valid_row("rules", 7)])  # a real delivery alongside
    named.parent.mkdir()
    named.write_text(json.dumps(valid_row("rules")) + "\n")
    (wh.landing / "rules" / "empty-folder").mkdir()

    logged = record_rejected_folders(wh.con, wh.landing, wh.quarantine_dir)
    assert sorted((a.path, a.rows_read) for a in logged) == [(str(bad_date), 3), (str(named), 1)]
    rows = wh.rows(
        "select path, status, delivery_date, rows_read, rows_loaded, message from ops.load_log order by path"
    )
    assert [r[:5] for r in rows] == [(str(bad_date), "rejected", None, 3, 0), (str(named), "rejected", None, 1, 0)]
    assert rows[0][5].startswith("delivery folder '2025-13-45' is not a YYYY-MM-DD date; not loaded; file copied")
    [(sha,)] = wh.rows("select file_sha256 from ops.load_log where path = ?", [str(bad_date)])
    assert (wh.quarantine_dir / sha / "x.csv").read_bytes() == bad_date.read_bytes()

    assert record_rejected_folders(wh.con, wh.landing, wh.quarantine_dir) == []  # idempotent
    named.write_text(json.dumps(valid_row("rules", 1)) + "\n" + json.dumps(valid_row("rules", 2)) + "\n")
    [changed] = record_rejected_folders(wh.con, wh.landing, wh.quarantine_dir)
    assert (changed.path, changed.rows_read) == (str(named), 2)
    assert wh.one("select count(*) from ops.load_log where status = 'rejected'") == 3
    assert wh.one("select count(*) from raw.rules") == 0  # nothing of those folders is loaded
    # Existing readers of the log still work: the loaded day and reconciliation ignore the rejected rows.
    wh.load("rules")
    assert reconcile(wh.con) == []
    assert wh.one("select max(delivery_date) from ops.load_log where status = 'loaded'") == DAY


def test_an_existing_warehouse_is_migrated(tmp_path):
    """A warehouse made before `detail` and the nullable `delivery_date`: ensure_schema adds and relaxes them."""
    con = connect(tmp_path / "old.duckdb")
    # The current DDL must hold the lines undone here, or the "old" warehouse would be a current one.
    for line in ("    delivery_date date,\n", "    detail varchar,\n"):
        assert sum(line in s for s in OPS_DDL) == 1
    old_ddl = [s.replace("    delivery_date date,", "    delivery_date date not null,") for s in OPS_DDL]
    old_ddl = [s.replace("    detail varchar,\n", "") for s in old_ddl]
    for statement in old_ddl:
        con.execute(statement)
    con.execute(
        "insert into ops.load_log (file_sha256, feed, delivery_date, path, status, rows_read, rows_loaded, "
        "rows_quarantined, rows_warned, started_at, finished_at) values "
        "('a', 'rules', '2024-01-01', '/x', 'loaded', 0, 0, 0, 0, now(), now())"
    )
    with pytest.raises(duckdb.ConstraintException):
        con.execute("update ops.load_log set delivery_date = null")
    ensure_schema(con)
    landing = tmp_path / "landing"
    write_csv(landing / "rules" / "2024-02-31" / "r.csv", [valid_row("rules")])
    deliver(landing, "rules", [valid_row("rules") | {"created_on": "soon"}])
    assert len(record_rejected_folders(con, landing)) == 1
    result = load_partition(con, landing, "rules", DAY, tmp_path / "quarantine")
    assert result.rows_quarantined == 1
    assert "created_on type: " in con.execute("select detail from ops.quarantine").fetchone()[0]
    assert con.execute("select count(*) from ops.load_log").fetchone()[0] == 3
    con.close()


def test_the_feed_asset_records_folders_that_are_not_a_date(tmp_path):
    from orchestration.defs.feeds.assets import build_feed_asset, reference_tables

    landing = tmp_path / "landing"
    deliver(landing, "rules", [valid_row("rules")])
    write_csv(landing / "rules" / "2024-1-16" / "r.csv", [valid_row("rules", i) for i in range(4)])
    resource = WarehouseResource(path=str(tmp_path / "w.duckdb"), landing=str(landing))
    asset = build_feed_asset(FEEDS["rules"])
    for _ in range(2):  # the second run logs nothing new
        run = dg.materialize([reference_tables, asset], resources={"warehouse": resource}, partition_key="2024-01-15")
        assert run.success
    [materialization] = [m for m in run.asset_materializations_for_node("raw__rules")]
    assert materialization.metadata["files_in_rejected_folders"].value == 0
    with connect(resource.warehouse_file, read_only=True) as con:
        assert con.execute(
            "select path, rows_read from ops.load_log where status = 'rejected' and delivery_date is null"
        ).fetchall() == [(str(landing / "rules" / "2024-1-16" / "r.csv"), 4)]
        assert con.execute("select count(*) from raw.rules").fetchone()[0] == 1


# ---------------------------------------------------------------------------------------------------------------
# Bounded reasons


def _quarantined(wh) -> list[dict]:
    result = wh.con.execute(
        "select row_number, column_name, rule, reason, detail, raw_values from ops.quarantine order by row_number"
    )
    names = [d[0] for d in result.description]
    return [dict(zip(names, r, strict=True)) for r in result.fetchall()]


def test_reasons_stay_short_for_a_10000_field_row_and_a_short_row(wh):
    rows = [valid_row("entries", i) | {"line_number": "1"} for i in range(3)]
    columns = list(rows[0])
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(columns)
    writer.writerow([rows[0][c] for c in columns])
    writer.writerow([rows[1][c] for c in columns] + [f"extra{i}" for i in range(10_000 - len(columns))])
    writer.writerow([rows[2][c] for c in columns][:15])
    path = wh.landing / "entries" / DAY.isoformat() / "wide.csv"
    path.parent.mkdir(parents=True)
    path.write_text(text.getvalue())
    result = wh.load("entries")
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (3, 1, 2)
    wide, short = _quarantined(wh)
    assert wide["reason"] == (
        "row 2: column - breaks rule malformed_record: too many fields: 10000 where the header has 29"
    )
    assert short["reason"] == (
        f"row 3: column {columns[15]} breaks rule malformed_record: too few fields: 15 where the header has 29"
    )
    for q in (wide, short):
        assert len(q["reason"]) <= 200 and len(q["detail"]) <= 4096 and len(q["raw_values"]) <= 17_000
    assert "Expected Number of Columns: 29" in wide["detail"] and "more like it" in wide["detail"]
    # DuckDB keeps the first 10,000 characters of a rejected line; the loader's own bound (16 KiB) is the backstop.
    assert json.loads(wide["raw_values"])["record"].startswith(rows[1]["entry_number"] + ",1,01,")
    assert json.loads(short["raw_values"])["record"].startswith(rows[2]["entry_number"])
    assert reconcile(wh.con) == []


def test_a_huge_bad_value_is_cut_in_the_reason_and_raw_values(wh):
    row = valid_row("rules") | {"created_on": "9" * 100_000, "description": "é" * 20_000}
    deliver(wh.landing, "rules", [row])
    wh.load("rules")
    [q] = _quarantined(wh)
    assert q["rule"] == "type" and len(q["reason"]) <= 200 and len(q["detail"]) <= 4096
    raw = json.loads(q["raw_values"])
    assert raw["_cut"].startswith("the raw values were ") and len(raw["_text"]) == 16384


# ---------------------------------------------------------------------------------------------------------------
# A byte of another encoding: one row quarantined, wherever it sits


def _rules_file_over_a_mebibyte(bad_row: int, gz: bool) -> tuple[bytes, int]:
    """A rules CSV of ~1.6 MiB whose record `bad_row` holds one Latin-1 byte in its description."""
    rows = [valid_row("rules", i) | {"description": f"row {i} " + "x" * 400} for i in range(4000)]
    columns = list(rows[0])
    lines = [",".join(columns).encode()]
    for i, row in enumerate(rows, start=1):
        line = ",".join(row[c] or "" for c in columns).encode()
        if i == bad_row:
            line = line.replace(b"xxxx", b"caf\xe9", 1)
        lines.append(line)
    data = b"\n".join(lines) + b"\n"
    return (gzip.compress(data) if gz else data), len(rows)


@pytest.mark.parametrize("gz", [False, True], ids=["csv", "csv.gz"])
@pytest.mark.parametrize("bad_row", [5, 3900], ids=["early", "past-1MiB"])
def test_a_latin1_byte_quarantines_just_its_row(wh, bad_row, gz):
    data, records = _rules_file_over_a_mebibyte(bad_row, gz)
    path = wh.landing / "rules" / DAY.isoformat() / ("rules.csv.gz" if gz else "rules.csv")
    path.parent.mkdir(parents=True)
    path.write_bytes(data)
    position = data.index(b"\xe9") if not gz else gzip.decompress(data).index(b"\xe9")
    assert (position < 1 << 20) == (bad_row == 5)
    result = wh.load("rules")
    assert (result.files_loaded, result.rows_read, result.rows_loaded) == (1, records, records - 1)
    [q] = _quarantined(wh)
    assert (q["row_number"], q["column_name"], q["rule"]) == (bad_row, "description", "malformed_record")
    assert q["reason"] == (
        f"row {bad_row}: column description breaks rule malformed_record: "
        "not UTF-8 text (a byte of another encoding, such as Latin-1)"
    )
    assert "INVALID ENCODING" in q["detail"]
    assert wh.one("select count(*) from raw.rules where _row_number = ?", [bad_row]) == 0
    assert reconcile(wh.con) == []


def test_a_latin1_byte_in_a_jsonl_line_quarantines_that_line(wh):
    path = wh.landing / "rules" / DAY.isoformat() / "rules.jsonl"
    path.parent.mkdir(parents=True)
    lines = [json.dumps(valid_row("rules", i)).encode() for i in range(3)]
    lines[1] = lines[1].replace(b'"X"', b'"caf\xe9"', 1)
    path.write_bytes(b"\n".join(lines) + b"\n")
    result = wh.load("rules")
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (3, 2, 1)
    [q] = _quarantined(wh)
    assert q["row_number"] == 2 and "not UTF-8 text" in q["reason"]


def test_a_latin1_byte_in_the_csv_header_makes_the_file_unreadable(wh):
    path = wh.landing / "rules" / DAY.isoformat() / "rules.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes("rule_id,environment,d\xe9scription\nR1,entry,x\n".encode("latin-1"))
    result = wh.load("rules")
    assert result.files_unreadable == 1
    message = wh.one("select message from ops.load_log")
    assert message.startswith("the CSV header is not UTF-8 text")
