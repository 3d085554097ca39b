with

base as (
    select * from {{ ref('base_product__events') }}
),

final as (
    select
        {{ staged_event_column_list() }}
    from base
    where quarantine_reason is null
)

select * from final
