-- The current profile of every key of every dimension, filled parents first.
create or replace temp table risk_profile_rows (
    dimension varchar,
    key varchar,
    parent_dimension varchar,
    parent_key varchar,
    exams bigint,
    material bigint,
    revenue_found_usd double,
    raw_rate double,
    rate double,
    revenue_per_exam_usd double
)
