"""The no-op record: a run is skipped only when the landing files, the code and settings and the warehouse are all
as the last fully successful run left them, and its analysts' copy exists."""

from __future__ import annotations

import os

import pytest

from orchestration import run_state
from warehouse.config import analyst_path


@pytest.fixture
def recorded(tmp_path):
    landing = tmp_path / "landing"
    (landing / "entries" / "2025-10-01").mkdir(parents=True)
    (landing / "entries" / "2025-10-01" / "entries.csv").write_text("entry_number\n")
    warehouse = tmp_path / "w.duckdb"
    warehouse.write_bytes(b"a warehouse")
    analyst_path(warehouse).write_bytes(b"its copy")
    run_state.record_success(warehouse, run_state.snapshot(warehouse, landing))
    return warehouse, landing


def _unchanged(warehouse, landing):
    return run_state.unchanged(warehouse, run_state.snapshot(warehouse, landing))


def test_nothing_changed_is_a_no_op(recorded):
    _warehouse, landing = recorded
    last = _unchanged(*recorded)
    assert last is not None and last.finished_at and last.landing == str(landing)


def test_a_new_or_changed_landing_file_is_not(recorded):
    _warehouse, landing = recorded
    (landing / "entries" / "2025-10-02").mkdir()
    (landing / "entries" / "2025-10-02" / "entries.csv").write_text("entry_number\n")
    assert _unchanged(*recorded) is None
    (landing / "entries" / "2025-10-02" / "entries.csv").unlink()
    assert _unchanged(*recorded) is not None
    path = landing / "entries" / "2025-10-01" / "entries.csv"
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1))
    assert _unchanged(*recorded) is None


def test_a_written_warehouse_a_missing_copy_or_another_setting_is_not(recorded, monkeypatch):
    warehouse, _landing = recorded
    monkeypatch.setenv("TRADEWH_PARTITIONS_START", "2020-01-01")
    assert _unchanged(*recorded) is None
    monkeypatch.delenv("TRADEWH_PARTITIONS_START")
    assert _unchanged(*recorded) is not None
    analyst_path(warehouse).unlink()
    assert _unchanged(*recorded) is None
    analyst_path(warehouse).write_bytes(b"its copy")
    warehouse.write_bytes(b"a warehouse written by a run from the UI")
    assert _unchanged(*recorded) is None


def test_another_landing_folder_or_a_forgotten_record_is_not(recorded, tmp_path):
    warehouse, _landing = recorded
    other = tmp_path / "other"
    other.mkdir()
    assert run_state.unchanged(warehouse, run_state.snapshot(warehouse, other)) is None
    run_state.forget(warehouse)
    assert _unchanged(*recorded) is None


def test_the_code_fingerprint_covers_the_dbt_yml_that_decides_the_masking():
    files = run_state.code_files()
    names = {str(p.relative_to(run_state.ROOT)) for p in files}
    assert "dbt_project/models/platform/_platform__sources.yml" in names
    assert "warehouse/access/publish.py" in names and "orchestration/runner.py" in names
    assert not [n for n in names if "/target/" in n or n.endswith(".pyc")]
