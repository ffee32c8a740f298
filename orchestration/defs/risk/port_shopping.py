"""Port-shopping alerts (risk.port_shopping_alerts)."""

import dagster as dg

from orchestration.policy import EAGER_WHEN_CHECKS_PASS, WRITER_POOL, marts
from orchestration.resources import WarehouseResource
from warehouse.risk import port_shopping

PORT_SHOPPING_INPUTS = [
    dg.AssetKey(["risk", "importer_entities"]),
    *marts("fct_entry_lines", "fct_exams", "fct_seizures", "fct_penalties"),
]


class PortShoppingConfig(dg.Config):
    """Days after an adverse action in which filing the same goods at another port raises an alert."""

    window_days: int = port_shopping.WINDOW_DAYS


@dg.asset(
    key=["risk", "port_shopping_alerts"],
    deps=PORT_SHOPPING_INPUTS,
    group_name="risk",
    kinds={"duckdb"},
    pool=WRITER_POOL,
    automation_condition=EAGER_WHEN_CHECKS_PASS,
)
def port_shopping_alerts(config: PortShoppingConfig, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Same goods (HS6 and manufacturer) filed by the same entity at another port within the window after a material
    exam discrepancy, seizure or penalty at the first, with the evidence."""
    with warehouse.connect() as con:
        count = port_shopping.build(con, config.window_days)
        new_port = con.execute(
            "select count(*) from risk.port_shopping_alerts where not second_port_used_before"
        ).fetchall()[0][0]
    return dg.MaterializeResult(
        metadata={"row_count": count, "alerts_to_a_new_port": new_port, "window_days": config.window_days}
    )
