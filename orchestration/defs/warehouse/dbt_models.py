"""dbt models as Dagster assets; dbt tests surface as asset checks on them.

Asset keys are the relations the models build (`marts.fct_entry_lines`), and dbt sources carry
`meta.dagster.asset_key` (`raw.entries`, `reference.ports`), so lineage from the feed assets needs no mapping.
"""

import os
import subprocess
import time
from collections.abc import Mapping
from functools import cached_property
from importlib.metadata import version as installed_version
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets
from packaging.version import Version

from orchestration.dbt_project import dbt_executable, dbt_project, engine_args, engine_environment
from orchestration.defs.warehouse import SHIPMENT_KEY
from orchestration.policy import EAGER_WHEN_CHECKS_PASS, WRITER_POOL
from orchestration.resources import WarehouseResource
from warehouse.engines.extract import extract_marts
from warehouse.engines.settings import Engine

dbt_project.prepare_if_dev()


class WarehouseTranslator(DagsterDbtTranslator):
    """Keys are `<layer schema>.<model>`; groups are the layers; models rebuild when their upstream changes."""

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = self.get_resource_props(manifest, unique_id)
        if props["resource_type"] not in ("model", "seed", "snapshot"):
            return spec
        layer = props["fqn"][1] if len(props["fqn"]) > 2 else "warehouse"
        # A model reading a source reads it on the engine, which must hold the new rows first (shipment.py; a no-op
        # on DuckDB).
        reads_sources = any(node.startswith("source.") for node in props.get("depends_on", {}).get("nodes", []))
        return spec.replace_attributes(
            key=dg.AssetKey([props["schema"], props["name"]]),
            group_name=layer,
            automation_condition=EAGER_WHEN_CHECKS_PASS,
            deps=[*spec.deps, dg.AssetDep(SHIPMENT_KEY)] if reads_sources else spec.deps,
        )


# Data tests on the staging and intermediate views (dbt_project.yml). A view's test recomputes the view over the
# whole raw history (ranking every version ever delivered): about 40-80 s each at 90 full-scale days, against a
# day's load of 20 s. The mart tables built from those views carry the same key tests, so a daily load runs those
# and leaves the views' to the weekly job.
VIEW_TESTS_TAG = "on_view"
# How long dbt may take to end after the SIGINT an interrupt forwards to it, before it is killed.
DBT_STOP_SECONDS = 5


class DbtBuildConfig(dg.Config):
    view_tests: bool = False  # also the data tests of the staging and intermediate views (the weekly job)


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=WarehouseTranslator(),
    pool=WRITER_POOL,
)
def warehouse_models(
    context: dg.AssetExecutionContext, config: DbtBuildConfig, dbt: DbtCliResource, warehouse: WarehouseResource
):
    """Build and test the dbt models (`dbt build`): staging views, intermediate views, mart tables. The unit tests
    (fixed inputs, testing the SQL's logic, not the data) run in the test suite, not on every load; the data tests
    of the staging and intermediate views (tag `on_view`) run in the weekly `warehouse_view_tests_job`."""
    # dbt builds the file the warehouse resource names (its run config in `tradewh run`), told so on the command line,
    # or on the engine it names.
    engine = warehouse.engine_choice
    args = ["build", "--exclude-resource-type", "unit_test", *engine_args(engine)]
    # dagster-dbt gives dbt this process's environment, where $TRADEWH_POSTGRES_URL already is: its parts for the
    # profile go there too (derived from it alone, so a later run with other config cannot inherit stale values).
    os.environ.update(engine_environment(engine))
    if not config.view_tests:
        args += ["--exclude", f"tag:{VIEW_TESTS_TAG}"]
    invocation = dbt.cli(args, context=context)
    # On Ctrl-C or SIGTERM dagster-dbt forwards SIGINT to dbt and waits for it to end (25 s by default). dbt ends
    # within a second, except that a SIGINT arriving while it is still starting up can be lost: dbt then ran to the
    # end, the wait timed out, and the run failed (rc 1) instead of stopping. Wait less, then kill dbt (it must not
    # go on writing the warehouse), and let the interrupt go on as itself.
    invocation.termination_timeout_seconds = DBT_STOP_SECONDS
    try:
        yield from invocation.stream()
    except subprocess.TimeoutExpired as error:
        invocation.process.kill()
        invocation.process.wait()
        if error.__context__ is not None:
            raise error.__context__ from None
        raise
    if engine.external:
        _extract(context, engine, warehouse)


def _extract(context: dg.AssetExecutionContext, engine: Engine, warehouse: WarehouseResource) -> None:
    """The marts the engine built, into the warehouse file's `marts` schema, where risk and the measures read them
    (warehouse/engines/extract.py)."""
    from expectations.mart_docs import contract_type, mart_models

    built = {key.path[1] for key in context.selected_asset_keys if key.path[0] == "marts"}
    marts = {
        name: [(column["name"], contract_type(str(column["data_type"]))) for column in model.get("columns", [])]
        for name, model in mart_models().items()
        if name in built
    }
    started = time.monotonic()
    with warehouse.connect() as con:
        counts = extract_marts(engine, con, marts)
    context.log.info(
        f"extracted {len(counts)} marts, {sum(counts.values()):,} rows, from {engine.name} "
        f"in {time.monotonic() - started:.1f} s"
    )


warehouse_view_tests_job = dg.define_asset_job(
    "warehouse_view_tests_job",
    selection=dg.AssetSelection.assets(warehouse_models),
    description="Build the dbt models with every data test, those on the staging and intermediate views included.",
    config={"ops": {"warehouse_models": {"config": {"view_tests": True}}}},
)

warehouse_view_tests_schedule = dg.ScheduleDefinition(
    job=warehouse_view_tests_job,
    cron_schedule="0 5 * * 0",  # Sundays 05:00 UTC, after the nightly load
    execution_timezone="UTC",
)


class WarehouseDbtResource(DbtCliResource):
    """dagster-dbt's resource without two costs of its start-up (private hooks of dagster-dbt 0.29, pinned):

    - it is told the dbt version instead of running `dbt --version` in a subprocess on every run (4 s of a tiny
      day's run, the dbt import) to learn what the package metadata of the dbt beside this interpreter says;
    - it opens no dbt adapter in this process. The adapter serves only `fetch_column_metadata` and
      `fetch_row_counts`, which the platform does not call; and dagster-dbt opens it inside a bare `except:`, which
      swallowed a SIGTERM arriving then (the run went on to the end instead of stopping)."""

    @cached_property
    def _cli_version(self) -> Version:
        return Version(installed_version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):
        return None


@dg.definitions
def dbt_resources() -> dg.Definitions:
    # A module with a `@dg.definitions` function contributes what it returns: the models, their weekly job.
    return dg.Definitions(
        assets=[warehouse_models],
        jobs=[warehouse_view_tests_job],
        schedules=[warehouse_view_tests_schedule],
        resources={
            # DbtCliResource.__init__ takes a DbtProject; mypy reads the pydantic field (a str) as the parameter.
            "dbt": WarehouseDbtResource(project_dir=dbt_project, dbt_executable=dbt_executable())  # type: ignore[arg-type]
        },
    )
