with

users_lifecycle as (
    select * from {{ ref('int_users_lifecycle') }}
),

final as (
    select
        {{ user_attribute_columns() }},
        onboarding_cohort,
        deactivated_at is not null as is_deactivated
    from users_lifecycle
)

select * from final
