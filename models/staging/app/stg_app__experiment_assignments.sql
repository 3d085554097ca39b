with

base as (
    select * from {{ ref('base_app__experiment_assignments') }}
),

final as (
    select
        experiment_id,
        tenant_id,
        arm,
        assigned_at
    from base
    where quarantine_reason is null
)

select * from final
