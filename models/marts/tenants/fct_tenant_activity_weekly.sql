{#
    One row per tenant and complete week from its onboarding week to the
    as-of week: live flag, weekly active users, autonomy and learning use,
    tasks, certifications and tickets. Health score columns are added by the
    health model.
#}

with

tenant_weeks as (
    select * from {{ ref('int_tenant_weeks_aggregated') }}
),

final as (
    select
        cast(tenant_id as varchar) as tenant_id,
        cast(week_start as date) as week_start,
        cast(industry as varchar) as industry,
        cast(plan_tier as varchar) as plan_tier,
        cast(onboarding_cohort as varchar) as onboarding_cohort,
        cast(is_live as boolean) as is_live,
        cast(weekly_active_users as integer) as weekly_active_users,
        cast(autonomy_users as integer) as autonomy_users,
        cast(learning_users as integer) as learning_users,
        cast(autonomy_or_learning_users as integer) as autonomy_or_learning_users,
        cast(has_autonomy_or_learning_event as boolean) as has_autonomy_or_learning_event,
        cast(events as bigint) as events,
        cast(autonomy_events as bigint) as autonomy_events,
        cast(learning_events as bigint) as learning_events,
        cast(tasks_completed as bigint) as tasks_completed,
        cast(tasks_failed as bigint) as tasks_failed,
        cast(content_views as bigint) as content_views,
        cast(certifications_issued as integer) as certifications_issued,
        cast(tickets as integer) as tickets,
        cast(tier1_tickets as integer) as tier1_tickets
    from tenant_weeks
)

select * from final
