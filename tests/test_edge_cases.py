"""Deliveries the demo never makes: the real `tradewh run` on landing folders of many shapes must end with rc 0, every
asset materialised, the analyst copy published and every file reconciled in `ops.load_log`. Each run is also the
end-to-end test of `tradewh run` itself: its runs are recorded in DAGSTER_HOME where `dagster dev` looks, the daily
load checks the marts only, the process environment is left as it was, and a second run of the same files is a
no-op (these assertions were a run of their own in tests/test_orchestration.py; every run costs about a minute).

Each case copies a small clean generated landing and changes it the way a real delivery might differ. Some shapes
share one run where they cannot interfere (the contract-valid oddities), to keep the suite's time in bounds; the
scale-0.5 day is in the benchmark tier (`./dev bench`), not here.
"""

from __future__ import annotations

import csv
import os
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import dagster as dg
import pytest

from warehouse.config import LANDING_ENV, WAREHOUSE_ENV
from warehouse.db import connect
from warehouse.generator import generate

START = date(2025, 10, 1)
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def base_landing(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("base") / "landing"
    generate(root, start=START, days=2, scale=0.002, seed=11, fmt="csv", dirt_rate=0.0)
    shutil.rmtree(root / "truth")  # the generator's answers are no feed
    return root


def _rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([header, *rows])


def _edit(landing: Path, feed: str, change: Callable[[list[str], list[list[str]]], list[list[str]]]) -> None:
    """Rewrite every file of `feed` with `change(header, rows)`."""
    for path in sorted((landing / feed).rglob("*.csv")):
        header, rows = _rows(path)
        _write(path, header, change(header, rows))


def _set(header: list[str], rows: list[list[str]], **values: str) -> list[list[str]]:
    for row in rows:
        for column, value in values.items():
            row[header.index(column)] = value
    return rows


def _nothing_usable(landing: Path) -> None:
    """Every entries row breaks the contract (a malformed port), the exams file cannot be read at all (garbage
    bytes) and the registry's header lacks a required column (the file is rejected whole)."""
    _edit(landing, "entries", lambda h, rows: _set(h, rows, port_code="0000X"))
    for path in (landing / "exams").rglob("*.csv"):
        path.write_bytes(b"\x00\xff\xfe garbage \x00" * 50)
    for path in (landing / "importers").rglob("*.csv"):
        header, rows = _rows(path)
        header[header.index("legal_name")] = "legal_nme"
        _write(path, header, rows)


def _only_an_unreadable_file(landing: Path) -> None:
    shutil.rmtree(landing)
    (landing / "entries" / "2025-10-01").mkdir(parents=True)
    (landing / "entries" / "2025-10-01" / "entries.csv").write_bytes(b"\x00\xff\xfe not a csv \x00" * 50)


def _no_cm_random_and_no_registry(landing: Path) -> None:
    """Every line inspected by officers, as in a customs authority's declaration export: no random sample; and no
    importer registry (identity resolution from the entries alone). Two shapes that touch different assets (the
    measures, identity resolution), so they share one run: each run of the platform costs about a minute."""

    def officers(header, rows):
        return _set(header, rows, selection_reason="officer", cm_stratum="", cm_weight="", rule_id="")

    _edit(landing, "exams", officers)
    shutil.rmtree(landing / "importers")


def _only_entries(landing: Path) -> None:
    for folder in landing.iterdir():
        if folder.name != "entries":
            shutil.rmtree(folder)


def _one_day_without_exams(landing: Path) -> None:
    for day in landing.glob("*/2025-10-02"):
        shutil.rmtree(day)
    shutil.rmtree(landing / "exams")


UNDERPAID = {}


def _contract_valid_oddities(landing: Path) -> None:
    """Shapes that keep the contract and must all load: an MPF below the minimum, history from fiscal year 2012, a
    correction that replaces every line of an entry by new ones, and a registry that declares no predecessor."""
    path = sorted((landing / "entries").rglob("*.csv"))[0]
    header, rows = _rows(path)
    formal = [r for r in rows if r[header.index("entry_type")] != "11"]
    underpaid = formal[0][header.index("entry_number")]
    for row in rows:
        if row[header.index("entry_number")] == underpaid:
            row[header.index("mpf_usd")] = "0.01"
    # The correction: version 2 of another entry whose only line has a number no earlier line had.
    corrected = formal[-1][header.index("entry_number")]
    correction = [list(r) for r in rows if r[header.index("entry_number")] == corrected][:1]
    _set(header, correction, entry_version="2", line_number="901")
    _write(path, header, rows)
    _write(landing / "entries" / "2025-10-02" / "correction.csv", header, correction)
    UNDERPAID.update(underpaid=underpaid, corrected=corrected)
    generate(landing.parent / "fy2012", start=date(2011, 10, 3), days=1, scale=0.002, seed=12, fmt="csv", dirt_rate=0)
    for feed in ("entries", "exams", "importers", "rules", "adcvd_orders", "programs"):
        shutil.copytree(landing.parent / "fy2012" / feed, landing / feed, dirs_exist_ok=True)
    _edit(landing, "importers", lambda h, rows: _set(h, rows, prior_importer_number=""))


CASES: dict[str, Callable[[Path], None] | None] = {
    # A first delivery of one day, without exams (the two shapes share a run: each run costs about a minute).
    "one_tiny_day_without_exams": _one_day_without_exams,
    "one_feed_only": _only_entries,
    "nothing_usable": _nothing_usable,
    "only_an_unreadable_file": _only_an_unreadable_file,
    "exams_without_cm_random_nor_registry": _no_cm_random_and_no_registry,
    "contract_valid_oddities": _contract_valid_oddities,
}


def _run(landing: Path, tmp_path: Path, monkeypatch, capsys) -> tuple[int, str, Path]:
    from tradewh.cli import main

    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    # The environment names another warehouse and landing: the run passes its own to Dagster and dbt as config and
    # arguments, builds only the file it was given and leaves the environment as it found it.
    other = tmp_path / "other"
    monkeypatch.setenv(WAREHOUSE_ENV, str(other / "w.duckdb"))
    monkeypatch.setenv(LANDING_ENV, str(other / "landing"))
    warehouse = tmp_path / "w.duckdb"
    rc = main(["run", "--warehouse", str(warehouse), "--landing", str(landing)])
    assert (os.environ[WAREHOUSE_ENV], os.environ[LANDING_ENV]) == (str(other / "w.duckdb"), str(other / "landing"))
    assert not other.exists()
    return rc, capsys.readouterr().out, warehouse


def _materialised_everything(instance: dg.DagsterInstance) -> list[str]:
    """Asset keys of the platform that no run of this instance materialised."""
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    keys = [key for key in graph.get_all_asset_keys() if graph.get(key).is_materializable]
    return [key.to_user_string() for key in keys if instance.get_latest_materialization_event(key) is None]


def _checked_layers(instance: dg.DagsterInstance) -> set[str]:
    """The schemas (dbt layers) of the assets whose checks the warehouse run evaluated."""
    records = instance.get_records_for_run(
        next(r.run_id for r in instance.get_runs() if r.job_name == "warehouse_job"),
        of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION,
    ).records
    evaluations = [r.event_log_entry.dagster_event.event_specific_data for r in records]
    return {e.asset_key.path[0] for e in evaluations if e.asset_key.path[0] in ("staging", "intermediate", "marts")}


@pytest.mark.parametrize("case", list(CASES))
def test_every_shape_of_delivery_loads_builds_and_publishes(case, base_landing, tmp_path, monkeypatch, capsys):
    landing = tmp_path / "landing"
    shutil.copytree(base_landing, landing)
    CASES[case](landing)
    rc, out, warehouse = _run(landing, tmp_path, monkeypatch, capsys)
    assert rc == 0, out[-3000:]

    instance = dg.DagsterInstance.from_config(os.environ["DAGSTER_HOME"])
    runs = instance.get_runs()
    assert {r.job_name for r in runs} == {"reference_job", "ingest_job", "warehouse_job"}
    assert all(run.is_success for run in runs)
    assert _materialised_everything(instance) == []
    assert (tmp_path / "dagster" / "dagster.yaml").read_text().count("enabled: false") == 1
    # A daily load evaluates the dbt tests of the marts, not those of the staging and intermediate views.
    assert _checked_layers(instance) == {"marts"}
    analyst = warehouse.with_name("w.analyst.duckdb")
    with connect(analyst, read_only=True) as con:
        unreconciled = con.execute(
            "select path from ops.load_log where status = 'loaded' and rows_read <> rows_loaded + rows_quarantined"
        ).fetchall()
        lines = con.execute("select count(*) from marts.fct_entry_lines").fetchone()[0]
        current = con.execute("select count(*) from raw.entries_current").fetchone()[0]
        quarantined = con.execute("select count(*) from ops.quarantine where feed = 'entries'").fetchone()[0]
        findings = con.execute("select entry_number, rule_name from marts.fct_findings").fetchall()
        fiscal_years = {r[0] for r in con.execute("select distinct fiscal_year from marts.fct_entries").fetchall()}
        entry_lines = con.execute("select entry_number, line_number from marts.fct_entry_lines").fetchall()
        statuses = set(con.execute("select distinct feed, status from ops.load_log").fetchall())
    assert unreconciled == []
    # Nothing contract-valid is missing from the facts.
    assert lines == current
    assert "Rows per table:" in out and "marts.fct_entry_lines" in out and "Quarantined rows" in out
    if case == "nothing_usable":
        assert lines == 0 and quarantined > 0
        assert f"Quarantined rows: {quarantined:,}" in out
        changed = {(feed, status) for feed, status in statuses if feed in ("entries", "exams", "importers")}
        assert changed == {("entries", "loaded"), ("exams", "unreadable"), ("importers", "rejected")}
        assert "header has no column legal_name; found legal_nme" in out
    elif case == "only_an_unreadable_file":
        assert lines == 0 and statuses == {("entries", "unreadable")}
        assert "Files not loaded: 1" in out
    else:
        assert lines > 0
    if case == "contract_valid_oddities":
        assert (UNDERPAID["underpaid"], "mpf_within_bounds") in findings
        assert 2012 in fiscal_years
        assert [n for e, n in entry_lines if e == UNDERPAID["corrected"]] == [901]
        assert "mpf_within_bounds" in out

    # Run again with nothing new: skipped before Dagster, nothing materialised, the copies untouched.
    copy_stamp = analyst.stat().st_mtime_ns
    rc, out, _ = _run(landing, tmp_path, monkeypatch, capsys)
    assert rc == 0 and "nothing new since the last successful run" in out
    assert len(instance.get_runs()) == len(runs)
    assert analyst.stat().st_mtime_ns == copy_stamp


def test_a_landing_with_no_delivery_stops_before_building_and_accounts_for_misplaced_files(
    tmp_path, monkeypatch, capsys
):
    landing = tmp_path / "landing"
    (landing / "entries" / "2025-13-45").mkdir(parents=True)
    (landing / "entries" / "2025-13-45" / "entries.csv").write_text("entry_number\nX\n", encoding="utf-8")
    (landing / "unknown_feed" / "2025-10-01").mkdir(parents=True)
    rc, out, warehouse = _run(landing, tmp_path, monkeypatch, capsys)
    assert rc == 0
    assert "no deliveries found" in out
    assert "1 files in folders that are not a delivery date were rejected" in out
    # Nothing ran in Dagster, no dbt, no analyst copy: only the load log's account of the misplaced file.
    assert not (tmp_path / "dagster").exists()
    assert not warehouse.with_name("w.analyst.duckdb").exists()
    with connect(warehouse, read_only=True) as con:
        logged = con.execute("select feed, status, delivery_date, rows_read from ops.load_log").fetchall()
    assert logged == [("entries", "rejected", None, 1)]
    assert "Files not loaded: 1" in out

    # An empty folder: nothing at all, and still rc 0.
    empty = tmp_path / "empty"
    empty.mkdir()
    rc, out, _ = _run(empty, tmp_path / "second", monkeypatch, capsys)
    assert rc == 0 and "no deliveries found" in out and "no warehouse at" in out
