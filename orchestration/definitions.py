"""Dagster entry point: every definition lives in `orchestration/defs/`, one folder per domain. The definitions are
refused when an asset or check would run outside the writers' pool (orchestration/policy.py)."""

from pathlib import Path

import dagster as dg

from orchestration.policy import in_writer_pool

defs = in_writer_pool(dg.components.load_from_defs_folder(path_within_project=Path(__file__).resolve()))
