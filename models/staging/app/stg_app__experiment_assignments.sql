with

base as (
    select * from {{ ref('base_app__experiment_assignments') }}
),

final as (
    select
        {{ staged_column_list('experiment_assignments') }}
    from base
    where quarantine_reason is null
)

select * from final
