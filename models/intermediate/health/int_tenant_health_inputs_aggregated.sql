{#
    The inputs of the health score (int_tenant_health_scored), one row per
    live tenant and complete week:

    - users_activated: the tenant's users whose persona activation
      (int_users_lifecycle.activated_at) falls in a week up to this one;
    - weekly_active_users and seats_purchased (int_tenant_weeks_aggregated);
    - tier1_tickets_28d: tier-1 tickets created in the trailing 28 days
      (this week and the 3 before, even before onboarding), beside
      active_users_28d, the users active in those 4 weeks;
    - nps_responses_in_window, nps_in_window: NPS over the latest answer per user in the
      nps_window_days (90) days ending with the week's last day (macro
      latest_nps_answers; cut-offs in nps_answer_sign).
#}

{{ config(materialized='ephemeral') }}

with

tenant_weeks as (
    select * from {{ ref('int_tenant_weeks_aggregated') }}
),

users as (
    select * from {{ ref('int_users_lifecycle') }}
),

user_weeks as (
    select * from {{ ref('int_user_weeks_aggregated') }}
),

user_days as (
    select * from {{ ref('int_user_days_aggregated') }}
),

tickets as (
    select * from {{ ref('stg_support__tickets') }}
),

live_tenant_weeks as (
    select
        tenant_id,
        week_start,
        week_end,
        industry,
        plan_tier,
        onboarding_cohort,
        seats_purchased,
        weekly_active_users
    from tenant_weeks
    where is_live
),

user_activation_weeks as (
    select
        tenant_id,
        cast({{ dbt.date_trunc('week', 'activated_at') }} as date) as activation_week_start,
        count(*) as users_activated
    from users
    where activated_at is not null
    group by 1, 2
),

activation_progress as (
    select
        live_tenant_weeks.tenant_id,
        live_tenant_weeks.week_start,
        coalesce(sum(user_activation_weeks.users_activated), 0) as users_activated
    from live_tenant_weeks
    left join user_activation_weeks
        on
            live_tenant_weeks.tenant_id = user_activation_weeks.tenant_id
            and user_activation_weeks.activation_week_start <= live_tenant_weeks.week_start
    group by 1, 2
),

tier1_tickets_weekly as (
    select
        tenant_id,
        cast({{ dbt.date_trunc('week', 'created_at') }} as date) as week_start,
        count(*) as tier1_tickets
    from tickets
    where ticket_tier = 1
    group by 1, 2
),

trailing_tickets as (
    select
        live_tenant_weeks.tenant_id,
        live_tenant_weeks.week_start,
        coalesce(sum(tier1_tickets_weekly.tier1_tickets), 0) as tier1_tickets_28d
    from live_tenant_weeks
    left join tier1_tickets_weekly
        on
            live_tenant_weeks.tenant_id = tier1_tickets_weekly.tenant_id
            and tier1_tickets_weekly.week_start <= live_tenant_weeks.week_start
            and tier1_tickets_weekly.week_start
            > cast({{ dbt.dateadd('day', -28, 'live_tenant_weeks.week_start') }} as date)
    group by 1, 2
),

trailing_active_users as (
    select
        live_tenant_weeks.tenant_id,
        live_tenant_weeks.week_start,
        count(distinct user_weeks.user_id) as active_users_28d
    from live_tenant_weeks
    inner join user_weeks
        on
            live_tenant_weeks.tenant_id = user_weeks.tenant_id
            and user_weeks.week_start <= live_tenant_weeks.week_start
            and user_weeks.week_start > cast({{ dbt.dateadd('day', -28, 'live_tenant_weeks.week_start') }} as date)
    group by 1, 2
),

latest_nps_in_window as (
    {{ latest_nps_answers(
        'live_tenant_weeks', ['tenant_id', 'week_start'],
        last_date='cast(' ~ dbt.dateadd('day', -1, 'live_tenant_weeks.week_end') ~ ' as date)',
        window_days=kpi_parameter('nps_window_days'),
        match_columns=['tenant_id'],
    ) }}
),

trailing_nps as (
    select
        tenant_id,
        week_start,
        count(*) as nps_responses_in_window,
        cast(100 as {{ dbt.type_float() }}) * (
            sum({{ nps_answer_sign('nps_score') }})
        ) / count(*) as nps_in_window
    from latest_nps_in_window
    group by 1, 2
),

final as (
    select
        live_tenant_weeks.tenant_id,
        live_tenant_weeks.week_start,
        live_tenant_weeks.industry,
        live_tenant_weeks.plan_tier,
        live_tenant_weeks.onboarding_cohort,
        live_tenant_weeks.seats_purchased,
        activation_progress.users_activated,
        live_tenant_weeks.weekly_active_users,
        trailing_tickets.tier1_tickets_28d,
        coalesce(trailing_active_users.active_users_28d, 0) as active_users_28d,
        coalesce(trailing_nps.nps_responses_in_window, 0) as nps_responses_in_window,
        trailing_nps.nps_in_window
    from live_tenant_weeks
    inner join activation_progress
        on
            live_tenant_weeks.tenant_id = activation_progress.tenant_id
            and live_tenant_weeks.week_start = activation_progress.week_start
    inner join trailing_tickets
        on
            live_tenant_weeks.tenant_id = trailing_tickets.tenant_id
            and live_tenant_weeks.week_start = trailing_tickets.week_start
    left join trailing_active_users
        on
            live_tenant_weeks.tenant_id = trailing_active_users.tenant_id
            and live_tenant_weeks.week_start = trailing_active_users.week_start
    left join trailing_nps
        on
            live_tenant_weeks.tenant_id = trailing_nps.tenant_id
            and live_tenant_weeks.week_start = trailing_nps.week_start
)

select * from final
