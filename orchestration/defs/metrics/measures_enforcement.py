"""Partnership, targeting effectiveness, deterrence and the port and priority trade issue report cards (metrics)."""

import dagster as dg
import pandas as pd

from orchestration.policy import EAGER_WHEN_CHECKS_PASS, WRITER_POOL, marts
from orchestration.resources import WarehouseResource
from warehouse.metrics.deterrence import DEFAULT_WINDOW_DAYS, EXTRA_COLUMNS, deterrence
from warehouse.metrics.estimates import write_estimates
from warehouse.metrics.partnership import DEFAULT_TOP_N, partnership
from warehouse.metrics.report_cards import CARDS, report_card
from warehouse.metrics.report_cards import EXTRA_COLUMNS as CARD_COLUMNS
from warehouse.metrics.targeting import targeting_effectiveness


def _summary(frame: pd.DataFrame) -> dict:
    return {
        "row_count": len(frame),
        "suppressed_rows": int(frame["suppressed"].fillna(False).astype(bool).sum()),
        "measures": dg.MetadataValue.text(", ".join(sorted(frame["measure"].unique()))),
    }


class PartnershipConfig(dg.Config):
    """How many of the top importers by entered value count as prioritised."""

    top_n: int = DEFAULT_TOP_N


class DeterrenceConfig(dg.Config):
    """Days before and after an importer's first adverse event compared."""

    window_days: int = DEFAULT_WINDOW_DAYS


@dg.asset(
    key=["metrics", "partnership"],
    deps=marts("dim_programs", "fct_entries", "fct_exams", "fct_audits"),
    group_name="metrics",
    kinds={"duckdb", "python"},
    pool=WRITER_POOL,
    automation_condition=EAGER_WHEN_CHECKS_PASS,
)
def partnership_measures(config: PartnershipConfig, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Trusted importers verified more than once; prioritised (top by value) importers enrolled; by programme."""
    with warehouse.connect() as con:
        frame = partnership(con, top_n=config.top_n)
        write_estimates(con, "partnership", frame)
    return dg.MaterializeResult(metadata={**_summary(frame), "top_n": config.top_n})


@dg.asset(
    key=["metrics", "targeting_effectiveness"],
    deps=marts("fct_exams", "fct_audits"),
    group_name="metrics",
    kinds={"duckdb", "python"},
    pool=WRITER_POOL,
    automation_condition=EAGER_WHEN_CHECKS_PASS,
)
def targeting_effectiveness_measures(warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Exams, hit rate, lift over the random sample, revenue found, officer and audit hours, PTI share of hours, by
    enforcement environment."""
    with warehouse.connect() as con:
        frame = targeting_effectiveness(con)
        write_estimates(con, "targeting_effectiveness", frame)
    return dg.MaterializeResult(metadata=_summary(frame))


@dg.asset(
    key=["metrics", "deterrence"],
    deps=marts(
        "fct_exams", "fct_entries", "fct_entry_lines", "dim_commodities", "fct_penalties", "fct_seizures", "fct_audits"
    ),
    group_name="metrics",
    kinds={"duckdb", "python"},
    pool=WRITER_POOL,
    automation_condition=EAGER_WHEN_CHECKS_PASS,
)
def deterrence_measures(config: DeterrenceConfig, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Discrepancy rates before and after a first penalty, seizure or audit finding, against matched importers."""
    with warehouse.connect() as con:
        frame = deterrence(con, window_days=config.window_days)
        write_estimates(con, "deterrence", frame, EXTRA_COLUMNS)
    effects = frame[frame["measure"] == "deterrence_effect"].set_index("domain_value")["estimate"]
    metadata = {f"effect_{k}": float(v) for k, v in effects.items() if pd.notna(v)}
    return dg.MaterializeResult(metadata={**_summary(frame), **metadata, "window_days": config.window_days})


def _report_card_asset(domain: str):
    table, _ = CARDS[domain]

    @dg.asset(
        key=["metrics", table],
        deps=[
            *marts("fct_exams", "fct_audits", "fct_seizures", "fct_penalties"),
            dg.AssetKey(["metrics", "compliance_rate"]),
            dg.AssetKey(["metrics", "clearance_speed"]),
        ],
        group_name="metrics",
        kinds={"duckdb", "python"},
        pool=WRITER_POOL,
        automation_condition=EAGER_WHEN_CHECKS_PASS,
        description=f"One row per {domain} x measure x fiscal period with rank, direction, prior estimate and trend.",
    )
    def card(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        with warehouse.connect() as con:
            frame, missing = report_card(con, domain)
            write_estimates(con, table, frame, CARD_COLUMNS)
        if missing:
            context.log.warning(f"metrics.{table} built without {', '.join(missing)} (not in the warehouse)")
        return dg.MaterializeResult(
            metadata={
                **_summary(frame),
                f"{domain}s": int(frame["domain_value"].nunique()),
                "missing_inputs": dg.MetadataValue.text(", ".join(missing) or "none"),
            }
        )

    return card


report_card_ports = _report_card_asset("port")
report_card_ptis = _report_card_asset("pti")
