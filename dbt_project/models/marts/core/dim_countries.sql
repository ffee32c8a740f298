-- ISO 3166 countries with their UN region and the least-developed flag (relevant to GSP preference claims).
with

countries as (

    select * from {{ ref('stg_reference__countries') }}

)

-- The contract in the yml fixes this table's column names and types; the upstream model has exactly those
-- columns, so they are not listed a second time (a column added upstream fails the contract check).
select * from countries
