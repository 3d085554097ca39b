{#
    Time-to-certification KPI family (spec KPI 2), one row per complete week
    x KPI x segment (all, industry, plan_tier, onboarding_cohort).

    time_to_certification_median_days: median of days(onboarded_at,
    certified_at) over the tenants whose time to certification became known
    on a day of the rolling_cohort_weeks weeks ending with the week: the day
    of the first issued_at, or the onboarding day for a tenant certified
    before it was onboarded (its day count, negative, is only defined once
    it is onboarded, and its onboarding-cohort row starts then). An even
    count takes the mean of the two middle values. numerator is null (a
    median has no numerator); denominator = tenants in the cohort.

    certification_within_target_rate: each tenant's target is the upper
    bound of its industry's time-to-certification band (macro
    certification_targets). Rolling cohort =
    tenants whose target window (onboarded_date + target days) closed in the
    rolling_cohort_weeks weeks ending with the week; numerator = those
    certified within the target (days <= target, macro within_window: a
    certification issued before onboarding is within any target).

    Intervals (seed kpi_interval_methods): the median's exact order-statistic
    interval over the certified tenants (unit_count = denominator), the
    rate's Wilson interval (unit_count = denominator).
#}

{%- set segments = kpi_segments('tenant') %}

with

tenants as (
    select * from {{ ref('int_tenants_lifecycle') }}
),

industry_benchmarks as (
    select * from {{ ref('industry_benchmarks') }}
),

complete_weeks as (
    select * from {{ ref('int_weeks_completed') }}
),

certified_tenants as (
    select
        tenant_id,
        industry,
        plan_tier,
        onboarding_cohort,
        greatest(cast(certified_at as date), onboarded_date) as certification_known_date,
        days_to_certification
    from tenants
    where certified_at is not null
),

certification_cohorts as (
    select
        complete_weeks.week_start,
        certified_tenants.*
    from complete_weeks
    inner join certified_tenants
        on {{ in_rolling_cohort('certified_tenants.certification_known_date') }}
),

time_to_certification as (
    select
        week_start,
        'time_to_certification_median_days' as kpi_name,
        {{ kpi_segment_columns(segments) }},
        cast({{ median('days_to_certification') }} as {{ dbt.type_float() }}) as value,
        cast(null as {{ dbt.type_float() }}) as numerator,
        cast(count(*) as {{ dbt.type_float() }}) as denominator
    from certification_cohorts
    {{ kpi_grouping_sets(segments) }}  -- noqa: PRS
),

certification_day_frequencies as (
    select
        week_start,
        'time_to_certification_median_days' as kpi_name,
        {{ kpi_segment_columns(segments) }},
        days_to_certification as unit_value,
        count(*) as units
    from certification_cohorts
    {{ kpi_grouping_sets(segments, grain_columns='week_start, days_to_certification') }}  -- noqa: PRS
),

time_to_certification_intervals as (
    {{ median_order_statistic_interval(
        'certification_day_frequencies', ['week_start', 'kpi_name', 'segment_type', 'segment_value']
    ) }}
),

time_to_certification_with_intervals as (
    select
        time_to_certification.*,
        time_to_certification_intervals.unit_count,
        time_to_certification_intervals.interval_lower,
        time_to_certification_intervals.interval_upper,
        'median_order_statistic' as interval_method
    from time_to_certification
    left join time_to_certification_intervals
        on
            time_to_certification.week_start = time_to_certification_intervals.week_start
            and time_to_certification.segment_type = time_to_certification_intervals.segment_type
            and time_to_certification.segment_value = time_to_certification_intervals.segment_value
),

certification_targets as (
    {{ certification_targets('industry_benchmarks') }}
),

target_windows as (
    select
        tenants.tenant_id,
        tenants.industry,
        tenants.plan_tier,
        tenants.onboarding_cohort,
        cast(
            {{ dbt.dateadd('day', 'certification_targets.certification_target_days', 'tenants.onboarded_date') }}
            as date
        ) as target_closed_on,
        {{ within_window('tenants.days_to_certification', 'certification_targets.certification_target_days') }}
            as is_certified_within_target
    from tenants
    inner join certification_targets
        on tenants.industry = certification_targets.industry
),

target_cohorts as (
    select
        complete_weeks.week_start,
        target_windows.*
    from complete_weeks
    inner join target_windows
        on {{ in_rolling_cohort('target_windows.target_closed_on') }}
),

within_target_rate as (
    select
        week_start,
        'certification_within_target_rate' as kpi_name,
        {{ kpi_segment_columns(segments) }},
        cast(sum(case when is_certified_within_target then 1 else 0 end) as {{ dbt.type_float() }}) as numerator,
        cast(count(*) as {{ dbt.type_float() }}) as denominator
    from target_cohorts
    {{ kpi_grouping_sets(segments) }}  -- noqa: PRS
),

within_target_rate_valued as (
    select
        week_start,
        kpi_name,
        segment_type,
        segment_value,
        numerator / nullif(denominator, 0) as value,
        numerator,
        denominator,
        cast(denominator as integer) as unit_count,
        {{ wilson_interval_bound('numerator', 'denominator', 'lower') }} as interval_lower,
        {{ wilson_interval_bound('numerator', 'denominator', 'upper') }} as interval_upper,
        'wilson' as interval_method
    from within_target_rate
),

unioned as (
    select * from time_to_certification_with_intervals
    union all
    select * from within_target_rate_valued
),

final as (
    select
        {{ kpi_family_columns() }}
    from unioned
)

select * from final
