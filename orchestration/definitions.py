"""Dagster entry point: every definition lives in `orchestration/defs/`, one folder per domain. The definitions are
refused when an asset or check would run outside the writers' pool (orchestration/policy.py)."""

import warnings
from pathlib import Path

import dagster as dg

from orchestration.policy import in_writer_pool

# With the `spark` extra installed, GX imports pyspark in the first suite's step, and pyspark warns that it does not
# support pandas 3: two lines in every run's console about a library no suite uses (Spark's marts are validated on
# their extract). Set here, not where GX is imported: Dagster loads the defs modules inside `catch_warnings`, which
# would drop a filter set there.
warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)

defs = in_writer_pool(dg.components.load_from_defs_folder(path_within_project=Path(__file__).resolve()))
