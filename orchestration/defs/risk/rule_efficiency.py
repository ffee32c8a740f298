"""Targeting-rule efficiency and the purge list (risk.rule_efficiency, risk.rules_to_purge)."""

import dagster as dg

from orchestration.defs.risk import RISK
from orchestration.policy import marts
from orchestration.table_assets import Written, table_asset
from warehouse.risk.rule_efficiency import PurgePolicy, build_rule_efficiency, build_rules_to_purge

RULE_INPUTS = marts("fct_exams", "fct_entry_lines", "dim_rules", "dim_dates")


class PurgeConfig(dg.Config):
    """When a rule is listed for purge (defaults: lift < 1.5 in the last 2 fiscal quarters with >= 30 lines)."""

    lift_threshold: float = PurgePolicy.lift_threshold
    periods: int = PurgePolicy.periods
    min_lines: int = PurgePolicy.min_lines
    grain: str = PurgePolicy.grain


def _efficiency(con) -> Written:
    stats = build_rule_efficiency(con)
    quarters = stats[stats["period_kind"] == "fiscal_quarter"]
    return Written(
        len(stats), {"rules": int(stats["rule_id"].nunique()), "quarters": int(quarters["period"].nunique())}
    )


def _purge(con, config: PurgeConfig) -> Written:
    purge = build_rules_to_purge(
        con, PurgePolicy(config.lift_threshold, config.periods, config.min_lines, config.grain)
    )
    return Written(len(purge), {"rules": dg.MetadataValue.text(", ".join(purge["rule_id"]) or "none")})


rule_efficiency = table_asset(
    RISK,
    ["risk", "rule_efficiency"],
    _efficiency,
    deps=RULE_INPUTS,
    description="Every targeting rule by fiscal quarter and year: exams, hits, hit rate (Wilson 95%), lift over the "
    "random sample of its scope, revenue found, officer hours, last productive hit.",
)

rules_to_purge = table_asset(
    RISK,
    ["risk", "rules_to_purge"],
    _purge,
    config=PurgeConfig,
    deps=[rule_efficiency],
    description="Rules whose lift stayed below the threshold for the configured number of periods, with the reason.",
)
