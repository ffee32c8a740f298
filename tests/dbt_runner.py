"""The one way the tests run dbt (the real dbt CLI in a subprocess, as the platform runs it), and reading what a build
wrote.

The conftest fixture `dbt` holds one `DbtRunner` per test session (per pytest-xdist worker); the generated
warehouse and every test that builds marts go through it. Every command runs on the same path (the warehouse under
test is moved there and back) so that dbt's partial parsing stays valid between commands: a full parse costs ~8 s,
because the profile (whose path comes from TRADEWH_WAREHOUSE) is part of what dbt checks before reusing a parse.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from warehouse.db import connect

DBT_DIR = Path(__file__).resolve().parents[1] / "dbt_project"
TIMEOUT_SECONDS = 900


@dataclass(frozen=True)
class DbtResult:
    returncode: int
    status: dict[str, str]  # {unique_id: status} of the nodes the command ran, from run_results.json
    stdout: str
    stderr: str

    @property
    def failures(self) -> list[str]:
        """The nodes that errored or failed; a command that failed without any node failing (a parse error, a bad
        argument) is a failure too, with the end of its output."""
        failed = [f"{node}: {s}" for node, s in self.status.items() if s in ("error", "fail", "runtime error")]
        if self.returncode != 0 and not failed:
            failed.append(f"dbt exited {self.returncode}:\n{self.stdout[-5000:]}\n{self.stderr[-3000:]}")
        return failed


class DbtRunner:
    """Runs dbt commands on warehouse files, one at a time, with its own target and log folders under `workdir`."""

    def __init__(self, workdir: Path):
        self.active = workdir / "active" / "warehouse.duckdb"
        self.active.parent.mkdir(parents=True, exist_ok=True)
        self.target = workdir / "target"
        self.env = {
            **os.environ,
            "TRADEWH_WAREHOUSE": str(self.active),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
            "DBT_TARGET_PATH": str(self.target),
            "DBT_LOG_PATH": str(workdir / "logs"),
        }
        self.executable = Path(sys.executable).parent / "dbt"

    def __call__(self, warehouse: Path, *args: str) -> DbtResult:
        """Run `dbt <args>` on `warehouse` (created by dbt when it does not exist yet)."""
        results_file = self.target / "run_results.json"
        results_file.unlink(missing_ok=True)
        warehouse.parent.mkdir(parents=True, exist_ok=True)
        _move(warehouse, self.active)
        command = [str(self.executable), *args, "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR)]
        try:
            proc = subprocess.run(
                command, env=self.env, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False
            )
        finally:
            _move(self.active, warehouse)
        status = {}
        if results_file.exists():
            status = {r["unique_id"]: r["status"] for r in json.loads(results_file.read_text())["results"]}
        return DbtResult(proc.returncode, status, proc.stdout, proc.stderr)

    def on_engine(self, target: str, env: dict[str, str], *args: str) -> DbtResult:
        """Run `dbt <args> --target <target>` against another engine (PostgreSQL, Spark), with `env` for its profile."""
        results_file = self.target / "run_results.json"
        results_file.unlink(missing_ok=True)
        command = [str(self.executable), *args, "--target", target]
        command += ["--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR)]
        proc = subprocess.run(
            command, env={**self.env, **env}, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False
        )
        status = {}
        if results_file.exists():
            status = {r["unique_id"]: r["status"] for r in json.loads(results_file.read_text())["results"]}
        return DbtResult(proc.returncode, status, proc.stdout, proc.stderr)


def _move(source: Path, destination: Path) -> None:
    """Move a DuckDB file with its write-ahead log: a dbt killed mid-run leaves one, which belongs to that file only
    (left at the shared path, DuckDB would replay it into the next warehouse)."""
    for suffix in ("", ".wal"):
        file = source.with_name(source.name + suffix)
        if file.exists():
            shutil.move(file, destination.with_name(destination.name + suffix))


# --- reading what a build wrote ----------------------------------------------------------------------------------


def query(warehouse: Path, sql: str) -> list[tuple]:
    con = connect(warehouse, read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def mart_snapshot(warehouse: Path) -> dict[str, list[tuple]]:
    """Every mart table's rows, sorted, for exact comparison between builds."""
    tables = query(warehouse, "select table_name from information_schema.tables where table_schema = 'marts'")
    return {name: query(warehouse, f"select * from marts.{name} order by all") for (name,) in tables}


def copy_of(warehouse: Path, tmp_path: Path, folder: str) -> Path:
    """A copy of a built warehouse file in tmp_path/folder, for a test that builds on it."""
    target = tmp_path / folder / "warehouse.duckdb"
    target.parent.mkdir(parents=True)
    shutil.copy(warehouse, target)
    return target
