"""Every warehouse session (the loader's, the pipeline's) runs under the configured memory limit and spills to the
configured folder, as dbt does through its profile (dbt_project/profiles.yml)."""

from __future__ import annotations

import os


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


def test_dbt_opens_cursors_after_a_query_spilled_to_the_temp_directory(tmp_path, monkeypatch):
    """dbt-duckdb SETs the profile's `settings` on every cursor it opens, and DuckDB refuses to switch the temp
    directory once a query has spilled (a 90-day build failed with "Cannot switch temporary directory after the
    current one has been used"). The profile gives the memory limit and spill folder when the database is opened;
    this drives dbt-duckdb's own environment with the project's profile through a spill and a second cursor."""
    from pathlib import Path

    import jinja2
    import yaml
    from dbt.adapters.duckdb.credentials import DuckDBCredentials
    from dbt.adapters.duckdb.environments.local import LocalEnvironment

    monkeypatch.setenv("TRADEWH_MEMORY_LIMIT", "40MB")
    profile = Path(__file__).parents[1] / "dbt_project" / "profiles.yml"
    # The warehouse as the platform names it, `--vars '{"warehouse": ...}'` (orchestration/dbt_project.py).
    cli_vars = {"warehouse": str(tmp_path / "w.duckdb")}
    # The other targets' ports go through dbt's `as_number` filter.
    environment = jinja2.Environment()
    environment.filters["as_number"] = int
    text = environment.from_string(profile.read_text()).render(
        env_var=lambda name, default=None: os.environ.get(name, default),
        var=lambda name, default=None: cli_vars.get(name, default),
    )
    dev = yaml.safe_load(text)["trade_warehouse"]["outputs"]["dev"]
    creds = DuckDBCredentials(path=dev["path"], settings=dev["settings"], config_options=dev.get("config_options"))
    environment = LocalEnvironment(creds)
    first = environment.handle().cursor()
    first.execute("create table t as select range as i, md5(range::varchar) as s from range(2000000)")
    first.execute("select s from t order by s").fetchall()
    assert any((tmp_path / "w.duckdb.tmp").iterdir())  # the sort spilled
    second = environment.handle().cursor()  # dbt's next model: its settings SET again
    limit, spill = second.execute(
        "select current_setting('memory_limit'), current_setting('temp_directory')"
    ).fetchone()
    assert spill == str(tmp_path / "w.duckdb.tmp") and limit in ("38.1 MiB", "40.0 MiB", "40MB")
    environment.close()
