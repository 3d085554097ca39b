{{ config(group='kpi_analytics') }}

{#
    fct_kpi_weekly's uncertainty columns: every row with a value has a
    positive unit_count and the interval method seed kpi_interval_methods
    names for its KPI; an interval has both bounds or neither, its lower
    bound is not above its upper bound, it contains the value (within 1e-9:
    the value and the interval's centre are computed from the same sums in
    different arithmetic), and a row without a value has no interval.
    Returns the offending rows with the reason.
#}

with

kpi_weekly as (
    select * from {{ ref('fct_kpi_weekly') }}
),

interval_methods as (
    select * from {{ ref('kpi_interval_methods') }}
),

checked as (
    select
        kpi_weekly.*,
        interval_methods.interval_method as expected_method,
        case
            when kpi_weekly.value is null and (kpi_weekly.interval_lower is not null or kpi_weekly.interval_upper is not null)
                then 'interval without a value'
            when kpi_weekly.value is null then null
            when coalesce(kpi_weekly.unit_count, 0) <= 0 then 'value without units'
            when kpi_weekly.interval_method is distinct from interval_methods.interval_method
                then 'interval method differs from seed kpi_interval_methods'
            when (kpi_weekly.interval_lower is null) <> (kpi_weekly.interval_upper is null)
                then 'one bound only'
            when kpi_weekly.interval_lower > kpi_weekly.interval_upper then 'lower bound above upper bound'
            when
                kpi_weekly.value < kpi_weekly.interval_lower - 1e-9
                or kpi_weekly.value > kpi_weekly.interval_upper + 1e-9
                then 'value outside its interval'
        end as failure_reason
    from kpi_weekly
    left join interval_methods
        on kpi_weekly.kpi_name = interval_methods.kpi_name
)

select * from checked
where failure_reason is not null
