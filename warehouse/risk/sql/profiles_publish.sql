-- risk.profiles: the rows, with the day of the last outcome they count and the prior they were smoothed with.
create or replace table risk.profiles as
select
    *,
    cast($outcomes_through as date) as outcomes_through,
    cast($prior_exams as double) as prior_exams
from risk_profile_rows
order by dimension, key
