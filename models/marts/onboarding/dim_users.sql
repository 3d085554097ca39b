with

users_lifecycle as (
    select * from {{ ref('int_users_lifecycle') }}
),

final as (
    select
        user_id,
        tenant_id,
        persona,
        created_at,
        created_date,
        deactivated_at,
        deactivated_at is not null as is_deactivated,
        signup_week_start,
        signup_month_start,
        onboarding_cohort,
        industry,
        plan_tier,
        region
    from users_lifecycle
)

select * from final
