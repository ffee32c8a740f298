"""The published marts as their dbt `.yml` files document them (read without importing GX or dbt)."""

from __future__ import annotations

from pathlib import Path

import yaml

MARTS_DIR = Path(__file__).resolve().parents[1] / "dbt_project" / "models" / "marts"


def mart_models() -> dict[str, dict]:
    """Every mart model's yml entry, by model name."""
    models = {}
    for path in sorted(MARTS_DIR.rglob("*.yml")):
        for model in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("models", []):
            models[model["name"]] = model
    return models
