"""The dbt project as Dagster sees it, and how its manifest is prepared.

Dagster builds the dbt assets from `target/manifest.json`. `dagster dev` prepares it itself (`prepare_if_dev`);
`tradewh` and the tests call `prepare_manifest()` first, which runs `dbt parse` once when the manifest is missing
or older than any file of the project.
"""

import subprocess
import sys
from pathlib import Path

from dagster_dbt import DbtProject

DBT_DIR = Path(__file__).resolve().parents[1] / "dbt_project"

dbt_project = DbtProject(project_dir=DBT_DIR, profiles_dir=DBT_DIR)


def dbt_executable() -> str:
    """The dbt installed beside this interpreter: `.venv/bin/tradewh` runs without the venv on PATH."""
    return str(Path(sys.executable).with_name("dbt"))


def _newest_source_mtime() -> float:
    patterns = ("models/**/*", "macros/**/*", "tests/**/*", "seeds/**/*", "*.yml")
    return max((p.stat().st_mtime for pattern in patterns for p in DBT_DIR.glob(pattern) if p.is_file()), default=0)


def prepare_manifest() -> Path:
    """Run `dbt parse` when the manifest is missing or stale; returns its path."""
    manifest = dbt_project.manifest_path
    if not manifest.exists() or manifest.stat().st_mtime < _newest_source_mtime():
        command = [dbt_executable(), "parse", "--quiet", "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR)]
        subprocess.run(command, check=True, cwd=DBT_DIR)
    return manifest
