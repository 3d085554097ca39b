with

base as (
    select * from {{ ref('base_finance__learning_costs') }}
),

final as (
    select
        {{ staged_column_list('learning_costs') }}
    from base
    where quarantine_reason is null
)

select * from final
