"""Dagster entry point: every definition lives in `orchestration/defs/`, one folder per domain."""

import dagster as dg

from orchestration import defs as defs_package

defs = dg.components.load_defs(defs_root=defs_package)
