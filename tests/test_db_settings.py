"""Every warehouse session (the loader's, the pipeline's) runs under the configured memory limit and spills to the
configured folder, as dbt does through its profile (dbt_project/profiles.yml)."""

from __future__ import annotations


def test_warehouse_sessions_take_the_memory_limit_and_spill_folder_from_the_configuration(tmp_path, monkeypatch):
    from warehouse.db import connect

    monkeypatch.setenv("TRADEWH_MEMORY_LIMIT", "1GB")
    monkeypatch.setenv("TRADEWH_TEMP_DIR", str(tmp_path / "spill"))
    with connect(tmp_path / "w.duckdb") as con:
        limit, spill = con.execute(
            "select current_setting('memory_limit'), current_setting('temp_directory')"
        ).fetchone()
    assert limit in ("953.6 MiB", "1.0 GiB", "1GB") and spill == str(tmp_path / "spill")
    monkeypatch.delenv("TRADEWH_MEMORY_LIMIT")
    monkeypatch.delenv("TRADEWH_TEMP_DIR")
    with connect(tmp_path / "w.duckdb") as con:
        assert con.execute("select current_setting('temp_directory')").fetchone()[0] == str(tmp_path / "w.duckdb.tmp")
