{{ config(group='kpi_analytics') }}

{#
    The long seed industry_benchmarks holds one row per industry and KPI, so
    nothing in its shape says which rows must exist: every KPI whose catalog
    benchmark_source is industry_benchmarks needs a band for every industry
    of seed industries (a missing one would leave the industry's scorecard
    rows without a threshold and shift the blended bands), and every KPI
    with a band must say so in the catalog (the scorecard would ignore it).
    Returns the missing and the unexpected (industry, kpi_name) pairs.
#}

with

kpi_catalog as (
    select * from {{ ref('kpi_catalog') }}
),

industries as (
    select * from {{ ref('industries') }}
),

industry_benchmarks as (
    select * from {{ ref('industry_benchmarks') }}
),

expected as (
    select
        industries.industry,
        kpi_catalog.kpi_name
    from kpi_catalog
    cross join industries
    where kpi_catalog.benchmark_source = 'industry_benchmarks'
),

final as (
    -- a pair on one side only: expected without a band, or a band not expected
    select
        coalesce(expected.industry, industry_benchmarks.industry) as industry,
        coalesce(expected.kpi_name, industry_benchmarks.kpi_name) as kpi_name,
        case
            when industry_benchmarks.kpi_name is null then 'no band for a KPI benchmarked by industry'
            else 'band for a KPI whose benchmark_source is not industry_benchmarks'
        end as problem
    from expected
    full outer join industry_benchmarks
        on
            expected.industry = industry_benchmarks.industry
            and expected.kpi_name = industry_benchmarks.kpi_name
    where expected.kpi_name is null or industry_benchmarks.kpi_name is null
)

select * from final
