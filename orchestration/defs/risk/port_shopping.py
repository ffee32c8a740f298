"""Port-shopping alerts (risk.port_shopping_alerts)."""

import dagster as dg

from orchestration.defs.risk import RISK
from orchestration.policy import marts
from orchestration.table_assets import Written, table_asset
from warehouse.risk import port_shopping

PORT_SHOPPING_INPUTS = [
    dg.AssetKey(["risk", "importer_entities"]),
    *marts("fct_entry_lines", "fct_exams", "fct_seizures", "fct_penalties"),
]


class PortShoppingConfig(dg.Config):
    """Days after an adverse action in which filing the same goods at another port raises an alert."""

    window_days: int = port_shopping.WINDOW_DAYS


def _alerts(con, config: PortShoppingConfig) -> Written:
    count = port_shopping.build(con, config.window_days)
    new_port = con.execute(
        "select count(*) from risk.port_shopping_alerts where not second_port_used_before"
    ).fetchall()[0][0]
    return Written(count, {"alerts_to_a_new_port": new_port, "window_days": config.window_days})


port_shopping_alerts = table_asset(
    RISK,
    ["risk", "port_shopping_alerts"],
    _alerts,
    config=PortShoppingConfig,
    deps=PORT_SHOPPING_INPUTS,
    kinds={"duckdb"},
    description="Same goods (HS6 and manufacturer) filed by the same entity at another port within the window after "
    "a material exam discrepancy, seizure or penalty at the first, with the evidence.",
)
