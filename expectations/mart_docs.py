"""The published marts as their dbt `.yml` files document them (read without importing GX or dbt)."""

from __future__ import annotations

import functools
from pathlib import Path

import jinja2
import yaml

DBT_DIR = Path(__file__).resolve().parents[1] / "dbt_project"
MARTS_DIR = DBT_DIR / "models" / "marts"


def mart_models() -> dict[str, dict]:
    """Every mart model's yml entry, by model name."""
    models = {}
    for path in sorted(MARTS_DIR.rglob("*.yml")):
        for model in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("models", []):
            models[model["name"]] = model
    return models


@functools.cache
def _project_vars() -> dict:
    return (yaml.safe_load((DBT_DIR / "dbt_project.yml").read_text(encoding="utf-8")) or {}).get("vars", {})


def contract_type(declared: str, engine: str = "duckdb") -> str:
    """A column's contract `data_type` as `engine` names it. Most are plain (`string`, `decimal(18,2)`); a type that
    differs by engine is a dbt expression over the project's vars and `target.type`, rendered here as dbt does:
    `{{ var('timestamp_tz')[target.type] }}` is `timestamp with time zone` on DuckDB."""
    if "{{" in declared:
        template = jinja2.Environment(undefined=jinja2.StrictUndefined).from_string(declared)
        declared = template.render(var=lambda name: _project_vars()[name], target={"type": engine})
    # dbt spells text `string` on every engine and translates it; PostgreSQL itself has no such type.
    return "text" if engine == "postgres" and declared.lower() == "string" else declared
