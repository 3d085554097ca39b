with

base as (
    select * from {{ ref('base_billing__subscription_events') }}
),

final as (
    select
        subscription_event_id,
        tenant_id,
        event_type,
        effective_at,
        seats_delta,
        mrr_delta_usd
    from base
    where quarantine_reason is null
)

select * from final
