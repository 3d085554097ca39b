-- The quarantined user rows keep the e-mail hash, never the address.
with

quarantined_rows as (
    select * from {{ ref('dq_quarantined_rows') }}
)

select *
from quarantined_rows
where
    raw_table = 'users'
    and row_payload like '%@%'
