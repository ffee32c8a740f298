"""Port-shopping alerts: goods moved to another port after an adverse action at the first.

An adverse action is a material exam discrepancy (on the examined line's goods), a seizure or a penalty case tied to
an entry (on every line's goods of that entry). Goods are the 6-digit HS subheading and the manufacturer. An alert
is raised when the same entity (risk.importer_entities; the importer alone when it is not resolved) files the same
goods at another port after the action (after an exam's start; from the day after a seizure or a case, which are
dated only) and within the window of days after its date; one alert per action, goods and second port,
with the first move, the lines and value moved in the window as evidence. `second_port_used_before` marks goods the
entity already sent through that port in the 90 days before it filed the adverse entry (an exam starts up to two
days after filing, so shipments in between are not "before"): a multi-port importer rather than a move.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from warehouse.sql_files import query

SCHEMA = "risk"
WINDOW_DAYS = 30
# How far back a prior use of the second port for the same goods is looked for.
PRIOR_USE_DAYS = 90


def alerts_sql(window_days: int = WINDOW_DAYS) -> str:
    """The statement that (re)builds risk.port_shopping_alerts; its parameters are $window_days and
    $prior_use_days (`build`)."""
    if window_days < 1:
        raise ValueError(f"window_days must be at least 1, not {window_days}")
    return query(__package__, "port_shopping_alerts")


def build(con: duckdb.DuckDBPyConnection, window_days: int = WINDOW_DAYS) -> int:
    """(Re)build risk.port_shopping_alerts; needs risk.importer_entities. Returns the number of alerts."""
    con.execute(f"create schema if not exists {SCHEMA}")
    con.execute(alerts_sql(window_days), {"window_days": int(window_days), "prior_use_days": PRIOR_USE_DAYS})
    return con.execute(f"select count(*) from {SCHEMA}.port_shopping_alerts").fetchall()[0][0]


def score_against_truth(con: duckdb.DuckDBPyConnection, truth: pd.DataFrame, until: date | None = None) -> dict:
    """Recall of planted events and precision of the alerts. A planted event is found when an alert has its
    adverse entry, goods, first and second port; an alert is true when it matches a planted event. `until` keeps
    the events and alerts whose adverse action is on or before that date (the truth runs to the last day)."""
    con.register("planted_events", truth)
    try:
        row = con.execute(query(__package__, "port_shopping_score"), {"until": until}).fetchall()[0]
    finally:
        con.unregister("planted_events")
    events, found, alerts, true_alerts, new_port_alerts, true_new_port = (int(v) for v in row)
    return {
        "planted_events": events,
        "events_found": found,
        "recall": found / events if events else None,
        "alerts": alerts,
        "true_alerts": true_alerts,
        "precision": true_alerts / alerts if alerts else None,
        "alerts_new_port": new_port_alerts,
        "precision_new_port": true_new_port / new_port_alerts if new_port_alerts else None,
    }
