"""Run the platform end to end through the same Dagster definitions the UI shows.

`tradewh run` and `tradewh demo` call `run_platform`. It executes the defined jobs in process against the
Dagster instance in $DAGSTER_HOME, so every run appears in `dagster dev` afterwards. Ingestion of all delivery
dates present is one run over the date range (the feed assets backfill in a single run).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from orchestration.dbt_project import prepare_manifest
from warehouse.config import data_dir

DAGSTER_HOME_ENV = "DAGSTER_HOME"
_DAGSTER_YAML = Path(__file__).with_name("dagster.yaml")
# Only INFO and above: Dagster's DEBUG events (step starts, handled outputs) drown the progress lines.
QUIET_RUN_CONFIG = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}


def ensure_dagster_home(warehouse: Path) -> Path:
    """Point DAGSTER_HOME at `dagster/` beside the warehouse unless set, and give it our dagster.yaml."""
    home = Path(os.environ.get(DAGSTER_HOME_ENV) or data_dir(warehouse) / "dagster").absolute()
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():
        shutil.copyfile(_DAGSTER_YAML, home / "dagster.yaml")
    os.environ[DAGSTER_HOME_ENV] = str(home)
    return home


@dataclass
class PlatformRun:
    run_ids: dict[str, str] = field(default_factory=dict)
    first_day: str | None = None
    last_day: str | None = None
    skipped_days: list[str] = field(default_factory=list)
    success: bool = True
    failed_job: str | None = None


def run_platform(warehouse: Path, landing: Path, log: Callable[[str], None] = print) -> PlatformRun:
    """Load every delivery in `landing` and build everything downstream of it."""
    os.environ["TRADEWH_WAREHOUSE"] = str(warehouse)
    os.environ["TRADEWH_LANDING"] = str(landing)
    ensure_dagster_home(warehouse)
    prepare_manifest()

    # Imported here: the definitions read the environment set above when they load.
    import dagster as dg

    from orchestration.definitions import defs
    from orchestration.defs.feeds.automation import partition_range_tags
    from orchestration.partitions import delivery_dates
    from warehouse.loading import discover

    outcome = PlatformRun()
    days = sorted({day for feed_days in discover(landing).values() for day in feed_days})
    first_partition = delivery_dates.start.date()
    outcome.skipped_days = [d.isoformat() for d in days if d < first_partition]
    days = [d for d in days if d >= first_partition]
    if outcome.skipped_days:
        log(f"! {len(outcome.skipped_days)} delivery dates before the first partition {first_partition} are not loaded")

    instance = dg.DagsterInstance.get()
    plan: list[tuple[str, dict[str, str]]] = [("reference_job", {})]
    if days:
        outcome.first_day, outcome.last_day = days[0].isoformat(), days[-1].isoformat()
        plan.append(("ingest_job", partition_range_tags(days[0], days[-1])))
    else:
        log(f"no deliveries found in {landing}")
    plan.append(("warehouse_job", {}))  # dbt build, then publish the analysts' copy

    for name, tags in plan:
        span = f" for {outcome.first_day} .. {outcome.last_day}" if tags else ""
        log(f"running {name}{span}")
        result = defs.resolve_job_def(name).execute_in_process(
            instance=instance, tags=tags, run_config=QUIET_RUN_CONFIG, raise_on_error=False
        )
        outcome.run_ids[name] = result.run_id
        if not result.success:
            outcome.success, outcome.failed_job = False, name
            for evaluation in result.get_asset_check_evaluations():
                if not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR:
                    first = evaluation.metadata.get("first_failure")
                    log(
                        f"! quality check {evaluation.asset_key.to_user_string()}:{evaluation.check_name} failed"
                        + (f": {first.value}" if first else "")
                    )
            log(f"! {name} failed (run {result.run_id}); see `tradewh ui` for its logs")
            return outcome
    return outcome
