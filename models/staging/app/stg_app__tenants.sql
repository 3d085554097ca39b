with

base as (
    select * from {{ ref('base_app__tenants') }}
),

final as (
    select
        {{ staged_column_list('tenants') }}
    from base
    where quarantine_reason is null
)

select * from final
