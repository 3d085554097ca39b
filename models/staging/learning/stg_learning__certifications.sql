with

base as (
    select * from {{ ref('base_learning__certifications') }}
),

final as (
    select
        {{ staged_column_list('certifications') }}
    from base
    where quarantine_reason is null
)

select * from final
