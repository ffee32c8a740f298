-- The model's runs and the scored lines, created when missing and brought up to date when older.
create schema if not exists risk;

-- status of a run: a model was trained ('`trained`'), or the cutoff's training data was too thin and `note`
-- says why (no files).
create table if not exists risk.model_runs (
    model_id varchar primary key,
    purpose varchar,
    trained_at timestamp with time zone,
    train_from date,
    train_to date,
    cutoff date,
    n_train bigint,
    n_positive bigint,
    params varchar,
    features varchar[],
    model_path varchar,
    revenue_model_path varchar,
    status varchar,
    note varchar
);

-- Warehouses from before runs had a status: every run they recorded trained a model.
alter table risk.model_runs add column if not exists status varchar default '{{ trained }}';
alter table risk.model_runs add column if not exists note varchar;

create table if not exists risk.line_scores (
    entry_number varchar,
    line_number bigint,
    importer_number varchar,
    filed_date date,
    model_id varchar,
    p_material double,
    expected_revenue_usd double,
    top_reasons varchar,
    scored_at timestamp with time zone
);

-- Before scoring was incremental the table had no scored_at: NULL makes every such score stale, rescored once.
alter table risk.line_scores add column if not exists scored_at timestamp with time zone;
