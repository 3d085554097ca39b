with

base as (
    select * from {{ ref('base_app__users') }}
),

final as (
    select
        user_id,
        tenant_id,
        persona,
        created_at,
        deactivated_at
    from base
    where quarantine_reason is null
)

select * from final
