"""Spark as the engine: the shipment target writes Parquet files into the Spark warehouse folder
($TRADEWH_SPARK_WAREHOUSE), and the dbt project registers each folder as an external table
(dbt_project/macros/spark_sources.sql) before it builds.

`raw/<table>/<file sha>.parquet` holds the rows of one delivered file, so receiving a file is writing one Parquet
file and forgetting one is deleting it: no table format with transactions (Delta, Iceberg) is needed, and none can
be installed offline. `reference/<table>/data.parquet` is replaced whole. Each folder also holds an empty
`0-columns.parquet`, so an engine that reads it finds the columns even before the first delivery. Files are
written under a dot-name (which Spark skips) and renamed into place."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from warehouse.engines.shipping import FILE_COLUMN, Table

SCHEMA_FILE = "0-columns.parquet"
STATE_FILE = "shipped_tables.json"


def _select(table: Table, where: str = "") -> str:
    # JSON is written as plain text: Spark reads Parquet's JSON logical type as nothing it knows.
    columns = ", ".join(
        f'"{name}"::varchar as "{name}"' if kind == "JSON" else f'"{name}"' for name, kind in table.columns
    )
    return f"select {columns} from {table.qualified}{where}"


class SparkFilesTarget:
    def __init__(self, warehouse_dir: Path):
        self.root = Path(warehouse_dir) / "shipped"
        self.root.mkdir(parents=True, exist_ok=True)
        self.state_path = self.root / STATE_FILE
        self.state = json.loads(self.state_path.read_text()) if self.state_path.exists() else {}

    def folder(self, table: Table) -> Path:
        return self.root / table.schema / table.name

    def _save(self) -> None:
        temporary = self.state_path.with_name("." + STATE_FILE)
        temporary.write_text(json.dumps(self.state, indent=1, sort_keys=True))
        temporary.replace(self.state_path)

    def _write(self, con, sql: str, path: Path, parameters: dict | None = None) -> None:
        temporary = path.with_name("." + path.name)
        con.execute(f"copy ({sql}) to '{temporary}' (format parquet)", parameters or {})
        temporary.replace(path)

    def signature(self, table: Table) -> str | None:
        return self.state.get(table.qualified, {}).get("signature")

    def content(self, table: Table) -> str | None:
        return self.state.get(table.qualified, {}).get("content")

    def create(self, con, table: Table) -> None:
        folder = self.folder(table)
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        self._write(con, _select(table, " limit 0"), folder / SCHEMA_FILE)
        self.state[table.qualified] = {"signature": table.signature, "content": None}
        self._save()

    def shipped_files(self, table: Table) -> set[str]:
        return {path.stem for path in self.folder(table).glob("*.parquet") if path.name != SCHEMA_FILE}

    def apply(self, con, table: Table, files: dict[str, int], removed: set[str]) -> None:
        for sha in removed:
            (self.folder(table) / f"{sha}.parquet").unlink(missing_ok=True)
        for sha in files:
            self._write(
                con, _select(table, f" where {FILE_COLUMN} = $sha"), self.folder(table) / f"{sha}.parquet", {"sha": sha}
            )

    def replace(self, con, table: Table, content: str) -> None:
        self._write(con, _select(table), self.folder(table) / "data.parquet")
        self.state[table.qualified]["content"] = content
        self._save()
