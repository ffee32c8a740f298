-- An order-independent digest of a small table: the sum of its rows' hashes (the alias is the whole row), as text.
select coalesce(cast(sum(hash(t)) as varchar), 'empty') as digest
from {{ table }} as t  -- noqa: AL05
