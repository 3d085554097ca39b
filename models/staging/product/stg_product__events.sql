with

base as (
    select * from {{ ref('base_product__events') }}
),

final as (
    select
        event_id,
        tenant_id,
        user_id,
        event_name,
        event_category,
        is_known_event_name,
        occurred_at,
        occurred_date,
        received_at,
        load_date,
        {{ event_properties() | map(attribute='column') | join(',\n        ') }}
    from base
    where quarantine_reason is null
)

select * from final
