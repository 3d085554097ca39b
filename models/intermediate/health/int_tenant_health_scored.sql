{#
    Health score (spec "Health, risk and pilots"): one row per live tenant and
    complete week. Four components in [0, 1], weighted by the
    health_score_weights seed, times 100:

    - activation_progress = users activated (int_users_lifecycle.activated_at
      before the week's end) / seats_purchased, capped at 1;
    - usage_depth = weekly active users / seats_purchased / target_wau_share,
      capped at 1;
    - support_load = 1 - (tier-1 tickets created in the trailing 28 days, i.e.
      this week and the 3 before, even before onboarding, / users active in
      those 4 weeks) /
      ticket_ceiling, floored at 0;
    - sentiment = (NPS + 100) / 200, NPS over the latest answer per user in
      the nps_window_days (90) days ending with the week's last day.

    A component that cannot be computed (no seats; no active user in 28 days;
    no NPS answer) is null and flagged; the score uses the component's seeded
    neutral_value in its place, so a missing input never reads as bad health.
    The band is the health_bands row with the largest min_score <= score.
    The score is stored exact (not rounded), so the band agrees with it.
#}

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

weights as (
    select * from {{ ref('health_score_weights') }}
),

bands as (
    select * from {{ ref('health_bands') }}
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
        count(*) as nps_responses_90d,
        cast(100 as {{ dbt.type_float() }}) * (
            sum({{ nps_answer_sign('nps_score') }})
        ) / count(*) as nps_90d
    from latest_nps_in_window
    group by 1, 2
),

inputs as (
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
        coalesce(trailing_nps.nps_responses_90d, 0) as nps_responses_90d,
        trailing_nps.nps_90d
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
),

components as (
    select
        *,
        case
            when seats_purchased > 0
                then least(1.0, cast(users_activated as {{ dbt.type_float() }}) / seats_purchased)
        end as activation_progress_component,
        case
            when seats_purchased > 0
                then least(
                    1.0,
                    cast(weekly_active_users as {{ dbt.type_float() }}) / seats_purchased
                    / {{ kpi_parameter('target_wau_share') }}
                )
        end as usage_depth_component,
        case
            when active_users_28d > 0
                then greatest(
                    0.0,
                    1.0 - cast(tier1_tickets_28d as {{ dbt.type_float() }}) / active_users_28d
                    / {{ kpi_parameter('ticket_ceiling') }}
                )
        end as support_load_component,
        case
            when nps_responses_90d > 0 then (nps_90d + 100.0) / 200.0
        end as sentiment_component
    from inputs
),

component_weights as (
    select
        max(case when component = 'activation_progress' then weight end) as activation_progress_weight,
        max(case when component = 'usage_depth' then weight end) as usage_depth_weight,
        max(case when component = 'support_load' then weight end) as support_load_weight,
        max(case when component = 'sentiment' then weight end) as sentiment_weight,
        max(case when component = 'activation_progress' then neutral_value end) as activation_progress_neutral,
        max(case when component = 'usage_depth' then neutral_value end) as usage_depth_neutral,
        max(case when component = 'support_load' then neutral_value end) as support_load_neutral,
        max(case when component = 'sentiment' then neutral_value end) as sentiment_neutral
    from weights
),

points as (
    select
        components.*,
        components.activation_progress_component is null as is_activation_progress_missing,
        components.usage_depth_component is null as is_usage_depth_missing,
        components.support_load_component is null as is_support_load_missing,
        components.sentiment_component is null as is_sentiment_missing,
        100.0 * component_weights.activation_progress_weight * coalesce(
            components.activation_progress_component, component_weights.activation_progress_neutral
        ) as activation_progress_points,
        100.0 * component_weights.usage_depth_weight * coalesce(
            components.usage_depth_component, component_weights.usage_depth_neutral
        ) as usage_depth_points,
        100.0 * component_weights.support_load_weight * coalesce(
            components.support_load_component, component_weights.support_load_neutral
        ) as support_load_points,
        100.0 * component_weights.sentiment_weight * coalesce(
            components.sentiment_component, component_weights.sentiment_neutral
        ) as sentiment_points
    from components
    cross join component_weights
),

scored as (
    select
        *,
        (
            is_activation_progress_missing
            or is_usage_depth_missing
            or is_support_load_missing
            or is_sentiment_missing
        ) as has_missing_component,
        -- exact: a score just under a band edge stays under it (rounding is for presentation)
        activation_progress_points + usage_depth_points + support_load_points + sentiment_points as health_score
    from points
),

band_ranges as (
    select
        health_band,
        band_rank,
        min_score,
        lead(min_score) over (order by min_score) as next_min_score
    from bands
),

final as (
    select
        scored.tenant_id,
        scored.week_start,
        scored.industry,
        scored.plan_tier,
        scored.onboarding_cohort,
        scored.seats_purchased,
        scored.users_activated,
        scored.weekly_active_users,
        scored.tier1_tickets_28d,
        scored.active_users_28d,
        scored.nps_responses_90d,
        scored.nps_90d,
        scored.activation_progress_component,
        scored.usage_depth_component,
        scored.support_load_component,
        scored.sentiment_component,
        scored.is_activation_progress_missing,
        scored.is_usage_depth_missing,
        scored.is_support_load_missing,
        scored.is_sentiment_missing,
        scored.has_missing_component,
        scored.activation_progress_points,
        scored.usage_depth_points,
        scored.support_load_points,
        scored.sentiment_points,
        scored.health_score,
        band_ranges.health_band,
        band_ranges.band_rank as health_band_rank
    from scored
    left join band_ranges
        on
            scored.health_score >= band_ranges.min_score
            and (band_ranges.next_min_score is null or scored.health_score < band_ranges.next_min_score)
)

select * from final
