with

base as (
    select * from {{ ref('base_app__tenants') }}
),

final as (
    select
        tenant_id,
        tenant_name,
        industry,
        plan_tier,
        region,
        seats_purchased,
        signed_at,
        onboarded_at
    from base
    where quarantine_reason is null
)

select * from final
