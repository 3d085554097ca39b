with

base as (
    select * from {{ ref('base_learning__content') }}
),

final as (
    select
        {{ staged_column_list('content') }}
    from base
    where quarantine_reason is null
)

select * from final
