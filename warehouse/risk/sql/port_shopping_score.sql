-- Planted events and alerts (those whose adverse action is on or before `until`, all when it is null), the events
-- an alert found and the alerts that match an event; the same for the alerts to a port not used before.
with t as (
    select * from planted_events
    where $until is null or adverse_on <= $until
),

a as (
    select * from risk.port_shopping_alerts
    where $until is null or adverse_on <= $until
),

hit as (
    select
        a.alert_id,
        t.event_id,
        a.second_port_used_before
    from a
    inner join t
        on
            a.adverse_entry_number = t.adverse_entry_number and a.hs = t.hs6
            and a.manufacturer_id = t.manufacturer_id and a.first_port = t.first_port
            and a.second_port = t.second_port
)

select
    (select count(*) from t) as planted_events,
    (select count(distinct hit.event_id) from hit) as events_found,
    (select count(*) from a) as alerts,
    (select count(distinct hit.alert_id) from hit) as true_alerts,
    (
        select count(*) from a
        where not a.second_port_used_before
    ) as alerts_new_port,
    (
        select count(distinct hit.alert_id) from hit
        where not hit.second_port_used_before
    ) as true_alerts_new_port
