with

base as (
    select * from {{ ref('base_support__tickets') }}
),

final as (
    select
        {{ staged_column_list('support_tickets') }}
    from base
    where quarantine_reason is null
)

select * from final
