{#
    One row per tenant and complete week from its onboarding week to the
    as-of week: live flag, weekly active users, autonomy and learning use,
    tasks, certifications and tickets, and the health score with its
    components (int_tenant_health_scored; null in weeks the tenant is not live).
#}

with

tenant_weeks as (
    select * from {{ ref('int_tenant_weeks_aggregated') }}
),

health as (
    select * from {{ ref('int_tenant_health_scored') }}
),

final as (
    select
        cast(tenant_weeks.tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(tenant_weeks.week_start as date) as week_start,
        cast(tenant_weeks.industry as {{ dbt.type_string() }}) as industry,
        cast(tenant_weeks.plan_tier as {{ dbt.type_string() }}) as plan_tier,
        cast(tenant_weeks.onboarding_cohort as {{ dbt.type_string() }}) as onboarding_cohort,
        cast(tenant_weeks.is_live as boolean) as is_live,
        cast(tenant_weeks.weekly_active_users as integer) as weekly_active_users,
        cast(tenant_weeks.autonomy_users as integer) as autonomy_users,
        cast(tenant_weeks.learning_users as integer) as learning_users,
        cast(tenant_weeks.autonomy_or_learning_users as integer) as autonomy_or_learning_users,
        cast(tenant_weeks.has_autonomy_or_learning_event as boolean) as has_autonomy_or_learning_event,
        cast(tenant_weeks.events as bigint) as events,
        cast(tenant_weeks.autonomy_events as bigint) as autonomy_events,
        cast(tenant_weeks.learning_events as bigint) as learning_events,
        cast(tenant_weeks.tasks_completed as bigint) as tasks_completed,
        cast(tenant_weeks.tasks_failed as bigint) as tasks_failed,
        cast(tenant_weeks.content_views as bigint) as content_views,
        cast(tenant_weeks.certifications_issued as integer) as certifications_issued,
        cast(tenant_weeks.tickets as integer) as tickets,
        cast(tenant_weeks.tier1_tickets as integer) as tier1_tickets,
        cast(health.health_score as {{ dbt.type_float() }}) as health_score,
        cast(health.health_band as {{ dbt.type_string() }}) as health_band,
        cast(health.activation_progress_component as {{ dbt.type_float() }}) as activation_progress_component,
        cast(health.usage_depth_component as {{ dbt.type_float() }}) as usage_depth_component,
        cast(health.support_load_component as {{ dbt.type_float() }}) as support_load_component,
        cast(health.sentiment_component as {{ dbt.type_float() }}) as sentiment_component,
        cast(health.has_missing_component as boolean) as has_missing_component
    from tenant_weeks
    left join health
        on
            tenant_weeks.tenant_id = health.tenant_id
            and tenant_weeks.week_start = health.week_start
)

select * from final
