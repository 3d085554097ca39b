with

base as (
    select * from {{ ref('base_finance__learning_costs') }}
),

final as (
    select
        cost_id,
        tenant_id,
        cost_month,
        cost_category,
        amount_usd
    from base
    where quarantine_reason is null
)

select * from final
