{#
    Tenants whose health band worsened (band rank went up) against their
    previous week, one row per tenant and week of the worsening, with the
    component whose points fell most. Filter on is_as_of_week for "this
    week"; earlier weeks are kept as history.
#}

with

health as (
    select * from {{ ref('int_tenant_health_scored') }}
),

weights as (
    select * from {{ ref('health_score_weights') }}
),

complete_weeks as (
    select * from {{ ref('int_weeks_completed') }}
),

last_complete_week as (
    select max(week_start) as as_of_week_start
    from complete_weeks
),

paired as (
    select
        current_week.tenant_id,
        current_week.week_start,
        current_week.industry,
        current_week.plan_tier,
        previous_week.health_band as previous_health_band,
        current_week.health_band,
        previous_week.health_score as previous_health_score,
        current_week.health_score,
        current_week.activation_progress_points - previous_week.activation_progress_points
            as activation_progress_change,
        current_week.usage_depth_points - previous_week.usage_depth_points as usage_depth_change,
        current_week.support_load_points - previous_week.support_load_points as support_load_change,
        current_week.sentiment_points - previous_week.sentiment_points as sentiment_change,
        current_week.has_missing_component
    from health as current_week
    inner join health as previous_week
        on
            current_week.tenant_id = previous_week.tenant_id
            and previous_week.week_start = cast({{ dbt.dateadd('day', -7, 'current_week.week_start') }} as date)
    where current_week.health_band_rank > previous_week.health_band_rank
),

component_changes as (
    select
        tenant_id,
        week_start,
        'activation_progress' as component,
        activation_progress_change as points_change
    from paired
    union all
    select
        tenant_id,
        week_start,
        'usage_depth' as component,
        usage_depth_change as points_change
    from paired
    union all
    select
        tenant_id,
        week_start,
        'support_load' as component,
        support_load_change as points_change
    from paired
    union all
    select
        tenant_id,
        week_start,
        'sentiment' as component,
        sentiment_change as points_change
    from paired
),

largest_drop as (
    select
        component_changes.tenant_id,
        component_changes.week_start,
        component_changes.component,
        weights.component_label,
        component_changes.points_change,
        row_number() over (
            partition by component_changes.tenant_id, component_changes.week_start
            order by component_changes.points_change, component_changes.component
        ) as drop_rank
    from component_changes
    left join weights
        on component_changes.component = weights.component
),

final as (
    select
        cast(paired.tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(paired.week_start as date) as week_start,
        cast(paired.industry as {{ dbt.type_string() }}) as industry,
        cast(paired.plan_tier as {{ dbt.type_string() }}) as plan_tier,
        cast(paired.previous_health_band as {{ dbt.type_string() }}) as previous_health_band,
        cast(paired.health_band as {{ dbt.type_string() }}) as health_band,
        cast(paired.previous_health_score as {{ dbt.type_float() }}) as previous_health_score,
        cast(paired.health_score as {{ dbt.type_float() }}) as health_score,
        cast(paired.health_score - paired.previous_health_score as {{ dbt.type_float() }}) as health_score_change,
        cast(largest_drop.component as {{ dbt.type_string() }}) as component_moved_most,
        cast(coalesce(largest_drop.component_label, largest_drop.component) as {{ dbt.type_string() }})
            as component_moved_most_label,
        cast(largest_drop.points_change as {{ dbt.type_float() }}) as component_points_change,
        paired.has_missing_component,
        paired.week_start = last_complete_week.as_of_week_start as is_as_of_week
    from paired
    inner join largest_drop
        on
            paired.tenant_id = largest_drop.tenant_id
            and paired.week_start = largest_drop.week_start
            and largest_drop.drop_rank = 1
    cross join last_complete_week
)

select * from final
