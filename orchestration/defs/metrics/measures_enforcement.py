"""Partnership, targeting effectiveness, deterrence and the port and priority trade issue report cards (metrics)."""

import dagster as dg
import pandas as pd

from orchestration.defs.metrics import METRICS
from orchestration.policy import marts
from orchestration.table_assets import Written, estimates, table_asset
from warehouse.metrics.deterrence import DEFAULT_WINDOW_DAYS, EXTRA_COLUMNS, deterrence
from warehouse.metrics.estimates import write_estimates
from warehouse.metrics.partnership import DEFAULT_TOP_N, partnership
from warehouse.metrics.report_cards import CARDS, report_card
from warehouse.metrics.report_cards import EXTRA_COLUMNS as CARD_COLUMNS
from warehouse.metrics.targeting import targeting_effectiveness


class PartnershipConfig(dg.Config):
    """How many of the top importers by entered value count as prioritised."""

    top_n: int = DEFAULT_TOP_N


class DeterrenceConfig(dg.Config):
    """Days before and after an importer's first adverse event compared."""

    window_days: int = DEFAULT_WINDOW_DAYS


def _partnership(con, config: PartnershipConfig) -> Written:
    frame = partnership(con, top_n=config.top_n)
    write_estimates(con, "partnership", frame)
    return estimates(frame, top_n=config.top_n)


def _targeting_effectiveness(con) -> Written:
    frame = targeting_effectiveness(con)
    write_estimates(con, "targeting_effectiveness", frame)
    return estimates(frame)


def _deterrence(con, config: DeterrenceConfig) -> Written:
    frame = deterrence(con, window_days=config.window_days)
    write_estimates(con, "deterrence", frame, EXTRA_COLUMNS)
    effects = frame[frame["measure"] == "deterrence_effect"].set_index("domain_value")["estimate"]
    metadata = {f"effect_{k}": float(v) for k, v in effects.items() if pd.notna(v)}
    return estimates(frame, **metadata, window_days=config.window_days)


partnership_measures = table_asset(
    METRICS,
    ["metrics", "partnership"],
    _partnership,
    config=PartnershipConfig,
    deps=marts("dim_programs", "fct_entries", "fct_exams", "fct_audits"),
    description="Trusted importers verified more than once; prioritised (top by value) importers enrolled; by "
    "programme.",
)

targeting_effectiveness_measures = table_asset(
    METRICS,
    ["metrics", "targeting_effectiveness"],
    _targeting_effectiveness,
    deps=marts("fct_exams", "fct_audits"),
    description="Exams, hit rate, lift over the random sample, revenue found, officer and audit hours, PTI share of "
    "hours, by enforcement environment.",
)

deterrence_measures = table_asset(
    METRICS,
    ["metrics", "deterrence"],
    _deterrence,
    config=DeterrenceConfig,
    deps=marts(
        "fct_exams", "fct_entries", "fct_entry_lines", "dim_commodities", "fct_penalties", "fct_seizures", "fct_audits"
    ),
    description="Discrepancy rates before and after a first penalty, seizure or audit finding, against matched "
    "importers.",
)


def _report_card_asset(domain: str) -> dg.AssetsDefinition:
    table, _ = CARDS[domain]

    def build(con) -> Written:
        frame, missing = report_card(con, domain)
        write_estimates(con, table, frame, CARD_COLUMNS)
        written = estimates(
            frame,
            **{f"{domain}s": int(frame["domain_value"].nunique())},
            missing_inputs=dg.MetadataValue.text(", ".join(missing) or "none"),
        )
        if missing:
            written.warnings.append(f"metrics.{table} built without {', '.join(missing)} (not in the warehouse)")
        return written

    return table_asset(
        METRICS,
        ["metrics", table],
        build,
        deps=[
            *marts("fct_exams", "fct_audits", "fct_seizures", "fct_penalties"),
            dg.AssetKey(["metrics", "compliance_rate"]),
            dg.AssetKey(["metrics", "clearance_speed"]),
        ],
        description=f"One row per {domain} x measure x fiscal period with rank, direction, prior estimate and trend.",
    )


report_card_ports = _report_card_asset("port")
report_card_ptis = _report_card_asset("pti")
