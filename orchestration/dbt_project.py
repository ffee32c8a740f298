"""The dbt project as Dagster sees it, and how its manifest is prepared.

Dagster builds the dbt assets from `target/manifest.json`. `dagster dev` prepares it itself (`prepare_if_dev`);
`tradewh` and the tests call `prepare_manifest()` first, which runs `dbt parse` once when the manifest is missing
or older than any file of the project.

Every dbt command the platform runs names the warehouse file itself, `--vars '{"warehouse": ...}'`, which the profile
reads (dbt_project/profiles.yml); nothing sets TRADEWH_WAREHOUSE for it.
"""

import json
import subprocess
import sys
from pathlib import Path

from dagster_dbt import DbtProject

from warehouse import config
from warehouse.engines.settings import DUCKDB, POSTGRES, SPARK, Engine

DBT_DIR = Path(__file__).resolve().parents[1] / "dbt_project"

# The dbt vars the profile reads the warehouse file and Spark's folder from.
WAREHOUSE_VAR, SPARK_VAR = "warehouse", "spark_warehouse"


def warehouse_vars(warehouse: Path) -> list[str]:
    """The dbt arguments that point the profile at `warehouse`. dbt reuses a parse only when its vars and profile are
    the ones it was made with, so the parse `prepare_manifest` writes is reused by builds of that same file."""
    return ["--vars", json.dumps({WAREHOUSE_VAR: str(warehouse)})]


# The profile's target for each engine (dbt_project/profiles.yml).
TARGETS = {DUCKDB: "dev", POSTGRES: "postgres", SPARK: "spark"}


def engine_args(engine: Engine) -> list[str]:
    """The dbt arguments that build on `engine`: its target, and the vars its profile reads (the warehouse file
    always; Spark's folder). On DuckDB these are exactly `warehouse_vars`, so the prepared parse is reused."""
    if not engine.external:
        return warehouse_vars(engine.warehouse)
    values = {WAREHOUSE_VAR: str(engine.warehouse)}
    if engine.name == SPARK:
        values[SPARK_VAR] = str(engine.spark_dir)
    return ["--target", TARGETS[engine.name], "--vars", json.dumps(values)]


def engine_environment(engine: Engine) -> dict[str, str]:
    """The variables dbt's postgres target reads, split from $TRADEWH_POSTGRES_URL (itself in this environment):
    the password must not travel in `--vars`, which dbt writes into its run artifacts."""
    if engine.name != POSTGRES:
        return {}
    from warehouse.engines.postgres import dbt_env

    return dbt_env(engine.postgres_url)


# Under `dagster dev` the parse names the warehouse the UI's runs default to ($TRADEWH_WAREHOUSE, read here, never
# set), so that their builds, which name it too, reuse the parse.
dbt_project = DbtProject(
    project_dir=DBT_DIR,
    profiles_dir=DBT_DIR,
    prepare_project_cli_args=["parse", "--quiet", *warehouse_vars(config.warehouse_path())],
)


def dbt_executable() -> str:
    """The dbt installed beside this interpreter: `.venv/bin/tradewh` runs without the venv on PATH."""
    return str(Path(sys.executable).with_name("dbt"))


def _newest_source_mtime() -> float:
    patterns = ("models/**/*", "macros/**/*", "tests/**/*", "seeds/**/*", "*.yml")
    return max((p.stat().st_mtime for pattern in patterns for p in DBT_DIR.glob(pattern) if p.is_file()), default=0)


def prepare_manifest(warehouse: Path | None = None) -> Path:
    """Run `dbt parse` when the manifest is missing or stale (on `warehouse`, when named, so that builds of it reuse
    the parse); returns its path."""
    manifest = dbt_project.manifest_path
    if not manifest.exists() or manifest.stat().st_mtime < _newest_source_mtime():
        command = [dbt_executable(), "parse", "--quiet", "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR)]
        command += warehouse_vars(warehouse) if warehouse is not None else []
        subprocess.run(command, check=True, cwd=DBT_DIR)
    return manifest
