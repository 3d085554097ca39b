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
    The inputs (counts over the trailing windows) come from
    int_tenant_health_inputs_aggregated.
    The band is the health_bands row with the largest min_score <= score.
    The score is stored exact (not rounded), so the band agrees with it.
#}

with

inputs as (
    select * from {{ ref('int_tenant_health_inputs_aggregated') }}
),

weights as (
    select * from {{ ref('health_score_weights') }}
),

bands as (
    select * from {{ ref('health_bands') }}
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
            when nps_responses_in_window > 0 then (nps_in_window + 100.0) / 200.0
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
        scored.nps_responses_in_window,
        scored.nps_in_window,
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
