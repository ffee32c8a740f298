"""What the last fully successful `tradewh run` saw, so a run that would change nothing is skipped in seconds.

A run is a no-op when the landing folder holds the same files (path, size, modification time), the code and
configuration that shape the warehouse are the same (every source file of the library, the orchestration, the
expectations and the dbt project, and the settings that change what is loaded or published), the warehouse file is
as that run left it (no run from the UI or a failed run since) and its analysts' copy exists. Anything else runs
as before: the loader's content hashes and Dagster decide what to do. The record is written only after a run whose
every job succeeded, and removed before any other run starts, so a stopped or failed run can never be skipped past.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from warehouse.config import analyst_path, data_dir

ROOT = Path(__file__).resolve().parents[1]
CODE_FOLDERS = ("warehouse", "orchestration", "expectations", "dbt_project/models", "dbt_project/macros")
CODE_FILES = ("dbt_project/dbt_project.yml", "dbt_project/packages.yml", "dbt_project/profiles.yml")
CODE_SUFFIXES = (".py", ".sql", ".yml", ".yaml", ".csv", ".json")
# Settings that change what a run loads or publishes.
SETTINGS = ("TRADEWH_PARTITIONS_START", "TRADEWH_ENTITLED_GROUP", "TRADEWH_MASKING_KEY")


@dataclass(frozen=True)
class RunState:
    landing: str
    inputs: str
    code: str
    warehouse: str
    finished_at: str
    engine: str = "duckdb"  # the engine and where it is (a record from before engines were chosen: DuckDB)


def state_path(warehouse: Path) -> Path:
    return data_dir(warehouse) / ".last_run.json"


def inputs_fingerprint(landing: Path) -> str:
    """Every file under the landing folder, by relative path, size and modification time (stat only: a changed
    file is re-read by the loader, which goes by content)."""
    digest = hashlib.sha256()
    for path in sorted(landing.rglob("*")):
        if path.is_file():
            info = path.stat()
            digest.update(f"{path.relative_to(landing)}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def code_files() -> list[Path]:
    """The files whose content shapes what a run builds (dbt's target/ and logs are its output, not its code)."""
    files = [ROOT / name for name in CODE_FILES if (ROOT / name).exists()]
    for folder in CODE_FOLDERS:
        files += [p for p in (ROOT / folder).rglob("*") if p.suffix in CODE_SUFFIXES and "target" not in p.parts]
    return sorted(set(files))


def code_fingerprint() -> str:
    digest = hashlib.sha256()
    for path in code_files():
        digest.update(f"{path.relative_to(ROOT)}\0".encode() + path.read_bytes() + b"\n")
    for name in SETTINGS:
        digest.update(f"{name}={os.environ.get(name, '')}\n".encode())
    return digest.hexdigest()


def warehouse_stamp(warehouse: Path) -> str:
    info = warehouse.stat()
    return f"{info.st_size}:{info.st_mtime_ns}"


def snapshot(warehouse: Path, landing: Path, engine: str = "duckdb") -> RunState:
    """The landing files, code, warehouse and engine as they are now (taken as a run starts, under the writer lock:
    files that arrive while it runs are not in its record, so the next run picks them up)."""
    stamp = warehouse_stamp(warehouse) if warehouse.exists() else ""
    return RunState(str(landing), inputs_fingerprint(landing), code_fingerprint(), stamp, "", engine)


def last_state(warehouse: Path) -> RunState | None:
    try:
        return RunState(**json.loads(state_path(warehouse).read_text()))
    except (OSError, ValueError, TypeError):
        return None


def unchanged(warehouse: Path, now: RunState) -> RunState | None:
    """The last successful run's record when a run starting from `now` would change nothing, else None."""
    last = last_state(warehouse)
    if last is None or not analyst_path(warehouse).exists():
        return None
    same = (last.landing, last.inputs, last.code, last.warehouse, last.engine) == (
        now.landing,
        now.inputs,
        now.code,
        now.warehouse,
        now.engine,
    )
    return last if same else None


def forget(warehouse: Path) -> None:
    state_path(warehouse).unlink(missing_ok=True)


def record_success(warehouse: Path, started: RunState) -> None:
    """After a run whose every job succeeded: what it started from, and the warehouse as it left it."""
    state = RunState(
        started.landing,
        started.inputs,
        started.code,
        warehouse_stamp(warehouse),
        datetime.now(UTC).isoformat(timespec="seconds"),
        started.engine,
    )
    path = state_path(warehouse)
    staging = path.with_name(path.name + ".new")
    staging.write_text(json.dumps(asdict(state), indent=1) + "\n")
    staging.replace(path)
