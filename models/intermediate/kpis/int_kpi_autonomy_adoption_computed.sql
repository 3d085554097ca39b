{#
    Adoption KPI family (spec KPI 1), one row per complete week x KPI x
    segment (all, industry, plan_tier, onboarding_cohort).

    adoption_rate_90d: rolling cohort = tenants whose adoption window
    (onboarded_date + adoption_window_days) closed in the rolling_cohort_weeks
    weeks ending with the week, i.e. on a day from week_start - 7 x (N - 1)
    to the week's last day. Numerator: those activated within the window
    (days(onboarded_at, activated_at) <= adoption_window_days, macro
    within_window; activation counts events from onboarded_at on, so the
    day count is never negative).
    Activation after the window (or none) counts in the denominator only.

    weekly_adoption_rate: live tenants with at least one autonomy or learning
    event in the week / live tenants.

    Both are proportions of tenants: unit_count = denominator, Wilson
    interval (seed kpi_interval_methods).
#}

{%- set segments = kpi_segments('tenant') %}

with

tenants as (
    select * from {{ ref('int_tenants_lifecycle') }}
),

tenant_weeks as (
    select * from {{ ref('int_tenant_weeks_aggregated') }}
),

complete_weeks as (
    select * from {{ ref('int_weeks_completed') }}
),

adoption_windows as (
    select
        tenant_id,
        industry,
        plan_tier,
        onboarding_cohort,
        cast({{ dbt.dateadd('day', kpi_parameter('adoption_window_days'), 'onboarded_date') }} as date)
            as window_closed_on,
        {{ within_window('days_to_activation', kpi_parameter('adoption_window_days')) }}
            as is_activated_within_window
    from tenants
),

adoption_cohorts as (
    select
        complete_weeks.week_start,
        adoption_windows.tenant_id,
        adoption_windows.industry,
        adoption_windows.plan_tier,
        adoption_windows.onboarding_cohort,
        adoption_windows.is_activated_within_window
    from complete_weeks
    inner join adoption_windows
        on
            {{ in_rolling_cohort('adoption_windows.window_closed_on') }}
),

adoption_rate_90d as (
    select
        week_start,
        'adoption_rate_90d' as kpi_name,
        {{ kpi_segment_columns(segments) }},
        cast(sum(case when is_activated_within_window then 1 else 0 end) as {{ dbt.type_float() }}) as numerator,
        cast(count(*) as {{ dbt.type_float() }}) as denominator
    from adoption_cohorts
    {{ kpi_grouping_sets(segments) }}  -- noqa: PRS
),

live_tenant_weeks as (
    select *
    from tenant_weeks
    where is_live
),

weekly_adoption_rate as (
    select
        week_start,
        'weekly_adoption_rate' as kpi_name,
        {{ kpi_segment_columns(segments) }},
        cast(sum(case when has_autonomy_or_learning_event then 1 else 0 end) as {{ dbt.type_float() }}) as numerator,
        cast(count(*) as {{ dbt.type_float() }}) as denominator
    from live_tenant_weeks
    {{ kpi_grouping_sets(segments) }}  -- noqa: PRS
),

unioned as (
    select * from adoption_rate_90d
    union all
    select * from weekly_adoption_rate
),

final as (
    select
        {{ kpi_family_columns(
            value='numerator / nullif(denominator, 0)',
            unit_count='denominator',
            interval_lower=wilson_interval_bound('numerator', 'denominator', 'lower'),
            interval_upper=wilson_interval_bound('numerator', 'denominator', 'upper'),
            interval_method="'wilson'"
        ) }}
    from unioned
)

select * from final
