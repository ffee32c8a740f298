"""Targeting-rule efficiency and the purge list (risk.rule_efficiency, risk.rules_to_purge)."""

import dagster as dg

from orchestration.policy import EAGER_WHEN_CHECKS_PASS, WRITER_POOL, marts
from orchestration.resources import WarehouseResource
from warehouse.risk.rule_efficiency import PurgePolicy, build_rule_efficiency, build_rules_to_purge

RULE_INPUTS = marts("fct_exams", "fct_entry_lines", "dim_rules", "dim_dates")


class PurgeConfig(dg.Config):
    """When a rule is listed for purge (defaults: lift < 1.5 in the last 2 fiscal quarters with >= 30 lines)."""

    lift_threshold: float = PurgePolicy.lift_threshold
    periods: int = PurgePolicy.periods
    min_lines: int = PurgePolicy.min_lines
    grain: str = PurgePolicy.grain


@dg.asset(
    key=["risk", "rule_efficiency"],
    deps=RULE_INPUTS,
    group_name="risk",
    kinds={"duckdb", "python"},
    pool=WRITER_POOL,
    automation_condition=EAGER_WHEN_CHECKS_PASS,
)
def rule_efficiency(warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Every targeting rule by fiscal quarter and year: exams, hits, hit rate (Wilson 95%), lift over the random
    sample of its scope, revenue found, officer hours, last productive hit."""
    with warehouse.connect() as con:
        stats = build_rule_efficiency(con)
    quarters = stats[stats["period_kind"] == "fiscal_quarter"]
    return dg.MaterializeResult(
        metadata={
            "row_count": len(stats),
            "rules": int(stats["rule_id"].nunique()),
            "quarters": int(quarters["period"].nunique()),
        }
    )


@dg.asset(
    key=["risk", "rules_to_purge"],
    deps=[rule_efficiency],
    group_name="risk",
    kinds={"duckdb", "python"},
    pool=WRITER_POOL,
    automation_condition=EAGER_WHEN_CHECKS_PASS,
)
def rules_to_purge(config: PurgeConfig, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Rules whose lift stayed below the threshold for the configured number of periods, with the reason."""
    policy = PurgePolicy(config.lift_threshold, config.periods, config.min_lines, config.grain)
    with warehouse.connect() as con:
        purge = build_rules_to_purge(con, policy)
    return dg.MaterializeResult(
        metadata={"row_count": len(purge), "rules": dg.MetadataValue.text(", ".join(purge["rule_id"]) or "none")}
    )
