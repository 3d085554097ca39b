with

base as (
    select * from {{ ref('base_app__users') }}
),

final as (
    select
        {{ staged_column_list('users') }}
    from base
    where quarantine_reason is null
)

select * from final
