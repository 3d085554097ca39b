with

base as (
    select * from {{ ref('base_billing__subscription_events') }}
),

final as (
    select
        {{ staged_column_list('subscription_events') }}
    from base
    where quarantine_reason is null
)

select * from final
