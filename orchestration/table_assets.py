"""A factory for the assets that rebuild warehouse tables from the marts (schemas `risk` and `metrics`): open the
warehouse once, call the library's builder, close it before the step ends, and report what was written with the same
metadata everywhere (`row_count`; for a table of estimates, `suppressed_rows` counted one way).

The builder is a plain function of the connection (and of the asset's config, when it has one) returning a `Written`
per table; the modules in orchestration/defs/ say only what is particular to each table."""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import dagster as dg
import pandas as pd

from orchestration.policy import Group
from orchestration.resources import WarehouseResource


@dataclass
class Written:
    """What a builder wrote to one table: its rows, anything else worth showing, and warnings for the run's log."""

    row_count: int
    metadata: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def result(self, asset_key: dg.AssetKey | None = None) -> dg.MaterializeResult:
        return dg.MaterializeResult(asset_key=asset_key, metadata={"row_count": self.row_count, **self.metadata})


def estimates(frame: pd.DataFrame, **metadata: Any) -> Written:
    """A table of estimates (warehouse/metrics/estimates.py) as written: its rows, the cells suppressed for too few
    sampled units (every estimates frame has the column, an empty one too), the measures and periods it holds."""
    summary: dict[str, Any] = {"suppressed_rows": int(frame["suppressed"].fillna(False).astype(bool).sum())}
    if "measure" in frame:
        summary["measures"] = dg.MetadataValue.text(", ".join(sorted(frame["measure"].dropna().unique())))
    if "period" in frame:
        summary["periods"] = sorted(frame["period"].dropna().unique().tolist())
    return Written(len(frame), {**summary, **metadata})


# A builder takes the open connection, and the asset's config when it declares one.
Builder = Callable[..., Written]
TablesBuilder = Callable[..., Mapping[str, Written]]


def table_asset(
    group: Group,
    key: Sequence[str],
    build: Builder,
    *,
    deps: Iterable[Any],
    description: str,
    config: type[dg.Config] | None = None,
    kinds: Iterable[str] | None = None,
) -> dg.AssetsDefinition:
    """One asset for one table: `build(con)` or `build(con, config)` writes it and says what it wrote."""

    @group.asset(
        key=key,
        deps=deps,
        kinds=kinds,
        description=description,
        config_schema=config.to_fields_dict() if config else None,
    )
    def _table(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        written = _build(context, warehouse, build, config)
        for warning in written.warnings:
            context.log.warning(warning)
        return written.result()

    return _table


def tables_asset(
    group: Group,
    name: str,
    tables: Mapping[str, str],
    build: TablesBuilder,
    *,
    schema: str,
    deps: Iterable[Any],
    config: type[dg.Config] | None = None,
    kinds: Iterable[str] | None = None,
) -> dg.AssetsDefinition:
    """One step writing several tables of `schema` together (`tables`: name -> description): `build` returns a
    `Written` per table name."""
    deps = list(deps)
    specs = [
        group.spec([schema, table], deps=deps, kinds=kinds, description=description)
        for table, description in tables.items()
    ]

    @group.multi_asset(name=name, specs=specs, config_schema=config.to_fields_dict() if config else None)
    def _tables(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        written = _build(context, warehouse, build, config)
        if set(written) != set(tables):
            raise ValueError(f"{name} wrote {sorted(written)}, declared {sorted(tables)}")
        for table in tables:
            for warning in written[table].warnings:
                context.log.warning(warning)
            yield written[table].result(dg.AssetKey([schema, table]))

    return _tables


def _build(context: dg.AssetExecutionContext, warehouse: WarehouseResource, build, config: type[dg.Config] | None):
    # One connection for reading and writing, closed before the step ends: DuckDB has one writer per file, and the
    # next step of the run (or the next run in the pool) opens it again.
    with warehouse.connect() as con:
        if config is None:
            return build(con)
        return build(con, config(**context.op_execution_context.op_config))
