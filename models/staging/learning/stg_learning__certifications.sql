with

base as (
    select * from {{ ref('base_learning__certifications') }}
),

final as (
    select
        certification_id,
        tenant_id,
        user_id,
        certification_name,
        certification_level,
        issued_at
    from base
    where quarantine_reason is null
)

select * from final
