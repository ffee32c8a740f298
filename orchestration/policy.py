"""The orchestration policy every asset module shares: the writers' pool, when derived assets rebuild, how an asset
names the dbt marts it reads, and the group each defs folder declares once. One place, so a module cannot drift from
the others (tests/test_asset_graph.py records the result for review)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import dagster as dg

# DuckDB allows one writing process per file: every asset that writes runs in this pool, whose limit is 1
# (orchestration/dagster.yaml), so runs launched by the sensor, the schedule and the UI queue instead of failing.
WRITER_POOL = "warehouse_writer"

# Models and the analyst copy rebuild once new deliveries land, but only when every blocking (error-severity) quality
# check upstream passed: blocking stops downstream steps inside one run; this condition stops the daemon's next run.
EAGER_WHEN_CHECKS_PASS = dg.AutomationCondition.eager() & dg.AutomationCondition.all_deps_blocking_checks_passed()

# What most assets are: tables written by Python through DuckDB.
PYTHON_TABLE = frozenset({"duckdb", "python"})


def marts(*models: str) -> list[dg.AssetKey]:
    """The asset keys of dbt mart models (`marts/<model>`), as an asset's `deps`."""
    return [dg.AssetKey(["marts", model]) for model in models]


@dataclass(frozen=True)
class Group:
    """One asset group as a defs folder declares it, once, in its `__init__.py`: its name, its assets' default kinds
    and when they rebuild. Every asset it makes runs in the writers' pool: the pool is not a parameter, so a new
    asset cannot leave it out (and `in_writer_pool` refuses definitions where something did)."""

    name: str
    kinds: frozenset[str] = PYTHON_TABLE
    # None: rebuilt only when a job or the sensor asks (the feeds and reference tables load what lands).
    automation_condition: dg.AutomationCondition | None = EAGER_WHEN_CHECKS_PASS

    def asset(
        self, *, key: Sequence[str], deps: Iterable[Any] = (), kinds: Iterable[str] | None = None, **kwargs: Any
    ) -> Callable[[Callable[..., Any]], dg.AssetsDefinition]:
        """`@dg.asset` with the group, kinds, automation and pool of the group."""
        return dg.asset(
            key=list(key),
            deps=list(deps),
            group_name=self.name,
            kinds=set(self.kinds if kinds is None else kinds),
            pool=WRITER_POOL,
            automation_condition=self.automation_condition,
            **kwargs,
        )

    def spec(
        self, key: Sequence[str], *, description: str, deps: Iterable[Any] = (), kinds: Iterable[str] | None = None
    ) -> dg.AssetSpec:
        """One table of a multi-asset, in this group."""
        return dg.AssetSpec(
            list(key),
            deps=list(deps),
            group_name=self.name,
            kinds=set(self.kinds if kinds is None else kinds),
            automation_condition=self.automation_condition,
            description=description,
        )

    def multi_asset(
        self, *, specs: Sequence[dg.AssetSpec], **kwargs: Any
    ) -> Callable[[Callable[..., Any]], dg.AssetsDefinition]:
        """`@dg.multi_asset` in the writers' pool; the specs come from `spec`."""
        return dg.multi_asset(specs=specs, pool=WRITER_POOL, **kwargs)


class OutsideWriterPool(Exception):
    """An asset or check step that does not run in the writers' pool."""


def in_writer_pool(defs: dg.Definitions) -> dg.Definitions:
    """`defs`, after checking that every asset and asset-check step runs in the writers' pool: each one reads or
    writes the warehouse file, and one outside the pool would open it while a load writes (DuckDB refuses the second
    process). Checked when the definitions load, so the UI and `tradewh run` refuse them, not a run at 3 a.m."""
    outside = sorted(
        definition.node_def.name
        for definition in [*(defs.assets or []), *(defs.asset_checks or [])]
        if isinstance(definition, dg.AssetsDefinition) and WRITER_POOL not in definition.node_def.pools
    )
    if outside:
        raise OutsideWriterPool(f"not in the {WRITER_POOL} pool: {', '.join(outside)} (use orchestration.policy.Group)")
    return defs
