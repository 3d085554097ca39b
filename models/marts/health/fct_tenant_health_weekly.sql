{#
    Health score history: one row per live tenant and complete week, with the
    components, the missing-component flags, the points per component and
    the change against the tenant's previous week.
#}

with

health as (
    select * from {{ ref('int_tenant_health_scored') }}
),

with_previous as (
    select
        *,
        lag(week_start) over (partition by tenant_id order by week_start) as previous_week_start,
        lag(health_score) over (partition by tenant_id order by week_start) as previous_health_score_any,
        lag(health_band) over (partition by tenant_id order by week_start) as previous_health_band_any
    from health
),

final as (
    select
        cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(week_start as date) as week_start,
        cast(industry as {{ dbt.type_string() }}) as industry,
        cast(plan_tier as {{ dbt.type_string() }}) as plan_tier,
        cast(onboarding_cohort as {{ dbt.type_string() }}) as onboarding_cohort,
        cast(seats_purchased as integer) as seats_purchased,
        cast(users_activated as integer) as users_activated,
        cast(weekly_active_users as integer) as weekly_active_users,
        cast(tier1_tickets_28d as integer) as tier1_tickets_28d,
        cast(active_users_28d as integer) as active_users_28d,
        cast(nps_responses_in_window as integer) as nps_responses_90d,
        cast(nps_in_window as {{ dbt.type_float() }}) as nps_90d,
        cast(activation_progress_component as {{ dbt.type_float() }}) as activation_progress_component,
        cast(usage_depth_component as {{ dbt.type_float() }}) as usage_depth_component,
        cast(support_load_component as {{ dbt.type_float() }}) as support_load_component,
        cast(sentiment_component as {{ dbt.type_float() }}) as sentiment_component,
        is_activation_progress_missing,
        is_usage_depth_missing,
        is_support_load_missing,
        is_sentiment_missing,
        has_missing_component,
        cast(activation_progress_points as {{ dbt.type_float() }}) as activation_progress_points,
        cast(usage_depth_points as {{ dbt.type_float() }}) as usage_depth_points,
        cast(support_load_points as {{ dbt.type_float() }}) as support_load_points,
        cast(sentiment_points as {{ dbt.type_float() }}) as sentiment_points,
        cast(health_score as {{ dbt.type_float() }}) as health_score,
        cast(health_band as {{ dbt.type_string() }}) as health_band,
        cast(health_band_rank as integer) as health_band_rank,
        cast(
            case
                when previous_week_start = cast({{ dbt.dateadd('day', -7, 'week_start') }} as date)
                    then previous_health_score_any
            end as {{ dbt.type_float() }}
        ) as previous_health_score,
        cast(
            case
                when previous_week_start = cast({{ dbt.dateadd('day', -7, 'week_start') }} as date)
                    then previous_health_band_any
            end as {{ dbt.type_string() }}
        ) as previous_health_band,
        cast(
            case
                when previous_week_start = cast({{ dbt.dateadd('day', -7, 'week_start') }} as date)
                    then health_score - previous_health_score_any
            end as {{ dbt.type_float() }}
        ) as health_score_change
    from with_previous
)

select * from final
