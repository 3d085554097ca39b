with

base as (
    select * from {{ ref('base_support__tickets') }}
),

final as (
    select
        ticket_id,
        tenant_id,
        user_id,
        created_at,
        ticket_tier,
        ticket_category,
        resolved_at
    from base
    where quarantine_reason is null
)

select * from final
