{#
    The industry benchmark band of each KPI benchmarked by industry (seed
    industry_benchmarks: adoption_rate_90d, time_to_certification_median_days,
    performance_improvement), for every complete week and every tenant
    segment (the segments of fct_kpi_weekly's tenant KPIs):
    - segment industry: that industry's band, and its label;
    - segments all, plan_tier, onboarding_cohort: the blend of the industry
      bands weighted by the segment's tenants onboarded by the week's last
      day (tenant-weighted mean of the lows and of the highs); no row before
      the segment's first tenant is onboarded.
    The scorecard (fct_kpi_scorecard) turns the band into a threshold.
#}

with

industry_benchmarks as (
    select * from {{ ref('industry_benchmarks') }}
),

tenants as (
    select * from {{ ref('int_tenants_lifecycle') }}
),

complete_weeks as (
    select * from {{ ref('int_weeks_completed') }}
),

industry_bands as (
    select
        industry,
        industry_label,
        'adoption_rate_90d' as kpi_name,
        adoption_90d_low as band_low,
        adoption_90d_high as band_high
    from industry_benchmarks
    union all
    select
        industry,
        industry_label,
        'time_to_certification_median_days' as kpi_name,
        cast(time_to_certification_low_days as {{ dbt.type_float() }}) as band_low,
        cast(time_to_certification_high_days as {{ dbt.type_float() }}) as band_high
    from industry_benchmarks
    union all
    select
        industry,
        industry_label,
        'performance_improvement' as kpi_name,
        performance_improvement_low as band_low,
        performance_improvement_high as band_high
    from industry_benchmarks
),

industry_segment_bands as (
    select
        complete_weeks.week_start,
        industry_bands.kpi_name,
        'industry' as segment_type,
        industry_bands.industry as segment_value,
        industry_bands.band_low,
        industry_bands.band_high,
        industry_bands.industry_label
    from complete_weeks
    cross join industry_bands
),

tenant_segments as (
    select
        tenant_id,
        industry,
        onboarded_date,
        'all' as segment_type,
        'all' as segment_value
    from tenants
    union all
    select
        tenant_id,
        industry,
        onboarded_date,
        'plan_tier' as segment_type,
        plan_tier as segment_value
    from tenants
    union all
    select
        tenant_id,
        industry,
        onboarded_date,
        'onboarding_cohort' as segment_type,
        onboarding_cohort as segment_value
    from tenants
),

blended_bands as (
    select
        complete_weeks.week_start,
        industry_bands.kpi_name,
        tenant_segments.segment_type,
        tenant_segments.segment_value,
        -- averaged as exact decimals so that the order threads add rows in cannot change the last bits
        cast(avg({{ exact_decimal('industry_bands.band_low', 38, 10) }}) as {{ dbt.type_float() }}) as band_low,
        cast(avg({{ exact_decimal('industry_bands.band_high', 38, 10) }}) as {{ dbt.type_float() }}) as band_high,
        cast(null as {{ dbt.type_string() }}) as industry_label
    from complete_weeks
    inner join tenant_segments
        on tenant_segments.onboarded_date <= complete_weeks.week_last_date
    inner join industry_bands
        on tenant_segments.industry = industry_bands.industry
    group by 1, 2, 3, 4
),

final as (
    select * from industry_segment_bands
    union all
    select * from blended_bands
)

select * from final
