{#
    The one home of "a tenant's certification target": its industry's upper
    bound of the time_to_certification_median_days benchmark band (seed
    industry_benchmarks, one row per industry and KPI), so the target of
    certification_within_target_rate can never disagree with the band the
    scorecard shows. A select (a CTE's body) with one row per industry:
    industry, certification_target_days (integer, for date arithmetic).
    Read by the certification KPI family and fct_tenant_onboarding.
#}
{% macro certification_targets(industry_benchmarks) -%}
    select
        industry,
        cast(benchmark_high as integer) as certification_target_days
    from {{ industry_benchmarks }}
    where kpi_name = 'time_to_certification_median_days'
{%- endmacro %}
