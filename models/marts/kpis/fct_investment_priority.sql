{#
    Investment priority (spec "Executive layer"): one row per complete week x
    segment (industry, plan_tier) with three components read from
    fct_kpi_scorecard (which computes every 4-week change once). Which KPI
    and which scorecard column (value or change_vs_4_weeks) each component
    is lives in seed investment_priority_weights, beside its weight:
    - adoption_velocity: the 4-week change of weekly adoption;
    - impact_per_tenant: the 4-week change in the segment's mean health score;
    - cost_to_serve: the cost per learner (last complete month).
    The columns weekly_adoption_rate and health_score_mean (public names)
    carry the value of the KPI behind adoption_velocity and impact_per_tenant.
    Each component is standardised as a z-score across the segments of the
    same segment_type and week (population standard deviation; null when
    the component is missing or does not vary). priority_score = sum over
    components of weight x direction x z (seed investment_priority_weights),
    a missing z contributing 0. priority_rank ranks the segments of a
    segment_type within the week, 1 = highest score.
#}

{%- set components = ['adoption_velocity', 'impact_per_tenant', 'cost_to_serve'] %}

with

kpi_scorecard as (
    select * from {{ ref('fct_kpi_scorecard') }}
),

weights as (
    select * from {{ ref('investment_priority_weights') }}
),

component_rows as (
    -- left join: a segment keeps its row when no component's KPI has one
    select
        kpi_scorecard.week_start,
        kpi_scorecard.segment_type,
        kpi_scorecard.segment_value,
        weights.component,
        kpi_scorecard.value as kpi_value,
        case weights.scorecard_column
            when 'value' then kpi_scorecard.value
            when 'change_vs_4_weeks' then kpi_scorecard.change_vs_4_weeks
        end as component_value
    from kpi_scorecard
    left join weights
        on kpi_scorecard.kpi_name = weights.kpi_name
    where kpi_scorecard.segment_type in ('industry', 'plan_tier')
),

components as (
    select
        week_start,
        segment_type,
        segment_value,
        {%- for component in components %}
            max(case when component = '{{ component }}' then component_value end) as {{ component }},
        {%- endfor %}
        max(case when component = 'adoption_velocity' then kpi_value end) as weekly_adoption_rate,
        max(case when component = 'impact_per_tenant' then kpi_value end) as health_score_mean
    from component_rows
    group by 1, 2, 3
),

component_values as (
    -- exact decimals: a double sum over a window depends on the order the rows arrive in,
    -- so the z-scores would change in their last bits from one build to the next
    select
        week_start,
        segment_type,
        {%- for component in components %}
            {{ exact_decimal(component, 38, 10) }} as {{ component }}_exact,
        {%- endfor %}
        segment_value
    from components
),

component_moments as (
    select
        week_start,
        segment_type,
        {%- for component in components %}
            count({{ component }}_exact) as {{ component }}_count,
            sum({{ component }}_exact) as {{ component }}_sum,
            sum({{ component }}_exact * {{ component }}_exact) as {{ component }}_squares_sum,
        {%- endfor %}
        count(*) as segments
    from component_values
    group by 1, 2
),

standardised as (
    -- z = (x - mean) / population sd = (n x - sum) / sqrt(n squares_sum - sum^2)
    select
        {%- for component in components %}
            cast(
                component_moments.{{ component }}_count * component_values.{{ component }}_exact
                - component_moments.{{ component }}_sum
                as {{ dbt.type_float() }}
            ) / nullif(
                sqrt(cast(
                    component_moments.{{ component }}_count * component_moments.{{ component }}_squares_sum
                    - component_moments.{{ component }}_sum * component_moments.{{ component }}_sum
                    as {{ dbt.type_float() }}
                )),
                0
            ) as {{ component }}_z,
        {%- endfor %}
        components.*
    from components
    inner join component_values
        on
            components.week_start = component_values.week_start
            and components.segment_type = component_values.segment_type
            and components.segment_value = component_values.segment_value
    inner join component_moments
        on
            components.week_start = component_moments.week_start
            and components.segment_type = component_moments.segment_type
),

weight_columns as (
    select
        max(case when component = 'adoption_velocity' then weight * direction end) as adoption_velocity_weight,
        max(case when component = 'impact_per_tenant' then weight * direction end) as impact_per_tenant_weight,
        max(case when component = 'cost_to_serve' then weight * direction end) as cost_to_serve_weight
    from weights
),

scored as (
    select
        standardised.*,
        coalesce(weight_columns.adoption_velocity_weight * standardised.adoption_velocity_z, 0)
        + coalesce(weight_columns.impact_per_tenant_weight * standardised.impact_per_tenant_z, 0)
        + coalesce(weight_columns.cost_to_serve_weight * standardised.cost_to_serve_z, 0) as priority_score,
        (case when standardised.adoption_velocity_z is null then 0 else 1 end)
        + (case when standardised.impact_per_tenant_z is null then 0 else 1 end)
        + (case when standardised.cost_to_serve_z is null then 0 else 1 end) as components_scored
    from standardised
    cross join weight_columns
),

final as (
    select
        cast(week_start as date) as week_start,
        cast(segment_type as {{ dbt.type_string() }}) as segment_type,
        cast(segment_value as {{ dbt.type_string() }}) as segment_value,
        cast(weekly_adoption_rate as {{ dbt.type_float() }}) as weekly_adoption_rate,
        cast(adoption_velocity as {{ dbt.type_float() }}) as adoption_velocity,
        cast(adoption_velocity_z as {{ dbt.type_float() }}) as adoption_velocity_z,
        cast(health_score_mean as {{ dbt.type_float() }}) as health_score_mean,
        cast(impact_per_tenant as {{ dbt.type_float() }}) as impact_per_tenant,
        cast(impact_per_tenant_z as {{ dbt.type_float() }}) as impact_per_tenant_z,
        cast(cost_to_serve as {{ dbt.type_float() }}) as cost_to_serve,
        cast(cost_to_serve_z as {{ dbt.type_float() }}) as cost_to_serve_z,
        cast(components_scored as integer) as components_scored,
        cast(priority_score as {{ dbt.type_float() }}) as priority_score,
        cast(
            rank()
                over (
                    partition by week_start, segment_type
                    order by priority_score desc nulls last, segment_value asc
                )
            as integer
        ) as priority_rank
    from scored
)

select * from final
