with

base as (
    select * from {{ ref('base_learning__content') }}
),

final as (
    select
        content_id,
        course_id,
        title,
        content_type,
        published_at,
        last_updated_at,
        retired_at
    from base
    where quarantine_reason is null
)

select * from final
