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

SCHEMA = "risk"
WINDOW_DAYS = 30
# How far back a prior use of the second port for the same goods is looked for.
PRIOR_USE_DAYS = 90


def alerts_sql(window_days: int = WINDOW_DAYS) -> str:
    if window_days < 1:
        raise ValueError(f"window_days must be at least 1, not {window_days}")
    return f"""
with entity as (
    select importer_number, entity_id from {SCHEMA}.importer_entities
),
lines as (
    select l.entry_number, l.line_number, l.importer_number,
           coalesce(e.entity_id, 'IMP-' || l.importer_number) as entity_id,
           l.port_code, l.hs_subheading as hs6, l.manufacturer_id, l.filed_date, l.filed_at, l.entered_value_usd
    from marts.fct_entry_lines l
    left join entity e using (importer_number)
    where l.hs_subheading is not null and l.manufacturer_id is not null and l.filed_at is not null
),
actions as (
    -- moves_from: an exam's start is known to the minute; a seizure or case only by date, so from the next day.
    select 'exam_discrepancy' as adverse_action, x.exam_id as adverse_reference, x.exam_date as adverse_on,
           x.started_at as moves_from, x.port_code as first_port,
           l.entry_number, l.importer_number, l.entity_id, l.hs6, l.manufacturer_id
    from marts.fct_exams x
    join lines l on l.entry_number = x.entry_number and l.line_number = x.line_number
    where x.is_discrepancy and x.is_material and x.started_at is not null
    union all
    select 'seizure', s.seizure_id, s.seized_on, (s.seized_on + 1)::timestamptz, s.port_code,
           l.entry_number, l.importer_number, l.entity_id, l.hs6, l.manufacturer_id
    from marts.fct_seizures s
    join lines l on l.entry_number = s.entry_number
    where s.seized_on is not null
    union all
    select 'penalty', p.penalty_case_number, p.opened_on, (p.opened_on + 1)::timestamptz, l.port_code,
           l.entry_number, l.importer_number, l.entity_id, l.hs6, l.manufacturer_id
    from marts.fct_penalties p
    join lines l on l.entry_number = p.entry_number
    where p.opened_on is not null
),
goods_actions as (
    -- One action per reference and goods (an entry can hold several lines of the same goods).
    select distinct a.*, f.adverse_entry_filed_on
    from actions a
    join (select entry_number, min(filed_date) as adverse_entry_filed_on from lines group by all) f using (entry_number)
),
moves as (
    select a.*, m.port_code as second_port, m.importer_number as moved_importer_number, m.entry_number as moved_entry,
           m.filed_date as moved_on, m.entered_value_usd
    from goods_actions a
    join lines m
      on m.entity_id = a.entity_id and m.hs6 = a.hs6 and m.manufacturer_id = a.manufacturer_id
     and m.port_code <> a.first_port
     and m.filed_at > a.moves_from and m.filed_date <= a.adverse_on + {int(window_days)}
),
grouped as (
    select adverse_action, adverse_reference, adverse_on, moves_from, first_port, entry_number as adverse_entry_number,
           adverse_entry_filed_on, importer_number, entity_id, hs6, manufacturer_id, second_port,
           min(moved_on) as moved_on,
           arg_min(moved_entry, (moved_on, moved_entry)) as first_moved_entry_number,
           arg_min(moved_importer_number, (moved_on, moved_entry)) as moved_importer_number,
           count(*) as lines, count(distinct moved_entry) as entries,
           sum(entered_value_usd) as entered_value_usd
    from moves
    group by all
)
select
    'PS-' || substr(md5(concat_ws('|', g.adverse_action, g.adverse_reference, g.hs6, g.manufacturer_id,
                                   g.second_port)), 1, 16) as alert_id,
    g.importer_number, g.entity_id, g.hs6 as hs, g.manufacturer_id, g.first_port,
    g.adverse_action, g.adverse_reference, g.adverse_entry_number, g.adverse_entry_filed_on, g.adverse_on,
    g.moves_from,
    g.second_port, g.moved_on, g.moved_on - g.adverse_on as days_after, g.moved_importer_number,
    g.first_moved_entry_number, g.entries, g.lines, g.entered_value_usd,
    exists (
        select 1 from lines b
        where b.entity_id = g.entity_id and b.hs6 = g.hs6 and b.manufacturer_id = g.manufacturer_id
          and b.port_code = g.second_port
          and b.filed_date < g.adverse_entry_filed_on and b.filed_date >= g.adverse_entry_filed_on - {PRIOR_USE_DAYS}
    ) as second_port_used_before,
    {int(window_days)} as window_days
from grouped g
order by g.adverse_on, g.adverse_action, g.adverse_reference, g.hs6, g.manufacturer_id, g.second_port
"""


def build(con: duckdb.DuckDBPyConnection, window_days: int = WINDOW_DAYS) -> int:
    """(Re)build risk.port_shopping_alerts; needs risk.importer_entities. Returns the number of alerts."""
    con.execute(f"create schema if not exists {SCHEMA}")
    con.execute(f"create or replace table {SCHEMA}.port_shopping_alerts as {alerts_sql(window_days)}")
    return con.execute(f"select count(*) from {SCHEMA}.port_shopping_alerts").fetchall()[0][0]


def score_against_truth(con: duckdb.DuckDBPyConnection, truth: pd.DataFrame, until: date | None = None) -> dict:
    """Recall of planted events and precision of the alerts. A planted event is found when an alert has its
    adverse entry, goods, first and second port; an alert is true when it matches a planted event. `until` keeps
    the events and alerts whose adverse action is on or before that date (the truth runs to the last day)."""
    con.register("planted_events", truth)
    try:
        cutoff = "" if until is None else f"and adverse_on <= date '{until.isoformat()}'"
        row = con.execute(
            f"""
            with t as (select * from planted_events where true {cutoff}),
            a as (select * from {SCHEMA}.port_shopping_alerts where true {cutoff}),
            hit as (
                select a.alert_id, t.event_id, a.second_port_used_before
                from a join t
                  on a.adverse_entry_number = t.adverse_entry_number and a.hs = t.hs6
                 and a.manufacturer_id = t.manufacturer_id and a.first_port = t.first_port
                 and a.second_port = t.second_port
            )
            select (select count(*) from t), (select count(distinct event_id) from hit),
                   (select count(*) from a), (select count(distinct alert_id) from hit),
                   (select count(*) from a where not second_port_used_before),
                   (select count(distinct alert_id) from hit where not second_port_used_before)
            """
        ).fetchall()[0]
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
