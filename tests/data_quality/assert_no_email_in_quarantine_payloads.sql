-- The quarantined user rows keep neither the e-mail address nor anything
-- derived from it: the payload is the raw row without its e-mail.
with

quarantined_rows as (
    select * from {{ ref('dq_quarantined_rows') }}
)

select *
from quarantined_rows
where
    raw_table = 'users'
    and (row_payload like '%@%' or row_payload like '%"email"%')
