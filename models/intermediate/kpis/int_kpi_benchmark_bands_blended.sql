{#
    The industry benchmark band of each KPI benchmarked by industry (seed
    industry_benchmarks, one row per industry and KPI), for every complete
    week and every tenant segment (the segments of fct_kpi_weekly's tenant
    KPIs):
    - segment industry: that industry's band, and its label;
    - segments all, plan_tier, onboarding_cohort (macro kpi_segments, the
      tenant KPIs' segments, through one grouping-sets query): the blend of
      the industry bands weighted by the segment's tenants onboarded by the
      week's last day (tenant-weighted mean of the lows and of the highs); no
      row before the segment's first tenant is onboarded.
    The scorecard (fct_kpi_scorecard) turns the band into a threshold.
#}

{#- the tenant KPIs' segments but industry, whose rows carry the industry's own band #}
{%- set blended_segments = kpi_segments('tenant') %}
{%- do blended_segments.pop('industry') %}

with

industry_benchmarks as (
    select * from {{ ref('industry_benchmarks') }}
),

industries as (
    select * from {{ ref('industries') }}
),

tenants as (
    select * from {{ ref('int_tenants_lifecycle') }}
),

complete_weeks as (
    select * from {{ ref('int_weeks_completed') }}
),

industry_bands as (
    select
        industry_benchmarks.industry,
        industries.industry_label,
        industry_benchmarks.kpi_name,
        industry_benchmarks.benchmark_low as band_low,
        industry_benchmarks.benchmark_high as band_high
    from industry_benchmarks
    inner join industries
        on industry_benchmarks.industry = industries.industry
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

onboarded_tenant_bands as (
    -- each tenant onboarded by the week's last day, with its industry's band
    select
        complete_weeks.week_start,
        industry_bands.kpi_name,
        {%- for column in blended_segments.values() %}
            tenants.{{ column }},
        {%- endfor %}
        industry_bands.band_low,
        industry_bands.band_high
    from complete_weeks
    inner join tenants
        on tenants.onboarded_date <= complete_weeks.week_last_date
    inner join industry_bands
        on tenants.industry = industry_bands.industry
),

blended_bands as (
    select
        week_start,
        kpi_name,
        {{ kpi_segment_columns(blended_segments) }},
        -- averaged as exact decimals so that the order threads add rows in cannot change the last bits
        cast(avg({{ exact_decimal('band_low', 38, 10) }}) as {{ dbt.type_float() }}) as band_low,
        cast(avg({{ exact_decimal('band_high', 38, 10) }}) as {{ dbt.type_float() }}) as band_high,
        cast(null as {{ dbt.type_string() }}) as industry_label
    from onboarded_tenant_bands
    {{ kpi_grouping_sets(blended_segments, grain_columns='week_start, kpi_name') }}  -- noqa: PRS
),

final as (
    select * from industry_segment_bands
    union all
    select * from blended_bands
)

select * from final
