"""dbt models as Dagster assets; dbt tests surface as asset checks on them.

Asset keys are the relations the models build (`marts.fct_entry_lines`), and dbt sources carry
`meta.dagster.asset_key` (`raw.entries`, `reference.ports`), so lineage from the feed assets needs no mapping.
"""

from collections.abc import Mapping
from functools import cached_property
from importlib.metadata import version as installed_version
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets
from packaging.version import Version

from orchestration.dbt_project import dbt_executable, dbt_project
from orchestration.resources import EAGER_WHEN_CHECKS_PASS, WRITER_POOL

dbt_project.prepare_if_dev()


class WarehouseTranslator(DagsterDbtTranslator):
    """Keys are `<layer schema>.<model>`; groups are the layers; models rebuild when their upstream changes."""

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = self.get_resource_props(manifest, unique_id)
        if props["resource_type"] not in ("model", "seed", "snapshot"):
            return spec
        layer = props["fqn"][1] if len(props["fqn"]) > 2 else "warehouse"
        return spec.replace_attributes(
            key=dg.AssetKey([props["schema"], props["name"]]),
            group_name=layer,
            automation_condition=EAGER_WHEN_CHECKS_PASS,
        )


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=WarehouseTranslator(),
    pool=WRITER_POOL,
)
def warehouse_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    """Build and test the dbt models (`dbt build`): staging views, intermediate views, mart tables. The unit tests
    (fixed inputs, testing the SQL's logic, not the data) run in the test suite, not on every load."""
    yield from dbt.cli(["build", "--exclude-resource-type", "unit_test"], context=context).stream()


class WarehouseDbtResource(DbtCliResource):
    """dagster-dbt's resource, told the dbt version instead of asking: it runs `dbt --version` in a subprocess on
    every run (4 s of a tiny day's run, the dbt import) to learn what the package metadata of the dbt beside this
    interpreter (`dbt_executable`) already says."""

    @cached_property
    def _cli_version(self) -> Version:
        return Version(installed_version("dbt-core"))


@dg.definitions
def dbt_resources() -> dg.Definitions:
    return dg.Definitions(
        resources={"dbt": WarehouseDbtResource(project_dir=dbt_project, dbt_executable=dbt_executable())}
    )
