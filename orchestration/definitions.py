"""Dagster entry point: every definition lives in `orchestration/defs/`, one folder per domain."""

from pathlib import Path

import dagster as dg

defs = dg.components.load_from_defs_folder(project_root=Path(__file__).resolve().parents[1])
