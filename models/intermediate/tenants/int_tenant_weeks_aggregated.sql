{#
    One row per tenant and complete ISO week, from the week of onboarded_at
    to the as-of week (weeks after a churn are kept, with is_live false).
    Activity is rolled up from int_user_weeks_aggregated; tickets and
    certifications are counted by the week of created_at / issued_at.

    is_live (spec): onboarded_at before the week's end and no churn event
    effective before the week's start.
#}

with

tenants as (
    select * from {{ ref('int_tenants_lifecycle') }}
),

complete_weeks as (
    select * from {{ ref('int_weeks_completed') }}
),

user_weeks as (
    select * from {{ ref('int_user_weeks_aggregated') }}
),

tickets as (
    select * from {{ ref('stg_support__tickets') }}
),

certifications as (
    select * from {{ ref('stg_learning__certifications') }}
),

tenant_weeks as (
    select
        tenants.tenant_id,
        tenants.industry,
        tenants.plan_tier,
        tenants.onboarding_cohort,
        tenants.seats_purchased,
        tenants.onboarded_at,
        tenants.churned_at,
        complete_weeks.week_start,
        complete_weeks.week_end
    from tenants
    inner join complete_weeks
        on complete_weeks.week_start >= cast({{ dbt.date_trunc('week', 'tenants.onboarded_at') }} as date)
),

activity as (
    select
        tenant_id,
        week_start,
        count(*) as weekly_active_users,
        sum(case when has_autonomy_event then 1 else 0 end) as autonomy_users,
        sum(case when has_learning_event then 1 else 0 end) as learning_users,
        sum(case when has_autonomy_or_learning_event then 1 else 0 end) as autonomy_or_learning_users,
        sum(events) as events,
        sum(autonomy_events) as autonomy_events,
        sum(learning_events) as learning_events,
        sum(tasks_completed) as tasks_completed,
        sum(tasks_failed) as tasks_failed,
        sum(content_views) as content_views
    from user_weeks
    group by 1, 2
),

tickets_weekly as (
    select
        tenant_id,
        cast({{ dbt.date_trunc('week', 'created_at') }} as date) as week_start,
        count(*) as tickets,
        sum(case when ticket_tier = 1 then 1 else 0 end) as tier1_tickets
    from tickets
    group by 1, 2
),

certifications_weekly as (
    select
        tenant_id,
        cast({{ dbt.date_trunc('week', 'issued_at') }} as date) as week_start,
        count(*) as certifications_issued
    from certifications
    group by 1, 2
),

final as (
    select
        tenant_weeks.tenant_id,
        tenant_weeks.week_start,
        tenant_weeks.week_end,
        tenant_weeks.industry,
        tenant_weeks.plan_tier,
        tenant_weeks.onboarding_cohort,
        tenant_weeks.seats_purchased,
        (
            tenant_weeks.onboarded_at < cast(tenant_weeks.week_end as timestamp)
            and coalesce(tenant_weeks.churned_at >= cast(tenant_weeks.week_start as timestamp), true)
        ) as is_live,
        coalesce(activity.weekly_active_users, 0) as weekly_active_users,
        coalesce(activity.autonomy_users, 0) as autonomy_users,
        coalesce(activity.learning_users, 0) as learning_users,
        coalesce(activity.autonomy_or_learning_users, 0) as autonomy_or_learning_users,
        coalesce(activity.autonomy_or_learning_users, 0) > 0 as has_autonomy_or_learning_event,
        coalesce(activity.events, 0) as events,
        coalesce(activity.autonomy_events, 0) as autonomy_events,
        coalesce(activity.learning_events, 0) as learning_events,
        coalesce(activity.tasks_completed, 0) as tasks_completed,
        coalesce(activity.tasks_failed, 0) as tasks_failed,
        coalesce(activity.content_views, 0) as content_views,
        coalesce(certifications_weekly.certifications_issued, 0) as certifications_issued,
        coalesce(tickets_weekly.tickets, 0) as tickets,
        coalesce(tickets_weekly.tier1_tickets, 0) as tier1_tickets
    from tenant_weeks
    left join activity
        on
            tenant_weeks.tenant_id = activity.tenant_id
            and tenant_weeks.week_start = activity.week_start
    left join tickets_weekly
        on
            tenant_weeks.tenant_id = tickets_weekly.tenant_id
            and tenant_weeks.week_start = tickets_weekly.week_start
    left join certifications_weekly
        on
            tenant_weeks.tenant_id = certifications_weekly.tenant_id
            and tenant_weeks.week_start = certifications_weekly.week_start
)

select * from final
